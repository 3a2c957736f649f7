// Issue 4 item 7, --userns=keep-id without the FUSE overlay: each layer is copied once per id
// map with its owners shifted and the kernel overlay stacks the copies (docs/storage.md). As a
// user sees it: inside you are yourself, a file made in a bind is yours, the image's files keep
// their owners, a second run copies nothing, and rmi / image prune / system df count and
// remove the copies.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { importOwnedImage, OWNED_IMAGE } from '../../helpers/owned-image.js';
import { tarArchive } from '../../fixtures/hostile/tar-writer.js';

// No 'fuse': this is the way that needs none.
const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'runs keep-id containers over id-shifted layer copies');

const uid = process.getuid!();
const gid = process.getgid!();

async function homeWithImages(t?: Parameters<typeof makeSandboxHome>[0]): Promise<SandboxHome> {
  const home = await makeSandboxHome(t);
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  await importOwnedImage(home);
  return home;
}

let shared: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  shared = await homeWithImages();
});
test.after.always(async () => {
  await shared?.cleanup();
});

const run = (home: SandboxHome, driver: string, ...args: string[]) =>
  runSandbox(['run', '--rm', '--userns=keep-id', '--storage-driver', driver, ...args], { env: home.env, timeoutMs: 120_000 });

/** Each shifted copy in the store (layers/<chain>/keep-id/<key>) with the time it was made. */
function copies(home: SandboxHome): Record<string, number> {
  const out: Record<string, number> = {};
  const layers = join(home.dataDir, 'layers');
  for (const chain of existsSync(layers) ? readdirSync(layers) : []) {
    const dir = join(layers, chain, 'keep-id');
    if (!existsSync(dir)) continue;
    for (const key of readdirSync(dir)) out[`${chain}/${key}`] = statSync(join(dir, key, 'shift.json')).mtimeMs;
  }
  return out;
}

it('--storage-driver overlay: inside you are your uid and gid, a file made in a bind is yours on the host', async (t) => {
  const dir = join(shared.root, 'tmp', 'bind-overlay');
  mkdirSync(dir);
  const r = await run(shared, 'overlay', '-v', `${dir}:/data`, 'lab/busybox', 'sh', '-c', 'id -u; id -g; echo hi > /data/made; grep -c " / .*overlay" /proc/mounts');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${uid}\n${gid}\n1\n`);
  t.like(statSync(join(dir, 'made')), { uid, gid });
});

it("--storage-driver overlay: the image's files keep their owners as seen inside", async (t) => {
  const r = await run(shared, 'overlay', '-u', '0', OWNED_IMAGE, 'sh', '-c',
    'stat -c "%U:%G %a %n" / /etc/passwd /etc/group /bin/busybox; stat -c "%u:%g %a %n" /home/owned-by-1000; stat -c "%U:%G %a %h %n" /data/www /data/www/sub/f /data/www/hl');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, [
    'root:root 755 /', 'root:root 644 /etc/passwd', 'root:root 644 /etc/group', 'root:root 755 /bin/busybox', '1000:1000 644 /home/owned-by-1000',
    'www-data:www-data 750 3 /data/www', 'www-data:www-data 644 2 /data/www/sub/f', 'www-data:www-data 644 2 /data/www/hl', '',
  ].join('\n'));
});

it('SANDBOX_STORAGE_DRIVER=vfs: a copy of the image with its owners shifted', async (t) => {
  const r = await runSandbox(['run', '--rm', '--userns=keep-id', '-u', '0', OWNED_IMAGE, 'sh', '-c', 'stat -c "%U:%G %a %n" / /etc/passwd /bin/busybox /data/www/sub/f; grep -c " / .*overlay" /proc/mounts'],
    { env: { ...shared.env, SANDBOX_STORAGE_DRIVER: 'vfs' }, timeoutMs: 120_000 });
  t.is(r.stdout, 'root:root 755 /\nroot:root 644 /etc/passwd\nroot:root 755 /bin/busybox\nwww-data:www-data 644 /data/www/sub/f\n0\n', r.stderr);
});

it('the second keep-id run copies nothing: the copies and the store are as the first run left them', async (t) => {
  const home = await homeWithImages(t);
  t.deepEqual(copies(home), {});
  t.is((await run(home, 'overlay', 'lab/busybox', 'true')).code, 0);
  const first = copies(home);
  t.is(Object.keys(first).length, 2, 'one copy per layer');
  t.is((await run(home, 'overlay', 'lab/busybox', 'true')).code, 0);
  t.deepEqual(copies(home), first);
  // Another id map is another set of copies, beside the first.
  t.is((await run(home, 'overlay', '--userns=keep-id:uid=2000,gid=2000', 'lab/busybox', 'true')).code, 0);
  t.is(Object.keys(copies(home)).length, 4);
});

it('system df counts the copies; image prune removes them with their layers and counts them as reclaimed', async (t) => {
  const home = await homeWithImages(t);
  const df = async () => (await runSandbox(['system', 'df', '--format', '{{.Type}} {{.Size}}'], { env: home.env })).stdout.split('\n')[0]!;
  const before = await df();
  t.is((await run(home, 'overlay', OWNED_IMAGE, 'true')).code, 0);
  const after = await df();
  t.not(after, before);
  t.regex(after, /^Images /);
  const prune = await runSandbox(['image', 'prune', '-a', '-f'], { env: home.env });
  t.is(prune.code, 0, prune.stderr);
  t.deepEqual(copies(home), {});
  t.deepEqual(readdirSync(join(home.dataDir, 'layers')), []);
  t.regex(prune.stdout, /Total reclaimed space: /);
});

it('rmi removes the copies of the layers it removes', async (t) => {
  const home = await homeWithImages(t);
  t.is((await run(home, 'overlay', OWNED_IMAGE, 'true')).code, 0);
  t.is((await run(home, 'overlay', 'lab/busybox', 'true')).code, 0);
  const shared0 = Object.keys(copies(home));
  t.is(shared0.length, 3, 'one copy per layer of each image');
  t.is((await runSandbox(['rmi', OWNED_IMAGE], { env: home.env })).code, 0);
  // The imported image's layer went with its copy; busybox's copies stay.
  t.is(Object.keys(copies(home)).length, 2);
  t.is((await run(home, 'overlay', 'lab/busybox', 'true')).code, 0);
  t.is((await runSandbox(['rmi', 'lab/busybox'], { env: home.env })).code, 0);
  t.deepEqual(copies(home), {});
});

it('without a usable /dev/fuse keep-id takes the copies over the kernel overlay, and inspect says keep-id', async (t) => {
  const home = await homeWithImages(t);
  // The store's cached probe says FUSE is unusable (as on a host without /dev/fuse).
  mkdirSync(home.dataDir, { recursive: true });
  const facts = { filesystem: 'test', overlay: true, fuse: false, fuseError: 'open /dev/fuse: No such file or directory', kernel: release(), dev: statSync(home.dataDir).dev };
  writeFileSync(join(home.dataDir, 'storage-probe.json'), JSON.stringify(facts));
  const env = { ...home.env };
  delete env.SANDBOX_STORAGE_DRIVER;
  const r = await runSandbox(['run', '--name', 'nofuse', '--userns=keep-id', OWNED_IMAGE, 'sh', '-c', 'id -u; grep -c " / .*overlay" /proc/mounts'], { env, timeoutMs: 120_000 });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${uid}\n1\n`);
  const [inspect] = JSON.parse((await runSandbox(['inspect', 'nofuse'], { env })).stdout);
  t.is(inspect.HostConfig.UsernsMode, 'keep-id');
  t.is(Object.keys(copies(home)).length, 1, 'the imported image has one layer');
  await runSandbox(['rm', 'nofuse'], { env });
});

