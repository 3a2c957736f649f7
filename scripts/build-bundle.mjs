#!/usr/bin/env node
// Second half of `npm run build:ts`: the CLI as one System.register file (tsconfig.bundle.json)
// and V8's code cache for it, which src/boot/bundle.ts loads instead of ~60 ES modules (see
// there). Run after `tsc -p tsconfig.json`: the loader trusts the bundle only when it is at least
// as new as dist/src. The cache is made in a fresh node with no flags, as the CLI runs
// (V8 rejects a cache made under other flags).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run([tsc, '-p', 'tsconfig.bundle.json']);
run(['-e', "require('./dist/src/boot/bundle.cjs').writeCodeCache()"]);
