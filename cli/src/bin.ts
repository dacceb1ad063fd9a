#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
import { main } from "./cli.js";

// undici parses HTTP with WebAssembly. V8 compiles it at once (Liftoff), then again optimised
// on a background thread — and a process may not exit before that compile ends: about 0.1 s
// of CPU and of wall time added to every command that downloads (resolve, lock, catalog add),
// for a parser that only reads answers' headers. Set before undici's first request compiles it.
setFlagsFromString("--liftoff-only");

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// The command has returned: nothing it started may keep the process alive past its --timeout
// (an abandoned socket or child). Output already written gets a moment to drain first.
setTimeout(() => process.exit(), 2_000).unref();
