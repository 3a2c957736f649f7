// Specification of --pid/--ipc/--uts/--cgroupns/--domainname/--sysctl (spec/namespaces.ts) and
// of the one-choice options and -a (spec/run-choices.ts): pure, from plain strings.
import test from 'ava';
import { SpecError } from '../../../src/errors.js';
import { cloneNamespaces, fillNamespaces, namespaceMounts, parseSysctls, validateNamespaces } from '../../../src/spec/namespaces.js';
import { checkContentTrust, checkGpus, checkIsolation, checkRuntime, parseAnnotations, parseAttach } from '../../../src/spec/run-choices.js';
import { defaultMounts } from '../../../src/oci/defaults.js';

const specError = (t: import('ava').ExecutionContext, fn: () => unknown) => t.throws(fn, { instanceOf: SpecError })!.message;

test('defaults: every namespace private, no domain name, no sysctls', (t) => {
  t.deepEqual(fillNamespaces({}), { pid: 'private', ipc: 'private', uts: 'private', cgroupns: 'private', domainname: '', sysctls: {} });
  t.deepEqual(cloneNamespaces(fillNamespaces({})).map((n) => n.type), ['user', 'mount', 'pid', 'uts', 'ipc', 'network']);
});

test('host modes leave their namespace out of the clone', (t) => {
  t.deepEqual(cloneNamespaces(fillNamespaces({ pid: 'host', ipc: 'host', uts: 'host' })), [{ type: 'user' }, { type: 'mount' }, { type: 'network' }]);
});

test('bad modes name the flag and the value', (t) => {
  t.is(specError(t, () => fillNamespaces({ pid: 'shared' })), 'invalid value "shared" for --pid: use host or container:NAME|ID');
  t.is(specError(t, () => fillNamespaces({ ipc: 'x' })), 'invalid value "x" for --ipc: use private, shareable, none, host or container:NAME|ID');
  t.is(specError(t, () => fillNamespaces({ pid: 'container:' })), 'invalid value "container:" for --pid: use host or container:NAME|ID');
  t.is(specError(t, () => fillNamespaces({ uts: 'container:web' })), 'invalid value "container:web" for --uts: use host');
  t.is(specError(t, () => fillNamespaces({ cgroupns: 'y' })), 'invalid value "y" for --cgroupns: use host or private');
});

test("container:X joins X's pid or ipc namespace through its init, and its user namespace with them", (t) => {
  const ns = { ...fillNamespaces({ pid: 'container:web', ipc: 'container:web' }), joinPid: 42 };
  t.like(ns, { pid: 'container', pidContainer: 'web', ipc: 'container', ipcContainer: 'web' });
  t.deepEqual(cloneNamespaces(ns), [
    { type: 'user', path: '/proc/42/ns/user' }, { type: 'mount' }, { type: 'pid', path: '/proc/42/ns/pid' },
    { type: 'uts' }, { type: 'ipc', path: '/proc/42/ns/ipc' }, { type: 'network' },
  ]);
  t.regex(specError(t, () => validateNamespaces(fillNamespaces({ pid: 'container:a', ipc: 'container:b' }), undefined, [])), /^conflicting options: --pid container:a and --ipc container:b/);
  t.regex(specError(t, () => validateNamespaces(fillNamespaces({ pid: 'container:a' }), undefined, [], 'keep-id')), /^conflicting options: --userns and --pid container:/);
  t.notThrows(() => validateNamespaces(fillNamespaces({ pid: 'container:a' }), undefined, [], 'default'));
});

test("--sysctl: docker's allow-list (net.*, fs.mqueue.*, the IPC kernel.* ones); the rest refused", (t) => {
  t.deepEqual(parseSysctls(['net.ipv4.ip_forward=1', 'kernel.shmmax=1024', 'fs.mqueue.msg_max=20', 'kernel.sem=1 2 3 4']), {
    'net.ipv4.ip_forward': '1',
    'kernel.shmmax': '1024',
    'fs.mqueue.msg_max': '20',
    'kernel.sem': '1 2 3 4',
  });
  t.is(specError(t, () => parseSysctls(['vm.swappiness=1'])), 'invalid argument "vm.swappiness=1" for "--sysctl" flag: sysctl \'vm.swappiness=1\' is not allowed');
  t.regex(specError(t, () => parseSysctls(['kernel.domainname=x'])), /use --domainname$/);
  t.regex(specError(t, () => parseSysctls(['net.ipv4'])), /use KEY=VALUE/);
  t.regex(specError(t, () => parseSysctls(['net.../x=1'])), /is not a sysctl name/);
});