it("--storage-driver overlay: the image's whiteouts still apply over the copies", async (t) => {
  const r = await run(shared, 'overlay', 'lab/busybox', 'sh', '-c', 'cat /etc/lower-only 2>&1; cat /etc/upper-added >/dev/null && echo added');
  t.is(r.stdout, 'cat: can\'t open \'/etc/lower-only\': No such file or directory\nadded\n', r.stderr);
});

it('a file capability of the image still applies under keep-id over the copies (its root id moves with the owners)', async (t) => {
  // The busybox fixture with /bin/busyboxcap: busybox carrying CAP_NET_RAW+ep, as a real ping does.
  const dir = join(shared.root, 'tmp', `cap-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  const tar = join(dir, 'image.tar');
  copyFileSync(fixtures().layers[0].tar, tar);
  const busybox = execFileSync('tar', ['-xOf', tar, 'bin/busybox'], { maxBuffer: 64 << 20 });
  const cap = Buffer.alloc(20);
  cap.writeUInt32LE(0x02000001, 0);
  cap.writeUInt32LE(1 << 13, 4);
  writeFileSync(join(dir, 'extra.tar'), tarArchive([{ name: 'bin/busyboxcap', mode: 0o755, data: busybox, pax: { 'SCHILY.xattr.security.capability': cap } }]));
  execFileSync('tar', ['-A', '-f', tar, join(dir, 'extra.tar')]);
  const image = 'lab/busyboxcap:v1';
  t.is((await runSandbox(['import', '-c', 'CMD ["sh"]', tar, image], { env: shared.env })).code, 0);
  const show = ['-u', '1000', image, '/bin/busyboxcap', 'grep', 'CapEff', '/proc/self/status'];
  const plain = await runSandbox(['run', '--rm', ...show], { env: shared.env });
  t.is(plain.stdout, 'CapEff:\t0000000000002000\n', plain.stderr);
  const keep = await run(shared, 'overlay', ...show);
  t.is(keep.stdout, plain.stdout, keep.stderr);
});

it('two keep-id runs of a new image at once both work and make one copy per layer between them', async (t) => {
  const home = await homeWithImages(t);
  const [a, b] = await Promise.all([run(home, 'overlay', 'lab/busybox', 'cat', '/etc/upper-added'), run(home, 'overlay', 'lab/busybox', 'cat', '/etc/upper-added')]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  t.is(a.stdout, b.stdout);
  t.is(Object.keys(copies(home)).length, 2);
  // Nothing half-made is left beside them.
  for (const chain of readdirSync(join(home.dataDir, 'layers'))) {
    const dir = join(home.dataDir, 'layers', chain, 'keep-id');
    if (existsSync(dir)) t.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.')), []);
  }
});
