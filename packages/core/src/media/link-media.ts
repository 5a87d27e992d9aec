/**
 * `link.media`: the tracks a game adds, kept across the link's connections. Each new connection's
 * media (path-media.ts) gets them once it is open; the peer's tracks on a closed one end.
 */
import { LinkMediaError } from '../errors.js';
import type { ConnectionMedia, LinkMediaApi, MediaStats, RemoteTrack } from './types.js';

export class LinkMedia implements LinkMediaApi {
  readonly #local = new Map<MediaStreamTrack, { stream: MediaStream; sending: MediaStreamTrack | null }>();
  #path: ConnectionMedia | null = null;
  /** Renegotiations on connections this link no longer has. */
  #pastRenegotiations = 0;

  constructor(
    private readonly deps: {
      /** Where a failure that has no caller to throw to goes (the link's `error` event). */
      report(error: Error): void;
    },
  ) {}

  get localTracks(): readonly MediaStreamTrack[] {
    return [...this.#local.keys()];
  }

  get remoteTracks(): readonly RemoteTrack[] {
    return this.#path?.remoteTracks ?? [];
  }

  get available(): boolean {
    return this.#path !== null;
  }

  addTrack(track: MediaStreamTrack, stream: MediaStream): void {
    if (this.#local.has(track)) throw new LinkMediaError(`Track ${track.id} is added already`);
    this.#path?.add(track, stream);
    this.#local.set(track, { stream, sending: track });
  }

  removeTrack(track: MediaStreamTrack): void {
    if (!this.#local.delete(track)) return;
    this.#path?.remove(track);
  }

  async replaceTrack(track: MediaStreamTrack, replacement: MediaStreamTrack | null): Promise<void> {
    const entry = this.#local.get(track);
    if (entry === undefined) throw new LinkMediaError(`Track ${track.id} was never added`);
    entry.sending = replacement;
    await this.#path?.replace(track, replacement);
  }

  async stats(): Promise<MediaStats> {
    const path = this.#path;
    const figures = path === null ? { inbound: [], outbound: [] } : await path.stats();
    return { ...figures, renegotiations: this.#pastRenegotiations + (path?.renegotiations ?? 0) };
  }

  /** A direct connection opened and carries the lanes: send every track on it. */
  attach(path: ConnectionMedia): void {
    if (this.#path === path) return;
    if (this.#path !== null) this.detach(this.#path);
    this.#path = path;
    for (const [track, { stream, sending }] of this.#local) {
      try {
        path.add(track, stream);
        if (sending !== track) path.replace(track, sending).catch((cause: unknown) => this.deps.report(new LinkMediaError('replaceTrack failed on the new connection', { cause })));
      } catch (cause) {
        this.deps.report(cause instanceof LinkMediaError ? cause : new LinkMediaError('Adding a track to the new connection failed', { cause }));
      }
    }
  }

  /** The connection is gone (or no longer carries the lanes). */
  detach(path: ConnectionMedia): void {
    if (this.#path !== path) return;
    this.#path = null;
    this.#pastRenegotiations += path.renegotiations;
  }

  close(): void {
    if (this.#path !== null) this.detach(this.#path);
    this.#local.clear();
  }
}
