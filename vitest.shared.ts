import type { ViteUserConfig } from "vitest/config";

// Tests import workspace packages from their TypeScript sources (the "kiln-src"
// export condition), so no build is needed before a test run.
export const unitConfig: ViteUserConfig = {
  resolve: { conditions: ["kiln-src"] },
  ssr: { resolve: { conditions: ["kiln-src"] } },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    // Loopback servers and child processes on a loaded 2-core machine: generous, never a speed assertion.
    testTimeout: 30_000,
  },
};
