// The vfs driver (issue 9): the container's "/" is a full copy of the image made inside the
// user namespace, as a user sees it: the image's layers applied (whiteouts, opaque dirs),
// owners, modes and links kept, ids landing on the host as in the overlay drivers, nothing
// left by --rm, `sandbox info` listing it, and an image's symlink never followed out.
import test from 'ava';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { currentIdMaps } from '../../../src/runtime/idmap.js';

// No 'fuse': the copy needs nothing but the user namespace the unpacker already needs.
const it = needs(test, ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'], 'runs containers on the vfs driver');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const fx = fixtures();
  for (const archive of [fx.busybox.ociArchive, fx.busyboxApp.dockerArchive]) {
    const r = await runSandbox(['load', '-i', archive], { env: home.env });
    if (r.code !== 0) throw new Error(`load ${archive} failed: ${r.stderr}`);
  }
});
test.after.always(async () => {
  await home?.cleanup();
});

const vfs = (...args: string[]) => runSandbox(['run', '--storage-driver', 'vfs', ...args], { env: home.env, timeoutMs: 120_000 });
const token = () => `t${Math.random().toString(36).slice(2)}`;
const containersDir = () => join(home.dataDir, 'containers');
/** The container whose recorded command mentions `tag` (tests run concurrently). */
const containerWith = (tag: string): string | undefined =>
  (existsSync(containersDir()) ? readdirSync(containersDir()) : []).find((d) => {
    try {
      return readFileSync(join(containersDir(), d, 'state.json'), 'utf8').includes(tag);
    } catch {
      return false;
    }
  });
// The fs type and source of "/": the two fields after mountinfo's "-" separator.
const rootLine = "awk '$5==\"/\"{for(i=7;i<=NF;i++) if($i==\"-\"){print $(i+1), $(i+2); exit}}' /proc/self/mountinfo";

it('the root is a bind of the container\'s own copy, not an overlay', async (t) => {
  const r = await vfs('--rm', '--entrypoint', 'sh', 'lab/busybox-app', '-c', rootLine);
  t.is(r.code, 0, r.stderr);
  // A bind mount shows the source filesystem's type (whatever the store lives on), never overlay or fuse.
  t.notRegex(r.stdout, /^(overlay|fuse)/);
  t.regex(r.stdout, /^\S+ \S+\n$/);
});

it('the upper layer whiteout hides the lower file and its new file shows', async (t) => {
  const r = await vfs('--rm', 'lab/busybox', 'sh', '-c', 'cat /etc/upper-added; test -e /etc/lower-only && echo still-there || echo gone');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'upper\ngone\n');
});

it('a layer file owned by 1000 in the image is owned by 1000 inside', async (t) => {
  const r = await vfs('--rm', 'lab/busybox', 'stat', '-c', '%u:%g', '/home/owned-by-1000');
  t.is(r.stdout, '1000:1000\n', r.stderr);
});

it('a file chowned to 1000 inside belongs to the first subordinate id + 999 on the host; the copy keeps the image owners there too', async (t) => {
  const tag = token();
  const r = await vfs('lab/busybox', 'sh', '-c', `echo x > /tmp/mine && chown 1000:1000 /tmp/mine # ${tag}`);
  t.is(r.code, 0, r.stderr);
  const id = containerWith(tag);
  t.truthy(id);
  const maps = currentIdMaps();
  const copy = join(containersDir(), id!, 'upper');
  const st = statSync(join(copy, 'tmp', 'mine'));
  t.is(st.uid, maps.uidMappings[1]!.hostID + 999);
  t.is(st.gid, maps.gidMappings[1]!.hostID + 999);
  // The copied image file: image 1000 -> the same host id; image 0 -> you.
  t.is(lstatSync(join(copy, 'home', 'owned-by-1000')).uid, maps.uidMappings[1]!.hostID + 999);
  t.is(lstatSync(join(copy, 'etc', 'upper-added')).uid, process.getuid!());
  // No overlay marks in a copy: the whiteout was applied, not copied.
  t.false(existsSync(join(copy, 'etc', 'lower-only')));
  await runSandbox(['rm', id!], { env: home.env });
  t.false(existsSync(join(containersDir(), id!)), 'rm removes the copy');
});

