// The host: runs the world, one avatar per player, its own included; sends each player snapshots.
import type { RoomSession } from '@rallypoint/lobby';
import { HOST_PLAYER, SyncHost, stateChannel } from '@rallypoint/sync';
import { TICK_RATE_HZ, move, schema, spawn, type Avatar, type Game, type Input } from './shared.js';

type World = Map<number, Avatar>; // entity id → avatar; the host's own, joins and leaves change it

export function hostGame(session: RoomSession<Game>) {
  let nextEntityId = 1;
  /** Whose avatar is which: member id → entity id. The host's own inputs come as HOST_PLAYER. */
  const entityOf = new Map<string, number>([[HOST_PLAYER, nextEntityId]]);
  const world: World = new Map([[nextEntityId, spawn(nextEntityId++)]]);

  const host = new SyncHost<typeof schema.fields, Input, World>({
    schema,
    tickRateHz: TICK_RATE_HZ,
    world,
    now: () => performance.now(),
    entities: (w) => w,
    // One tick: every player's inputs for it, in order. `dtMs` is the fixed tick (TICK_MS).
    step: (w, inputs, dtMs) => {
      for (const [playerId, list] of inputs) {
        const id = entityOf.get(playerId);
        const avatar = id === undefined ? undefined : w.get(id);
        if (id !== undefined && avatar !== undefined) w.set(id, list.reduce((a, input) => move(a, input, dtMs), avatar));
      }
      return w;
    },
  });

  // A player whose link opens (at the start, or mid-game) gets an avatar and is told its id.
  session.on('linkOpen', ({ peerId, link }) => {
    const id = nextEntityId++;
    entityOf.set(peerId, id);
    world.set(id, spawn(id));
    host.addPeer(peerId, stateChannel(link));
    link.events.emit('welcome', { entityId: id });
  });
  // A player who leaves (or whose link closes for good): its avatar goes.
  const drop = (peerId: string) => {
    const id = entityOf.get(peerId);
    host.removePeer(peerId);
    entityOf.delete(peerId);
    if (id !== undefined) world.delete(id);
  };
  session.on('memberLeft', ({ member }) => drop(member.id));
  session.on('linkClose', ({ peerId }) => drop(peerId));

  const timer = setInterval(() => host.update(), 5); // the ticker keeps its own fixed step
  return {
    /** The host plays too: its input, each tick, like anyone's. */
    input: (input: Input) => host.input(input),
    world: (): ReadonlyMap<number, Avatar> => world,
    myEntityId: entityOf.get(HOST_PLAYER)!,
    stop: () => clearInterval(timer),
  };
}
