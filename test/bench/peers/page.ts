/**
 * The page side of a peers.* benchmark: each library's page (page-*.ts) hands its `connect` to
 * `servePage`, which connects as soon as the page loads and exposes the end to the benchmark as
 * `window.peerBench`. Query parameters: `role` (a, the one that opens; b, the one that joins on
 * a's token), `mode` (unreliable: state on the library's unreliable lane where it has one; default:
 * its default channel), and `host` (where the benchmark's servers listen, with their ports).
 */
import { Endpoint, callEndpoint, wallClock, type EndpointCall, type Lanes } from './endpoint.js';

export interface PageParams {
  role: 'a' | 'b';
  mode: 'unreliable' | 'default';
  /** The address the servers listen on, e.g. 10.77.0.1. */
  host: string;
  port(name: 'lobby' | 'peerjs' | 'socketio' | 'geckos'): number;
  /** a: publish what b needs to reach it (a room code, a peer id). */
  publish(token: string): void;
  /** b: what a published. */
  token(): Promise<string>;
  /** Notes that this page reached a step of connecting (for the breakdown of connect times). */
  mark(step: string): void;
}

export interface PeerBenchWindow {
  peerBench: {
    /** Wall-clock ms when this end could send, or undefined while connecting. */
    readyAt: number | undefined;
    failure: string | undefined;
    timeOrigin: number;
    /** ms from this page's navigation start to each step it marked. */
    marks: Record<string, number>;
    call(call: EndpointCall): Promise<unknown>;
  };
}

/** Functions the benchmark exposes to the pages (playwright's exposeFunction), which hand a's token to b. */
interface BenchHooks {
  benchPublish(token: string): Promise<void>;
  benchToken(): Promise<string>;
}

export function servePage(connect: (params: PageParams) => Promise<Lanes>): void {
  const query = new URLSearchParams(location.search);
  let endpoint: Endpoint | undefined;
  const bench: PeerBenchWindow['peerBench'] = {
    readyAt: undefined,
    failure: undefined,
    timeOrigin: performance.timeOrigin,
    marks: { loaded: performance.now() },
    async call(call) {
      if (endpoint === undefined) throw new Error('not connected yet');
      return callEndpoint(endpoint, call);
    },
  };
  (window as unknown as PeerBenchWindow).peerBench = bench;
  const params: PageParams = {
    role: query.get('role') === 'b' ? 'b' : 'a',
    mode: query.get('mode') === 'default' ? 'default' : 'unreliable',
    host: location.hostname,
    port: (name) => Number(query.get(name)),
    publish: (token) => void (window as unknown as BenchHooks).benchPublish(token),
    token: async () => {
      const token = await (window as unknown as BenchHooks).benchToken();
      bench.marks['got token'] = performance.now();
      return token;
    },
    mark: (step) => (bench.marks[step] = performance.now()),
  };
  connect(params).then(
    (lanes) => {
      endpoint = new Endpoint(lanes);
      bench.marks.ready = performance.now();
      bench.readyAt = wallClock();
      endpoint.greet();
    },
    (error: unknown) => (bench.failure = String((error as Error)?.stack ?? error)),
  );
}

/** A random room name for libraries whose rooms are named by the caller. */
export const randomToken = (): string => Math.random().toString(36).slice(2, 10);
