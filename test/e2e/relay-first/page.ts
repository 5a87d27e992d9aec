/**
 * The page of the browsers' relay-first test: a lobby session with default settings (links open
 * on the lobby relay and move to their direct connection once it is confirmed), driven through
 * `window.relayFirstTest`. The host starts its flow from `memberJoined`, before the link to the
 * newcomer exists: `count` numbered events through `session.emit` and state at 60 Hz; the other
 * page counts what arrives and how, and every path change and close its link sees.
 */
import { createLobby, type RoomSession } from '@rallypoint/lobby';

// This test is about the move from the relay, so the direct connection must lose the race to
// open: on one machine both are local, and with the machine busy ICE sometimes finished before
// the relay hellos had crossed the server (the link then opens on p2p and never moves). Each
// side takes the other's description 2 s late; the relay needs one round trip through the server.
const setRemoteDescription = RTCPeerConnection.prototype.setRemoteDescription as (this: RTCPeerConnection, description?: RTCSessionDescriptionInit) => Promise<void>;
RTCPeerConnection.prototype.setRemoteDescription = async function (this: RTCPeerConnection, description?: RTCSessionDescriptionInit) {
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return setRemoteDescription.call(this, description);
};

type Game = { events: { n: number }; state: { t: number } };

/** What one page has seen of its link to the other. */
export interface LinkLog {
  /** The transport the link opened on. */
  openedOn: string | null;
  transport: string | null;
  /** `previous>transport` for every `transportChanged`. */
  changes: string[];
  closes: string[];
  events: number;
  /** Events that came again (an `n` already seen). */
  duplicates: number;
  /** Every event was the one after the last. */
  inOrder: boolean;
  states: number;
  /** Events this page had received when its link first moved (null: it has not moved). */
  eventsAtMove: number | null;
  /** Events sent so far (the host, from `memberJoined`). */
  sent: number;
}

let session: RoomSession<Game> | undefined;
const log: LinkLog = { openedOn: null, transport: null, changes: [], closes: [], events: 0, duplicates: 0, inOrder: true, states: 0, eventsAtMove: null, sent: 0 };
let timers: ReturnType<typeof setInterval>[] = [];

function watch(s: RoomSession<Game>): RoomSession<Game> {
  session = s;
  s.on('linkOpen', ({ link }) => {
    log.openedOn = link.transport;
    link.on('transportChanged', ({ previous, transport }) => {
      log.changes.push(`${previous}>${transport}`);
      log.eventsAtMove ??= log.events;
    });
    link.on('close', ({ reason }) => log.closes.push(reason));
    link.events.on('n', (n) => {
      if (n < log.events) log.duplicates++;
      else if (n !== log.events) log.inOrder = false;
      else log.events++;
    });
    link.state.onMessage(() => log.states++);
  });
  return s;
}

const api = {
  /** Creates a room; once someone joins, sends them `count` events and state at 60 Hz, from `memberJoined` on. */
  async create(count: number): Promise<string> {
    const s = watch(await createLobby<Game>({ url: location.origin }).create({ name: 'host' }));
    s.on('memberJoined', (member) => {
      timers.push(
        setInterval(() => {
          // 5 every 4 ms (10,000 take some 8 s, well past the move), held back while the link's
          // queue is long (queued ones count too).
          const link = s.links.get(member.id);
          if (link !== undefined && link.events.bufferedAmount > 256 * 1024) return;
          for (let i = 0; i < 5 && log.sent < count; i++) s.emit('n', log.sent++, member.id);
        }, 4),
        setInterval(() => s.sendState({ t: performance.now() }), 1000 / 60),
      );
    });
    return s.code;
  },
  async join(code: string): Promise<void> {
    watch(await createLobby<Game>({ url: location.origin }).join(code, { name: 'guest' }));
  },
  log: (): LinkLog => ({ ...log, transport: session?.links.values().next().value?.transport ?? null }),
  async leave(): Promise<void> {
    for (const timer of timers) clearInterval(timer);
    timers = [];
    await session?.leave();
  },
};

declare global {
  interface Window {
    relayFirstTest: typeof api;
  }
}
window.relayFirstTest = api;
