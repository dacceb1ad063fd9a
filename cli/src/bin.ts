#!/usr/bin/env node
import { main } from "./cli.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// The command has returned: nothing it started may keep the process alive past its --timeout
// (an abandoned socket or child). Output already written gets a moment to drain first.
setTimeout(() => process.exit(), 2_000).unref();
