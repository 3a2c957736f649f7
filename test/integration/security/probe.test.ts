// What a process in the container really holds, as the in-container probe reports it:
// capabilities (docker's defaults, --cap-add/--cap-drop, root and non-root), the seccomp
// filter (real: a denied syscall fails with its errno, an unknown one with ENOSYS),
// no_new_privs exactly when asked, and nothing but fds 0, 1 and 2.
import test from 'ava';
import { existsSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { capMask, haveProbe, lastJson, loadImage, probeImage, type ProbeReport, type TryResult } from './support.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged'] as const;
const withRuntime = needs(test, [...RUNTIME], 'runs real containers as an unprivileged user');
const it = haveProbe() ? withRuntime : needs(test, false, 'the static probe next to the monitor (npm run build:native builds sandbox-probe)');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent') || !haveProbe()) return;
  home = await makeSandboxHome();
  await loadImage(home, probeImage());
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const probe = async (...opts: string[]) => {
  const r = await sandbox('run', '--rm', ...opts, 'lab/probe', '/probe');
  if (r.code !== 0) throw new Error(`probe exited ${r.code}: ${r.stderr}`);
  return lastJson<ProbeReport>(r.stdout);
};
const attempt = async (opts: string[], ...what: string[]) => {
  const r = await sandbox('run', '--rm', ...opts, 'lab/probe', '/probe', 'try', ...what);
  if (r.code !== 0) throw new Error(`probe try exited ${r.code}: ${r.stderr}`);
  return lastJson<TryResult>(r.stdout);
};

// CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW
// SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
const DEFAULTS = capMask([0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31]);
const NONE = '0000000000000000';

it("root holds docker's 14 default capabilities; seccomp mode 2; no_new_privs off; fds 0-2", async (t) => {
  const p = await probe();
  t.deepEqual(p.capabilities, { CapInh: NONE, CapPrm: DEFAULTS, CapEff: DEFAULTS, CapBnd: DEFAULTS, CapAmb: NONE });
  t.is(p.seccomp, 2);
  t.is(p.noNewPrivs, 0);
  t.deepEqual(p.fds, [0, 1, 2]);
  t.deepEqual(p.uid, [0, 0, 0, 0]);
});

it('a non-root user keeps the bounding set but nothing permitted, effective or ambient (as docker)', async (t) => {
  const p = await probe('--user', '1000:1000');
  t.deepEqual(p.capabilities, { CapInh: NONE, CapPrm: NONE, CapEff: NONE, CapBnd: DEFAULTS, CapAmb: NONE });
  t.deepEqual(p.uid, [1000, 1000, 1000, 1000]);
});

it('--cap-add and --cap-drop take names with or without CAP_, in any case', async (t) => {
  const p = await probe('--cap-add', 'net_admin', '--cap-add', 'CAP_SYS_PTRACE', '--cap-drop', 'chown', '--cap-drop', 'CAP_MKNOD');
  const want = capMask([1, 3, 4, 5, 6, 7, 8, 10, 12, 13, 18, 19, 29, 31]);
  t.is(p.capabilities.CapEff, want);
  t.is(p.capabilities.CapBnd, want);
});

it('--cap-add=ALL --cap-drop=MKNOD, as in the reference', async (t) => {
  const p = await probe('--cap-add=ALL', '--cap-drop=MKNOD');
  const all = Array.from({ length: 41 }, (_, i) => i).filter((i) => i !== 27);
  t.is(p.capabilities.CapEff, capMask(all));
});

it('--cap-drop=ALL --cap-add=NET_BIND_SERVICE leaves only that one', async (t) => {
  const p = await probe('--cap-drop=ALL', '--cap-add=NET_BIND_SERVICE');
  t.is(p.capabilities.CapEff, capMask([10]));
});

it('an unknown capability is a one-line 125 naming the flag', async (t) => {
  const r = await sandbox('run', '--rm', '--cap-add', 'FLY', 'lab/probe', '/probe');
  t.is(r.code, 125);
  t.is(r.stderr, "sandbox: invalid capability 'FLY' for --cap-add: see 'sandbox run --help' for the names (with or without CAP_)\n");
});

it('NET_ADMIN as in the reference (a bridge: this kernel has no dummy driver) only with --cap-add=NET_ADMIN', async (t) => {
  const cmd = ['sh', '-c', 'ip link add br0 type bridge && ip -o link show br0 | grep -c "br0:"'];
  const denied = await sandbox('run', '--rm', 'lab/probe', ...cmd);
  t.not(denied.code, 0);
  t.regex(denied.stderr, /Operation not permitted/);
  const allowed = await sandbox('run', '--rm', '--cap-add=NET_ADMIN', 'lab/probe', ...cmd);
  t.is(allowed.stdout, '1\n', allowed.stderr);
});