it('--rm removes the copy: no container directory is left', async (t) => {
  const tag = token();
  const running = vfs('--rm', 'lab/busybox', 'sh', '-c', `touch /root/file; sleep 0.5 # ${tag}`);
  let seen: string | undefined;
  for (let i = 0; i < 200 && !seen; i++) {
    await new Promise((r) => setTimeout(r, 10));
    seen = containerWith(tag);
  }
  t.truthy(seen, 'the container existed while it ran');
  const r = await running;
  t.is(r.code, 0, r.stderr);
  t.false(existsSync(join(containersDir(), seen!)));
});

it('modes, setuid bits, symlinks, hardlinks and times come through the copy as the image has them', async (t) => {
  // The same listing on the kernel-or-FUSE default and on vfs: the copy must not differ.
  // Directories without link counts and times: the kernel overlay shows a merged directory
  // with one link (a real one has two), and the run itself makes mount points in /etc.
  const script = 'cd / && for f in bin/busybox bin/sh etc/upper-added home/owned-by-1000; do stat -c "%n %A %u:%g %h %Y %N" $f; done; stat -c "%n %A %u:%g" etc tmp home';
  const ref = await runSandbox(['run', '--rm', '--entrypoint', 'sh', 'lab/busybox', '-c', script], { env: home.env });
  const got = await vfs('--rm', '--entrypoint', 'sh', 'lab/busybox', '-c', script);
  t.is(got.code, 0, got.stderr);
  t.is(got.stdout, ref.stdout);
});

it('a container\'s changes are kept across start, as in the overlay drivers', async (t) => {
  const name = `v${token()}`;
  const r = await vfs('--name', name, 'lab/busybox', 'sh', '-c', 'cat /root/note 2>/dev/null || echo first; echo kept > /root/note');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'first\n');
  const s = await runSandbox(['start', name], { env: home.env });
  t.is(s.code, 0, s.stderr);
  const w = await runSandbox(['wait', name], { env: home.env });
  t.is(w.stdout, '0\n', w.stderr);
  const logs = await runSandbox(['logs', name], { env: home.env });
  // Both runs' output: the foreground run is logged too, and a start adds to the log (docker's).
  t.is(logs.stdout, 'first\nkept\n', 'the second start saw the first one\'s file: no new copy');
  const i = await runSandbox(['inspect', '--format', '{{.GraphDriver.Name}}', name], { env: home.env });
  t.is(i.stdout, 'vfs\n', i.stderr);
  const c = await runSandbox(['run', '--rm', '--storage-driver', 'vfs', 'lab/busybox', 'cat', '/root/note'], { env: home.env });
  t.is(c.code, 1, 'a new container gets a fresh copy');
  await runSandbox(['rm', name], { env: home.env });
});

it('sandbox info lists vfs as working', async (t) => {
  const r = await runSandbox(['info'], { env: home.env });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^ +vfs +works +a full copy of the image per container/m);
});

it('SANDBOX_STORAGE_DRIVER=vfs picks it when no flag does', async (t) => {
  const r = await runSandbox(['run', '--rm', 'lab/busybox', 'cat', '/etc/upper-added'], { env: { ...home.env, SANDBOX_STORAGE_DRIVER: 'vfs' } });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'upper\n');
});

it('removing a copy holding symlinks to host paths leaves those paths alone', async (t) => {
  // (The copy itself never following an image's symlink is test/unit/native/vfs-copy.test.ts.)
  const tag = token();
  const r = await vfs('lab/busybox', 'sh', '-c', `ln -s /etc /root/escape; ln -s ../../../../.. /root/up # ${tag}`);
  t.is(r.code, 0, r.stderr);
  const id = containerWith(tag)!;
  const copy = join(containersDir(), id, 'upper');
  t.true(lstatSync(join(copy, 'root', 'escape')).isSymbolicLink());
  t.true(lstatSync(join(copy, 'root', 'up')).isSymbolicLink());
  await runSandbox(['rm', id], { env: home.env });
  t.false(existsSync(join(containersDir(), id)));
  t.true(existsSync('/etc/passwd'));
});
