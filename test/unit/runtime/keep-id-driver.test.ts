// Which way --userns=keep-id builds the rootfs (src/runtime/keep-id.ts): a driver asked for is
// kept (overlay = the kernel overlay over id-shifted layer copies), else the FUSE overlay where
// /dev/fuse works, else the copies over the kernel overlay, else vfs. The probe's facts come
// from the store's cache file, so nothing is probed here.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepIdDriver } from '../../../src/runtime/keep-id.js';
import { sandboxPaths } from '../../../src/state/paths.js';

const roots: string[] = [];
test.after.always(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function store(facts: { overlay: boolean; fuse: boolean; fuseError?: string; overlayError?: string }) {
  const root = mkdtempSync(join(tmpdir(), 'keepid-driver-'));
  roots.push(root);
  const env: NodeJS.ProcessEnv = { HOME: root, XDG_DATA_HOME: join(root, 'data'), XDG_CONFIG_HOME: join(root, 'config') };
  const paths = sandboxPaths(env);
  mkdirSync(paths.data, { recursive: true });
  writeFileSync(join(paths.data, 'storage-probe.json'), JSON.stringify({ filesystem: 'ext4', ...facts, kernel: release(), dev: statSync(paths.data).dev }));
  return { env, paths };
}

test('nothing asked and /dev/fuse usable: the FUSE overlay remaps, no copy', async (t) => {
  const { env, paths } = store({ overlay: true, fuse: true });
  t.deepEqual(await keepIdDriver(undefined, env, paths), { driver: 'fuse-overlay', reason: '--userns=keep-id: the FUSE overlay shows the image under the keep-id map, no copy' });
});

test('nothing asked and no /dev/fuse: the kernel overlay over shifted copies, with the reason', async (t) => {
  const { env, paths } = store({ overlay: true, fuse: false, fuseError: 'open /dev/fuse: No such file or directory' });
  const c = await keepIdDriver(undefined, env, paths);
  t.is(c.driver, 'overlay');
  t.is(c.reason, '--userns=keep-id: /dev/fuse is not usable (open /dev/fuse: No such file or directory), so the kernel overlay over copies of the layers with their owners shifted, made once per layer and id map and reused');
});

test('neither overlay works: vfs with the shift', async (t) => {
  const { env, paths } = store({ overlay: false, overlayError: 'refused', fuse: false, fuseError: 'missing' });
  t.is((await keepIdDriver(undefined, env, paths)).driver, 'vfs');
});

test('a driver asked for is kept: --storage-driver over SANDBOX_STORAGE_DRIVER, each meaning what it means without keep-id', async (t) => {
  const { env, paths } = store({ overlay: true, fuse: true });
  t.is((await keepIdDriver('overlay', env, paths)).driver, 'overlay');
  t.is((await keepIdDriver('vfs', { ...env, SANDBOX_STORAGE_DRIVER: 'overlay' }, paths)).driver, 'vfs');
  const fromEnv = await keepIdDriver(undefined, { ...env, SANDBOX_STORAGE_DRIVER: 'overlay' }, paths);
  t.is(fromEnv.reason, 'chosen by SANDBOX_STORAGE_DRIVER; --userns=keep-id: the kernel overlay over copies of the layers with their owners shifted, made once per layer and id map and reused');
  await t.throwsAsync(keepIdDriver('btrfs', env, paths), { message: /invalid storage driver "btrfs" \(from --storage-driver\)/ });
});
