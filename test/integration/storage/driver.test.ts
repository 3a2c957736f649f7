// Choosing the rootfs driver, as a user sees it: what --storage-driver and
// SANDBOX_STORAGE_DRIVER give in the container's mountinfo, the message for a bad name, and the
// upper dir our FUSE overlay leaves in the kernel overlay's on-disk form.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'fuse', 'unprivileged'], 'runs containers on the FUSE overlay');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busyboxApp.dockerArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
test.after.always(async () => {
  await home?.cleanup();
});

// The fs type and source of "/": the two fields after mountinfo's "-" separator.
const rootLine = "awk '$5==\"/\"{for(i=7;i<=NF;i++) if($i==\"-\"){print $(i+1), $(i+2); exit}}' /proc/self/mountinfo";

it('--storage-driver fuse-overlay: the rootfs is our FUSE filesystem, never a silent kernel overlay', async (t) => {
  const r = await runSandbox(['run', '--rm', '--storage-driver', 'fuse-overlay', '--entrypoint', 'sh', 'lab/busybox-app', '-c', rootLine], { env: home.env });
  t.is(r.stdout, 'fuse.sandbox-overlay sandbox-overlay\n', r.stderr);
  t.is(r.code, 0);
});

it('--storage-driver overlay: the kernel overlay', async (t) => {
  const r = await runSandbox(['run', '--rm', '--storage-driver', 'overlay', '--entrypoint', 'sh', 'lab/busybox-app', '-c', rootLine], { env: home.env });
  t.is(r.stdout, 'overlay none\n', r.stderr);
});

it('SANDBOX_STORAGE_DRIVER=fuse-overlay picks the driver when no flag does', async (t) => {
  const env = { ...home.env, SANDBOX_STORAGE_DRIVER: 'fuse-overlay' };
  const r = await runSandbox(['run', '--rm', '--entrypoint', 'sh', 'lab/busybox-app', '-c', rootLine], { env });
  t.is(r.stdout, 'fuse.sandbox-overlay sandbox-overlay\n', r.stderr);
});

it('an unknown driver is refused before anything is created: exit 125 and the names that exist', async (t) => {
  const r = await runSandbox(['run', '--rm', '--storage-driver', 'zfs', 'lab/busybox-app', 'true'], { env: home.env });
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: invalid storage driver "zfs" (from --storage-driver): want one of overlay, fuse-overlay, vfs\n');
});

it("the FUSE overlay writes whiteouts and opaque dirs in the kernel overlay's on-disk form", async (t) => {
  const name = `fmt${Math.random().toString(36).slice(2, 8)}`;
  const r = await runSandbox(['run', '--name', name, '-u', '0', '--storage-driver', 'fuse-overlay', '--entrypoint', 'sh', 'lab/busybox-app', '-c', 'rm /etc/passwd; rm -rf /var/spool; mkdir /var/spool; touch /var/spool/new'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  const ps = await runSandbox(['ps', '-a', '-q', '--no-trunc', '--filter', `name=${name}`], { env: home.env });
  const id = ps.stdout.trim();
  const upper = join(home.dataDir, 'containers', id, 'upper');
  const wh = lstatSync(join(upper, 'etc', 'passwd'));
  t.true(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0:0 character device');
  // Opaque: the xattr the kernel overlay reads with userxattr (read here with the suite's helper).
  const helper = join(home.root, 'fs-helper');
  execFileSync('cc', ['-static', '-O2', '-o', helper, join(import.meta.dirname, '../../../../test/integration/storage/fs-helper.c'), '-lpthread']);
  t.is(execFileSync(helper, ['getx', join(upper, 'var', 'spool'), 'user.overlay.opaque']).toString(), 'y\n');
  t.is(execFileSync(helper, ['getx', join(upper, 'var'), 'user.overlay.opaque']).toString(), 'ENODATA\n', 'a copied-up parent is not opaque');
  await runSandbox(['rm', name], { env: home.env });
});
