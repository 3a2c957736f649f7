import test from 'ava';
import { DEFAULT_SECCOMP_PROFILE } from '../../../src/security/default-seccomp.js';
import { kernelAtLeast, parseSeccompProfile, resolveSeccompProfile, type OciSeccomp } from '../../../src/security/seccomp-profile.js';
import { containerSeccomp } from '../../../src/security/container-seccomp.js';
import { DEFAULT_CAPABILITIES, ALL_CAPABILITIES } from '../../../src/spec/capabilities.js';
import { fillSecurity, parseDevice, systemPaths, securityWarnings } from '../../../src/spec/security.js';

const host = { arch: 'x64', kernel: '6.18.0' };
const resolve = (caps: readonly string[]) => resolveSeccompProfile(DEFAULT_SECCOMP_PROFILE, { capabilities: caps, ...host });
/** The verdict for a syscall called with no interesting arguments. */
function verdict(p: OciSeccomp, name: string): string {
  const rule = p.syscalls.find((r) => r.names.includes(name) && !r.args);
  if (!rule) return `default ${p.defaultErrnoRet}`;
  return rule.action === 'SCMP_ACT_ERRNO' ? `errno ${rule.errnoRet}` : rule.action;
}

test('the default profile: ordinary syscalls allowed, unknown ones ENOSYS, known dangerous ones EPERM', (t) => {
  const p = resolve(DEFAULT_CAPABILITIES);
  t.is(p.defaultAction, 'SCMP_ACT_ERRNO');
  t.is(p.defaultErrnoRet, 38);
  t.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  for (const n of ['read', 'openat', 'execve', 'setresuid', 'capset', 'prctl', 'chroot']) t.is(verdict(p, n), 'SCMP_ACT_ALLOW', n);
  for (const n of ['mount', 'unshare', 'setns', 'keyctl', 'add_key', 'bpf', 'init_module', 'reboot', 'perf_event_open']) t.is(verdict(p, n), 'errno 1', n);
  t.is(verdict(p, 'clone3'), 'default 38');
  t.is(verdict(p, 'mseal'), 'default 38');
});

