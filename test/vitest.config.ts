import { defineConfig } from "vitest/config";
import { unitConfig } from "../vitest.shared.js";

// Real-peer suites: one set of services (registry, dockerd, Kafka, Connect,
// PostgreSQL…) per run, started by the global setup and shared by every file.
export default defineConfig({
  ...unitConfig,
  test: {
    ...unitConfig.test,
    include: ["src/**/*.test.ts"],
    globalSetup: ["src/global-setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // Stopping kube-apiserver, Kafka and Connect can take several seconds each.
    teardownTimeout: 60_000,
    // Two cores: files run one after another so the shared services are not starved.
    fileParallelism: false,
  },
});
