/**
 * HTTP as raw bytes over a socket, for request lines and paths that fetch() and curl would
 * normalise away before sending (`//a:99999`, bad escapes, absolute forms).
 */
import { connect } from 'node:net';
import { deadline } from './wait.js';

export interface RawReply {
  /** The status code of the response line; 0 if the server closed without answering. */
  status: number;
  /** The response head (status line and headers) as text. */
  head: string;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body`; resolves with the
 * response head once it is in (or the server closes first), and closes the socket.
 */
export function rawRequest(port: number, head: string, body = '', timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(replyOf(received));
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply within ${deadline(timeoutMs)} ms to ${JSON.stringify(head.split('\r\n')[0])}`));
    }, deadline(timeoutMs));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) finish();
    });
    socket.on('error', () => undefined); // a reset ends the reply like a close: 'close' follows
    socket.on('close', finish);
    socket.write(`${head}\r\n\r\n${body}`);
  });
}

/** The status and head of what came back (status 0: the server closed without answering). */
function replyOf(received: string): RawReply {
  const end = received.indexOf('\r\n\r\n');
  const head = end === -1 ? received : received.slice(0, end);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return { status: status === null ? 0 : Number(status[1]), head };
}

/** A request head: the request line, `Host`, `Connection: close` (unless given) and `headers`. */
export function requestHead(requestLine: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = { Host: '127.0.0.1', Connection: 'close', ...headers };
  return [requestLine, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
}

export interface BodyReply extends RawReply {
  /** Body bytes written before the answer came (or the server closed). */
  bytesSent: number;
}

/**
 * Sends `head`, then a body of `bodyBytes` (as Content-Length, or chunked when `chunked`), written
 * as fast as the socket takes it, and stops writing as soon as an answer arrives or the server
 * closes: how much was sent by then says whether the server waited for the rest.
 */
export function rawBodyRequest(port: number, head: string, bodyBytes: number, { chunked = false, timeoutMs = 30_000 } = {}): Promise<BodyReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const piece = Buffer.alloc(64 * 1024, 0x61);
    let received = '';
    let bytesSent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...replyOf(received), bytesSent });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply within ${deadline(timeoutMs)} ms to ${JSON.stringify(head.split('\r\n')[0])} (${bytesSent} body bytes sent)`));
    }, deadline(timeoutMs));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) finish();
    });
    socket.on('error', () => undefined); // a reset after the answer: 'close' follows
    socket.on('close', finish);
    const framing = chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(bodyBytes) };
    socket.write(`${head}\r\n${Object.entries(framing).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    const pump = () => {
      while (!done && bytesSent < bodyBytes) {
        const part = piece.subarray(0, Math.min(piece.byteLength, bodyBytes - bytesSent));
        bytesSent += part.byteLength;
        const more = socket.write(chunked ? Buffer.concat([Buffer.from(`${part.byteLength.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
        if (!more) return void socket.once('drain', pump);
      }
      if (!done && chunked) socket.write('0\r\n\r\n');
    };
    pump();
  });
}
