/** What a pipeline step may touch: where relative paths start, the environment, the deadline. */
export interface RunContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The caller's overall deadline, for everything sent over the network. */
  signal?: AbortSignal;
}
