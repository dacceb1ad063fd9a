#!/usr/bin/env node
import module from "node:module";

// Node.js 22.1+ keeps the code it compiles between runs (in the OS temp directory, or
// NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off): a later start skips compiling
// the bundle (`kiln validate` of one file 13–16 % faster, bench/README.md). It must be on before
// the command's modules load, hence the dynamic import below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import("./cli.js");

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// The command has returned: nothing it started may keep the process alive past its --timeout
// (an abandoned socket or child). Output already written gets a moment to drain first.
setTimeout(() => process.exit(), 2_000).unref();
