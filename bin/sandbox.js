#!/usr/bin/env -S node --
// Thin launcher: everything lives in the compiled CLI, loaded from the one-file bundle when it is
// built and current (src/boot/bundle.ts), else from dist/src; commands load lazily from there.
// `node --`: Node 20 otherwise reads a `--env-file` anywhere in argv (ours is `run --env-file`) as
// its own option, loading the file into our environment or exiting 9 when it is missing.
import { loadCli } from '../dist/src/boot/bundle.js';
const { main } = await loadCli();
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
