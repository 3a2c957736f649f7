// Issue 4 item 6, a new volume's seed keeps the image's owners: docker copies the image's
// content at the volume's target into a new named or anonymous volume with its owners, modes,
// times and links, and the volume's root takes the image directory's owner and mode. Copied
// inside the user namespace (sandbox-monitor vfs-copy --subdir), never following the image's
// symlinks on the host.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { importOwnedImage, OWNED_IMAGE } from '../../helpers/owned-image.js';

const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'seeds volumes as an unprivileged user');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  await importOwnedImage(home);
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env, timeoutMs: 120_000 });
const token = () => `v${Math.random().toString(36).slice(2)}`;
const SHOW = 'stat -c "%U:%G %a %h %n" /data/www /data/www/sub /data/www/sub/f /data/www/hl; cat /data/www/hl';
const SEEDED = 'www-data:www-data 750 3 /data/www\nwww-data:www-data 750 2 /data/www/sub\nwww-data:www-data 644 2 /data/www/sub/f\nwww-data:www-data 644 2 /data/www/hl\nfrom the image\n';

it("a new named volume gets the image's files with their owners, modes and links, seen so by the next container", async (t) => {
  const vol = token();
  t.is((await sandbox('run', '--rm', '-v', `${vol}:/data/www`, OWNED_IMAGE, 'true')).code, 0);
  const r = await sandbox('run', '--rm', '-v', `${vol}:/data/www`, OWNED_IMAGE, 'sh', '-c', SHOW);
  t.is(r.stdout, SEEDED, r.stderr);
  // The volume mounted elsewhere in an image without the directory shows the same owners.
  const other = await sandbox('run', '--rm', '-v', `${vol}:/elsewhere`, OWNED_IMAGE, 'stat', '-c', '%U:%G %a', '/elsewhere', '/elsewhere/sub/f');
  t.is(other.stdout, 'www-data:www-data 750\nwww-data:www-data 644\n', other.stderr);
});

it('an anonymous volume (-v /data/www and --mount type=volume) is seeded the same way', async (t) => {
  const a = await sandbox('run', '--rm', '-v', '/data/www', OWNED_IMAGE, 'sh', '-c', SHOW);
  t.is(a.stdout, SEEDED, a.stderr);
  const m = await sandbox('run', '--rm', '--mount', 'type=volume,target=/data/www', OWNED_IMAGE, 'sh', '-c', SHOW);
  t.is(m.stdout, SEEDED, m.stderr);
});

it('under --userns=keep-id the seed shows the image owners too', async (t) => {
  const r = await sandbox('run', '--rm', '--userns=keep-id', '-u', '0', '-v', '/data/www', OWNED_IMAGE, 'sh', '-c', SHOW);
  t.is(r.stdout, SEEDED, r.stderr);
});

it('volume-nocopy leaves the volume empty and owned by the container root', async (t) => {
  const r = await sandbox('run', '--rm', '--mount', 'type=volume,target=/data/www,volume-nocopy', OWNED_IMAGE, 'sh', '-c', 'stat -c "%U %a" /data/www; ls -A /data/www | wc -l');
  t.is(r.stdout, 'root 755\n0\n', r.stderr);
});

it("an image symlink on the target's path is never followed on the host", async (t) => {
  // An image whose /data is a symlink to a host directory holding www/host-only: resolved on
  // the host, the seed of a volume at /data/www would copy the host's file into it.
  const secret = join(home.root, 'tmp', token());
  mkdirSync(join(secret, 'www'), { recursive: true });
  writeFileSync(join(secret, 'www', 'host-only'), 'host\n');
  const dir = join(home.root, 'tmp', token());
  mkdirSync(dir);
  symlinkSync(secret, join(dir, 'data'));
  const tar = join(dir, 'image.tar');
  copyFileSync(fixtures().layers[0].tar, tar);
  execFileSync('tar', ['--append', '-f', tar, '-C', dir, 'data']);
  const image = `lab/${token()}:v1`;
  t.is((await sandbox('import', '-c', 'CMD ["sh"]', tar, image)).code, 0);
  const vol = token();
  // The run itself is refused at the mount (/data is a dangling symlink inside the rootfs);
  // the volume was made and seeded before that, from nothing.
  const r = await sandbox('run', '--rm', '-v', `${vol}:/data/www`, image, 'true');
  t.is(r.code, 125);
  t.regex(r.stderr, /dangling symlink/);
  t.deepEqual(readdirSync(join(home.dataDir, 'volumes', vol, '_data')), []);
});
