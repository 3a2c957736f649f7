#!/usr/bin/env node
// Second half of `npm run build:ts`: the CLI as one System.register file (tsconfig.bundle.json)
// and V8's code cache for it, which src/boot/bundle.cts loads instead of ~60 ES modules (see
// there). Run after `tsc -p tsconfig.json`: the loader trusts the bundle only when it is at least
// as new as dist/src. The cache is made in a fresh node with no flags, as the CLI runs
// (V8 rejects a cache made under other flags).
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.bundle.json']);

// Runtime dependencies that are one self-contained CommonJS file (minimist) go into the bundle
// too, wrapped as a System module with ESM's default export: require() would otherwise search
// node_modules and compile them on every run (~1.5 ms). One that requires anything else stays
// a plain require() at run time.
const require = createRequire(import.meta.url);
const { dependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const name of Object.keys(dependencies)) {
  const source = readFileSync(require.resolve(name), 'utf8');
  if (/\brequire\s*\(/.test(source)) continue;
  appendFileSync(
    join(root, 'dist/bundle/sandbox.js'),
    `System.register(${JSON.stringify(name)}, [], function (exports_1) {\n  return { setters: [], execute: function () {\n` +
      `    var module = { exports: {} };\n    (function (module, exports) {\n${source}\n    }).call(module.exports, module, module.exports);\n` +
      `    exports_1("default", module.exports);\n  } };\n});\n`,
  );
}
run(['-e', "require('./dist/src/boot/bundle.cjs').writeCodeCache()"]);
