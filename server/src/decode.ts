import { UNDEFINED_EXTENSION, createMsgpackScanner } from '@rallypoint/msgpack-guard';
import { LobbyLimits } from '@rallypoint/protocol';
import { Unpackr } from 'msgpackr';

export type DecodeResult = { ok: true; value: unknown } | { ok: false; message: string };

/** Turns the msgpack payload of a client's room message into a value, or says why not. */
export type MessageDecoder = (bytes: Uint8Array) => DecodeResult;

/**
 * Client messages are measured before they are decoded (see @rallypoint/msgpack-guard): one
 * value filling the frame, at most `messageMaxDepth` deep and `messageMaxValues` values, and no
 * extension but `undefined`: none of msgpackr's shared references (a few hundred bytes can
 * describe billions of nodes), bundled strings, big integers or typed objects.
 *
 * Records defined inside the message stay allowed: colyseus.js packs every object as one (its
 * Packr keeps msgpackr's default `useRecords`), and they cannot amplify (each of a record's
 * values takes a byte of its own). Nothing carries over from one message to the next. msgpackr
 * then decodes what is left, with structured clone off as a second lock on the same door.
 */
export function createMessageDecoder(limits: Pick<typeof LobbyLimits, 'messageMaxDepth' | 'messageMaxValues'> = LobbyLimits): MessageDecoder {
  const scanMessage = createMsgpackScanner({ maxDepth: limits.messageMaxDepth, maxNodes: limits.messageMaxValues, extensions: [UNDEFINED_EXTENSION], records: { shared: [] } });
  const unpackr = new Unpackr({ useRecords: false, structuredClone: false, mapsAsObjects: true });
  return (bytes) => {
    const scan = scanMessage(bytes);
    if (!scan.ok) return { ok: false, message: `${scan.reason}: ${scan.message}` };
    try {
      return { ok: true, value: unpackr.unpack(bytes) };
    } catch (error) {
      // msgpackr's messages name types and offsets, never the decoded value (the guard saw to that).
      return { ok: false, message: String((error as Error).message).slice(0, 200) };
    }
  };
}
