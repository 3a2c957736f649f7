#!/usr/bin/env -S node --
// Thin launcher: everything lives in the compiled CLI, loaded from the one-file bundle when it is
// built and current (src/boot/bundle.cts), else from dist/src; commands load lazily from there.
// CommonJS (bin/package.json): no ES module is loaded on the bundle's path.
// `node --`: Node 20 otherwise reads a `--env-file` anywhere in argv (ours is `run --env-file`) as
// its own option, loading the file into our environment or exiting 9 when it is missing.
'use strict';
require('../dist/src/boot/bundle.cjs')
  .loadCli()
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
