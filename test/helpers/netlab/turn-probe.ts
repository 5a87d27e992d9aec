/**
 * One TURN Allocate over UDP (RFC 5766 / RFC 8656 long-term credentials), to ask a TURN server
 * directly whether it takes a username and credential: the answer is the server's own (a
 * success, or its ERROR-CODE such as 401), not an inference from ICE gathering going quiet.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC = 0x2112a442;
const ALLOCATE = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ALLOCATE_ERROR = 0x0113;
const Attr = { username: 0x0006, integrity: 0x0008, errorCode: 0x0009, realm: 0x0014, nonce: 0x0015, transport: 0x0019 } as const;

export type TurnProbeResult = { ok: true } | { ok: false; code: number; reason: string };

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function message(type: number, txid: Buffer, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC, 4);
  txid.copy(header, 8);
  if (integrityKey === undefined) {
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
  }
  // MESSAGE-INTEGRITY covers the message with the length already counting itself (24 bytes).
  header.writeUInt16BE(body.length + 24, 2);
  const mac = createHmac('sha1', integrityKey).update(Buffer.concat([header, body])).digest();
  return Buffer.concat([header, body, attribute(Attr.integrity, mac)]);
}

function parse(packet: Buffer): { type: number; txid: Buffer; attrs: Map<number, Buffer> } {
  const type = packet.readUInt16BE(0);
  const length = packet.readUInt16BE(2);
  const attrs = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= 20 + length; ) {
    const t = packet.readUInt16BE(at);
    const l = packet.readUInt16BE(at + 2);
    attrs.set(t, packet.subarray(at + 4, at + 4 + l));
    at += 4 + Math.ceil(l / 4) * 4;
  }
  return { type, txid: packet.subarray(8, 20), attrs };
}

function errorOf(attrs: Map<number, Buffer>): { code: number; reason: string } {
  const value = attrs.get(Attr.errorCode);
  if (value === undefined) return { code: 0, reason: 'no ERROR-CODE' };
  return { code: (value[2]! & 0x7) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
}

/** Allocates a UDP relay on `host:port` with the given credentials, then lets it go. */
export async function probeTurn(host: string, port: number, username: string, credential: string, timeoutMs = 5000): Promise<TurnProbeResult> {
  const socket = createSocket('udp4');
  const transport = attribute(Attr.transport, Buffer.from([17, 0, 0, 0]));
  const ask = (packet: Buffer, txid: Buffer) =>
    new Promise<ReturnType<typeof parse>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from TURN ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
      const resend = setInterval(() => socket.send(packet, port, host), 500);
      const onMessage = (data: Buffer) => {
        const reply = parse(data);
        if (!reply.txid.equals(txid)) return;
        clearTimeout(timer);
        clearInterval(resend);
        socket.off('message', onMessage);
        resolve(reply);
      };
      socket.on('message', onMessage);
      socket.send(packet, port, host);
    });
  try {
    const first = randomBytes(12);
    const challenge = await ask(message(ALLOCATE, first, [transport]), first);
    if (challenge.type === ALLOCATE_SUCCESS) return { ok: true }; // a server with no auth at all
    const realm = challenge.attrs.get(Attr.realm);
    const nonce = challenge.attrs.get(Attr.nonce);
    if (challenge.type !== ALLOCATE_ERROR || realm === undefined || nonce === undefined) return { ok: false, ...errorOf(challenge.attrs) };
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${credential}`).digest();
    const second = randomBytes(12);
    const attrs = [attribute(Attr.username, Buffer.from(username)), attribute(Attr.realm, realm), attribute(Attr.nonce, nonce), transport];
    const reply = await ask(message(ALLOCATE, second, attrs, key), second);
    return reply.type === ALLOCATE_SUCCESS ? { ok: true } : { ok: false, ...errorOf(reply.attrs) };
  } finally {
    socket.close();
  }
}