test('capabilities open the syscalls gated on them; no syscall gets two unconditional verdicts', (t) => {
  const p = resolve([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_TIME']);
  for (const n of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'clock_settime']) t.is(verdict(p, n), 'SCMP_ACT_ALLOW', n);
  t.is(verdict(p, 'keyctl'), 'errno 1');
  t.false(p.syscalls.some((r) => r.names.includes('clone') && r.args));
  for (const caps of [DEFAULT_CAPABILITIES, ALL_CAPABILITIES]) {
    const seen = new Set<string>();
    for (const r of resolve(caps).syscalls.filter((x) => !x.args)) {
      for (const n of r.names) {
        t.false(seen.has(n), n);
        seen.add(n);
      }
    }
  }
  t.is(verdict(resolve(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_SYS_CHROOT')), 'chroot'), 'errno 1');
});

test('without CAP_SYS_ADMIN clone is allowed only without namespace flags, EPERM with any of them', (t) => {
  const clone = resolve(DEFAULT_CAPABILITIES).syscalls.filter((r) => r.names.includes('clone'));
  t.deepEqual(clone[0], { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
  t.is(clone.length, 8);
  t.true(clone.slice(1).every((r) => r.action === 'SCMP_ACT_ERRNO' && r.errnoRet === 1 && r.args![0]!.value === r.args![0]!.valueTwo));
});

test("a docker-format profile's includes/excludes: caps, arches, minKernel", (t) => {
  const p = parseSeccompProfile(JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['b'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['c'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['d'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.1' } },
      { name: 'e', action: 'SCMP_ACT_LOG' },
    ],
  }), 'p.json');
  const r = resolveSeccompProfile(p, { capabilities: [], ...host });
  t.deepEqual(r.syscalls.map((s) => s.names[0]), ['b', 'e']);
  t.deepEqual(r.architectures, ['SCMP_ARCH_X86_64']);
  t.true(kernelAtLeast('6.18.44-fc', '4.8'));
  t.false(kernelAtLeast('4.7.0', '4.8'));
});

test('a broken profile is one line naming the file and the field', (t) => {
  t.throws(() => parseSeccompProfile('{', 'x.json'), { message: /^invalid seccomp profile x\.json: not JSON/ });
  t.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_NOTIFY"}]}', 'x.json'), {
    message: /^invalid seccomp profile x\.json: syscalls\[0\]\.action 'SCMP_ACT_NOTIFY' is not one of/,
  });
  t.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":7,"value":1,"op":"SCMP_CMP_EQ"}]}]}', 'x.json'), {
    message: 'invalid seccomp profile x.json: syscalls[0].args[0].index must be 0 to 5',
  });
});

test('--security-opt: seccomp, no-new-privileges in its three spellings, mask/unmask, systempaths', (t) => {
  t.deepEqual(fillSecurity({ securityOpt: ['seccomp=unconfined'] }).seccomp, { mode: 'unconfined' });
  t.deepEqual(fillSecurity({ securityOpt: ['seccomp=/p.json'] }).seccomp, { mode: 'profile', path: '/p.json' });
  for (const o of ['no-new-privileges', 'no-new-privileges=true', 'no-new-privileges:true']) t.true(fillSecurity({ securityOpt: [o] }).noNewPrivileges, o);
  t.false(fillSecurity({ securityOpt: ['no-new-privileges=false'] }).noNewPrivileges);
  const s = fillSecurity({ securityOpt: ['mask=/a:/b', 'unmask=/proc/keys'] });
  t.deepEqual([s.mask, s.unmask], [['/a', '/b'], ['/proc/keys']]);
  t.deepEqual(systemPaths(s, ['/proc/keys', '/proc/kcore'], ['/proc/sys']), { masked: ['/proc/kcore', '/a', '/b'], readonly: ['/proc/sys'] });
  t.deepEqual(systemPaths(fillSecurity({ securityOpt: ['systempaths=unconfined'] }), ['/proc/kcore'], ['/proc/sys']), { masked: [], readonly: [] });
  t.deepEqual(systemPaths(fillSecurity({ privileged: true }), ['/proc/kcore'], ['/proc/sys']), { masked: [], readonly: [] });
  t.throws(() => fillSecurity({ securityOpt: ['nosuch=1'] }), { message: /^invalid --security-opt 'nosuch=1': unknown option/ });
  t.throws(() => fillSecurity({ securityOpt: ['no-new-privileges=maybe'] }), { message: "invalid --security-opt 'no-new-privileges=maybe': want no-new-privileges, no-new-privileges=true or =false" });
});

test('--device HOST[:CONTAINER[:PERMS]] as docker parses it; w alone refused; m noted', (t) => {
  t.like(parseDevice('/dev/fuse'), { host: '/dev/fuse', container: '/dev/fuse', perms: 'rwm', mknodAsked: false });
  t.like(parseDevice('/dev/fuse:r'), { container: '/dev/fuse', perms: 'r' });
  t.like(parseDevice('/dev/zero:/dev/z'), { container: '/dev/z', perms: 'rwm' });
  t.like(parseDevice('/dev/zero:/dev/z:rw'), { container: '/dev/z', perms: 'rw' });
  t.throws(() => parseDevice('/dev/zero:/dev/z:w'), { message: /write-only access can't be enforced without root/ });
  t.throws(() => parseDevice('/dev/zero:/dev/z:rx'), { message: "invalid --device '/dev/zero:/dev/z:rx': perms 'rx' must be made of r, w and m" });
  t.throws(() => parseDevice('zero'), { message: "invalid --device 'zero': the host path 'zero' must be absolute" });
  t.deepEqual(securityWarnings(fillSecurity({ device: ['/dev/null:rwm', '/dev/zero'] })), ["--device /dev/null: perms 'm' (mknod) has no effect rootless: without root no one can create device nodes"]);
  t.throws(() => fillSecurity({ deviceCgroupRule: ['c 1:3 rwm'] }), { message: /^--device-cgroup-rule 'c 1:3 rwm' is not supported: device cgroup rules are BPF programs only root can attach/ });
});

test('no filter with --privileged or seccomp=unconfined; the default otherwise', (t) => {
  t.is(containerSeccomp(fillSecurity({ privileged: true }), ALL_CAPABILITIES, host), undefined);
  t.is(containerSeccomp(fillSecurity({ securityOpt: ['seccomp=unconfined'] }), DEFAULT_CAPABILITIES, host), undefined);
  t.is(containerSeccomp(fillSecurity({}), DEFAULT_CAPABILITIES, host)?.defaultErrnoRet, 38);
});