test('a host namespace takes no settings of its own', (t) => {
  t.regex(specError(t, () => validateNamespaces(fillNamespaces({ uts: 'host' }), 'h', [])), /^conflicting options: hostname and the UTS mode/);
  t.regex(specError(t, () => validateNamespaces(fillNamespaces({ uts: 'host', domainname: 'd' }), undefined, [])), /^conflicting options: domainname and the UTS mode/);
  t.regex(specError(t, () => validateNamespaces(fillNamespaces({ sysctl: ['net.core.somaxconn=10'] }), undefined, ['host'])), /not allowed in host network mode/);
  t.regex(specError(t, () => validateNamespaces(fillNamespaces({ ipc: 'host', sysctl: ['kernel.shmmax=10'] }), undefined, [])), /not allowed in host IPC mode/);
  t.regex(specError(t, () => validateNamespaces(fillNamespaces({ ipc: 'container:db', sysctl: ['fs.mqueue.msg_max=10'] }), undefined, [])), /not allowed with --ipc container:db/);
  t.notThrows(() => validateNamespaces(fillNamespaces({ uts: 'host', pid: 'host' }), undefined, ['host']));
});

test("host modes bind the host's /proc, /dev/shm, /dev/mqueue; --ipc none has no /dev/shm", (t) => {
  const m = (o: Parameters<typeof fillNamespaces>[0], mq = true) => namespaceMounts({ ...fillNamespaces(o), hostMqueue: mq }, defaultMounts());
  t.deepEqual(m({ pid: 'host' }).find((x) => x.destination === '/proc'), { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind', 'nosuid', 'noexec', 'nodev'] });
  t.is(m({ ipc: 'host' }).find((x) => x.destination === '/dev/shm')?.source, '/dev/shm');
  t.is(m({ ipc: 'host' }).find((x) => x.destination === '/dev/mqueue')?.type, 'bind');
  t.is(m({ ipc: 'host' }, false).find((x) => x.destination === '/dev/mqueue'), undefined);
  t.is(m({ ipc: 'none' }).find((x) => x.destination === '/dev/shm'), undefined);
  t.deepEqual(m({}), defaultMounts());
});

test('--runtime, --isolation, --disable-content-trust: our one choice accepted, others refused', (t) => {
  t.notThrows(() => [checkRuntime(undefined), checkRuntime('sandbox'), checkIsolation('default'), checkIsolation(undefined), checkContentTrust(true)]);
  t.regex(specError(t, () => checkRuntime('runc')), /^unknown or invalid runtime name: runc /);
  t.is(specError(t, () => checkIsolation('process')), 'invalid isolation: "process" - linux only supports \'default\' (--isolation)');
  t.regex(specError(t, () => checkContentTrust(false)), /^--disable-content-trust=false: /);
});

test('--gpus: refused with what this host has', (t) => {
  t.notThrows(() => checkGpus([], []));
  t.is(specError(t, () => checkGpus(['all'], [])), 'invalid value "all" for --gpus: this host has no GPU devices (no /dev/nvidia*)');
  t.regex(specError(t, () => checkGpus(['all'], ['/dev/nvidia0', '/dev/nvidiactl'])), /--device \/dev\/nvidia0 --device \/dev\/nvidiactl/);
});

test('--annotation KEY=VALUE, KEY alone is empty; -a streams, any case, not with -d', (t) => {
  t.deepEqual(parseAnnotations(['a=b=c', 'k']), { a: 'b=c', k: '' });
  t.regex(specError(t, () => parseAnnotations(['=v'])), /for "--annotation" flag/);
  t.is(parseAttach([], false), undefined);
  t.deepEqual(parseAttach(['STDOUT', 'stderr', 'stdout'], false), ['stdout', 'stderr']);
  t.is(specError(t, () => parseAttach(['out'], false)), 'invalid argument "out" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR');
  t.regex(specError(t, () => parseAttach(['stdout'], true)), /^conflicting options/);
});
