// Keys the global setup provides to tests (see services/*). Each service adds its own.
declare module "vitest" {
  export interface ProvidedContext {
    workDir: string;
  }
}

export {};
