#!/usr/bin/env -S node --
// Thin launcher: everything lives in the compiled CLI; commands load lazily from there.
// `node --`: Node 20 otherwise reads a `--env-file` anywhere in argv (ours is `run --env-file`) as
// its own option, loading the file into our environment or exiting 9 when it is missing.
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
