// The test helpers themselves: a sandbox home per test that leaves nothing behind (including
// files owned by subordinate ids), and runSandbox driving the real CLI.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox } from '../helpers/cli.js';
import { needs } from '../helpers/facility.js';
import { currentIdMaps, formatIdMap } from '../../src/runtime/idmap.js';
import { monitorPath, packageRoot } from '../../src/runtime/paths.js';

test('makeSandboxHome points every XDG dir and the runtime dir into a fresh private directory', async (t) => {
  const a = await makeSandboxHome(t);
  const b = await makeSandboxHome(t);
  t.not(a.root, b.root);
  for (const key of ['HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'TMPDIR', 'SANDBOX_RUNTIME_DIR']) {
    t.true(a.env[key]!.startsWith(`${a.root}/`), key);
  }
  t.is(a.dataDir, join(a.root, 'data', 'sandbox'));
  t.is(statSync(a.root).mode & 0o777, 0o700);
});

test('cleanup removes the whole home', async (t) => {
  const home = await makeSandboxHome();
  mkdirSync(join(home.dataDir, 'containers', 'x'), { recursive: true });
  writeFileSync(join(home.dataDir, 'containers', 'x', 'state.json'), '{}');
  await home.cleanup();
  t.false(existsSync(home.root));
  await home.cleanup(); // idempotent
});

needs(test, ['monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'unpacks a layer as subordinate ids')(
  'cleanup removes directories owned by subordinate ids, which rm -rf cannot',
  async (t) => {
    const home = await makeSandboxHome();
    // A layer whose directory belongs to container uid 1000: on the host, subordinate id
    // start + 999, which this user may not write into.
    const stage = mkdtempSync(join(tmpdir(), 'layer-'));
    mkdirSync(join(stage, 'owned'));
    writeFileSync(join(stage, 'owned', 'file'), 'x\n');
    const tar = execFileSync('tar', ['-C', stage, '--numeric-owner', '--owner=1000', '--group=1000', '-cf', '-', 'owned']);
    rmSync(stage, { recursive: true });
    const maps = currentIdMaps();
    const dest = join(home.dataDir, 'layers', 'test');
    mkdirSync(dest, { recursive: true });
    const r = spawnSync(monitorPath(), ['unpack', '--uidmap', formatIdMap(maps.uidMappings), '--gidmap', formatIdMap(maps.gidMappings), dest], { input: tar });
    t.is(r.status, 0, r.stdout.toString() + r.stderr.toString());
    const subuid = maps.uidMappings[1]!.hostID;
    t.is(statSync(join(dest, 'owned')).uid, subuid + 999);
    t.throws(() => rmSync(join(dest, 'owned', 'file')), { code: 'EACCES' });
    await home.cleanup();
    t.false(existsSync(home.root));
  },
);

needs(test, 'cli', 'runs the compiled CLI')('runSandbox runs bin/sandbox.js and returns its exit code and output', async (t) => {
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const r = await runSandbox(['--version']);
  t.is(r.code, 0, r.stderr);
  t.false(r.timedOut);
  t.true(r.stdout.includes(version), r.stdout);
});
