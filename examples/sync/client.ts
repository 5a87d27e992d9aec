// A player: predicts its own avatar from its inputs, draws everyone else interpolated.
import type { Link, RoomSession } from '@rallypoint/lobby';
import { SyncClient, stateChannel } from '@rallypoint/sync';
import { TICK_MS, move, schema, spawn, type Game, type Input } from './shared.js';

export async function joinGame(session: RoomSession<Game>) {
  // The host's link, and the welcome on it that says which entity is mine.
  const link = await new Promise<Link<Game>>((resolve) => {
    const open = session.links.get(session.hostId);
    if (open?.status === 'open') return resolve(open);
    const off = session.on('linkOpen', ({ peerId, link: opened }) => peerId === session.hostId && (off(), resolve(opened)));
  });
  const { entityId } = await new Promise<{ entityId: number }>((resolve) => link.events.once('welcome', resolve));

  const client = new SyncClient<typeof schema.fields, Input>({
    schema,
    channel: stateChannel(link),
    now: () => performance.now(),
    prediction: { entityId, initial: spawn(entityId), step: move, dtMs: TICK_MS, smooth: ['x', 'y'], fromEntity: (e) => e },
  });
  return {
    entityId,
    /** Once per tick: applied here at once (prediction) and sent to the host. */
    input: (input: Input) => client.input(input),
    /** Once per frame: everyone else as interpolated, and me as predicted. */
    frame: () => client.frame(),
    stop: () => client.close(),
  };
}
