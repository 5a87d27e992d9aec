export interface FrontDoor {
  readonly url: string;
  readonly port: number;
  /** Replace the processes requests go to. */
  setBackends(backends: string[]): void;
  close(): Promise<void>;
}
/** One port in front of several lobby processes (see front-door.mjs). */
export function startFrontDoor(options: { backends: string[]; port?: number; host?: string }): Promise<FrontDoor>;
