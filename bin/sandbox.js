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
    // The process still ends when its event loop is empty, so every write to a pipe or file has
    // completed; but then, after the 'exit' listeners (the user code cache, SANDBOX_TIMING's
    // last mark), it ends at once instead of tearing Node down (freeing the heap, closing
    // handles: ~2-5 ms that nothing observes).
    process.on('exit', function quickExit(exitCode) {
      const all = process.listeners('exit');
      for (const later of all.slice(all.indexOf(quickExit) + 1)) later.call(process, exitCode);
      process.reallyExit(process.exitCode ?? exitCode);
    });
  });
