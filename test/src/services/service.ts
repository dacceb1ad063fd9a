/** A real peer started once per test run. */
export interface Service {
  name: string;
  /** Starts the service; returns values handed to tests through vitest's `inject`, and a stop function. */
  start(ctx: { workDir: string }): Promise<{ provide: Record<string, string>; stop(): Promise<void> }>;
}
