#!/usr/bin/env node
// The installed `kiln` command. A committed file, not dist/bin.js: npm links bins while it
// installs, before `prepare` has built dist/, and skips a link whose target does not exist yet.
import "../dist/bin.js";
