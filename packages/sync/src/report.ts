/**
 * Where bad messages go when the game passes no `onError`: a warning on the console, the first
 * of each kind at once and then at most one a minute, as @rallypoint/core does for an `error`
 * nobody listens for. They are counted in `stats` either way.
 */
export function warnOncePerKind(now: () => number, intervalMs = 60_000): (error: Error, peerId?: string) => void {
  const last = new Map<string, number>();
  return (error, peerId) => {
    const at = last.get(error.name);
    if (at !== undefined && now() - at < intervalMs) return;
    last.set(error.name, now());
    console.warn(`[rallypoint/sync] ${error.message}${peerId === undefined ? '' : ` (peer ${peerId})`} — no onError given; ${error.name} is written at most once a minute`);
  };
}
