#!/usr/bin/env node
// Thin launcher: everything lives in the compiled CLI; commands load lazily from there.
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