it('the default filter denies keyctl with EPERM; seccomp=unconfined lets it through', async (t) => {
  const denied = await attempt([], 'keyctl');
  t.like(denied, { errno: 1, error: 'EPERM' });
  const open = await attempt(['--security-opt', 'seccomp=unconfined'], 'keyctl');
  t.not(open.error, 'EPERM');
});

it('the default filter denies unshare(CLONE_NEWUSER) and clone(CLONE_NEWNS) with EPERM; unconfined allows both', async (t) => {
  t.like(await attempt([], 'unshare-user'), { error: 'EPERM' });
  t.like(await attempt([], 'clone-newns'), { error: 'EPERM' });
  t.like(await attempt(['--security-opt', 'seccomp=unconfined'], 'unshare-user'), { ret: 0, error: '' });
});

it('a syscall number no profile knows fails with ENOSYS, filtered or not', async (t) => {
  t.like(await attempt([], 'nr', '1023'), { error: 'ENOSYS' });
  t.like(await attempt(['--security-opt', 'seccomp=unconfined'], 'nr', '1023'), { error: 'ENOSYS' });
});

it('a syscall newer than the profile answers ENOSYS (so programs fall back), and works unconfined', async (t) => {
  // mseal (Linux 6.10; 462 on x86_64 and arm64) is in no list of ours; mseal(0, 0, 0) is harmless.
  t.like(await attempt([], 'nr', '462'), { error: 'ENOSYS' });
  t.not((await attempt(['--security-opt', 'seccomp=unconfined'], 'nr', '462')).error, 'ENOSYS');
});

it('--security-opt seccomp=PROFILE.json loads a docker-format profile', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-profile-'));
  const file = join(dir, 'profile.json');
  writeFileSync(file, JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
  }));
  t.like(await attempt(['--security-opt', `seccomp=${file}`], 'chroot', '/'), { error: 'EACCES' });
  // Everything else is allowed by that profile: keyctl passes.
  t.not((await attempt(['--security-opt', `seccomp=${file}`], 'keyctl')).error, 'EPERM');
});

it('a missing or broken profile is a one-line 125', async (t) => {
  const missing = await sandbox('run', '--rm', '--security-opt', 'seccomp=/nonexistent.json', 'lab/probe');
  t.is(missing.code, 125);
  t.is(missing.stderr, 'sandbox: opening seccomp profile (/nonexistent.json) failed: no such file or directory\n');
  const dir = mkdtempSync(join(tmpdir(), 'sbx-profile-'));
  writeFileSync(join(dir, 'bad.json'), '{"defaultAction":"SCMP_ACT_MAYBE"}');
  const bad = await sandbox('run', '--rm', '--security-opt', `seccomp=${join(dir, 'bad.json')}`, 'lab/probe');
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^sandbox: invalid seccomp profile .*bad\.json: defaultAction 'SCMP_ACT_MAYBE' is not one of/);
});

it('no_new_privs is 1 exactly with --security-opt no-new-privileges, and seccomp still loads', async (t) => {
  const on = await probe('--security-opt', 'no-new-privileges');
  t.is(on.noNewPrivs, 1);
  t.is(on.seccomp, 2);
  t.is((await probe('--security-opt', 'no-new-privileges=false')).noNewPrivs, 0);
  t.is((await probe('--security-opt', 'no-new-privileges:true', '--user', '1000')).noNewPrivs, 1);
});

it('--privileged: every capability in the user namespace, no seccomp', async (t) => {
  const p = await probe('--privileged');
  const all = capMask(Array.from({ length: 41 }, (_, i) => i));
  t.is(p.capabilities.CapEff, all);
  t.is(p.seccomp, 0);
  t.deepEqual(p.fds, [0, 1, 2]);
  // The reference's example: mount -t tmpfs works in a privileged container.
  const r = await sandbox('run', '--rm', '--privileged', 'lab/probe', 'sh', '-c', 'mount -t tmpfs none /tmp && grep -c " /tmp tmpfs" /proc/mounts');
  t.is(r.stdout, '1\n', r.stderr);
});

it('--cap-add SYS_ADMIN also opens the syscalls the filter gates on it', async (t) => {
  t.like(await attempt(['--cap-add', 'SYS_ADMIN'], 'unshare-user'), { ret: 0, error: '' });
  t.like(await attempt(['--cap-add', 'SYS_ADMIN'], 'mount-tmpfs', '/tmp'), { ret: 0, error: '' });
});

it('a bad --security-opt is a one-line 125 naming it', async (t) => {
  const r = await sandbox('run', '--rm', '--security-opt', 'seccomp', 'lab/probe');
  t.is(r.code, 125);
  t.is(r.stderr, "sandbox: invalid --security-opt 'seccomp': give seccomp=unconfined or seccomp=PROFILE.json\n");
  const u = await sandbox('run', '--rm', '--security-opt', 'apparmor=docker-default', 'lab/probe');
  t.is(u.code, 125);
  t.is(u.stderr, "sandbox: invalid --security-opt 'apparmor=docker-default': loading an AppArmor profile needs root; only apparmor=unconfined is accepted\n");
});
