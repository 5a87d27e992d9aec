/**
 * A small typed event emitter. Listeners that throw are reported through `onListenerError`
 * instead of unwinding into the code that emitted (a game's bug must not break the link).
 */
export type Listener<T> = (event: T) => void;

/** A small typed event emitter: listeners that throw are reported to `onListenerError`, never to the emitter's caller. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (name: string, error: unknown) => void) {}

  on<K extends keyof Events>(name: K, fn: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(fn as Listener<never>);
    return () => this.off(name, fn);
  }

  once<K extends keyof Events>(name: K, fn: Listener<Events[K]>): () => void {
    const off = this.on(name, (event) => {
      off();
      fn(event);
    });
    return off;
  }

  off<K extends keyof Events>(name: K, fn: Listener<Events[K]>): void {
    this.#listeners.get(name)?.delete(fn as Listener<never>);
  }

  has(name: keyof Events): boolean {
    return (this.#listeners.get(name)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<Events[K]>)(event);
      } catch (error) {
        this.onListenerError(String(name), error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
