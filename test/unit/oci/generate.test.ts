import test from 'ava';
import { toRuntimeConfig } from '../../../src/oci/generate.js';
import { completeRunSpec } from '../../../src/spec/complete.js';
import { fillRunSpec, type FillInput } from '../../../src/spec/fill.js';
import { buildIdMaps } from '../../../src/runtime/idmap.js';
import type { ImageConfig } from '../../../src/image/config.js';

const none: FillInput = {
  rm: true, detach: false, env: [], entrypoint: undefined, user: undefined, groupAdd: [], workdir: undefined,
  hostname: undefined, name: undefined, tty: false, interactive: false, capAdd: [], capDrop: [], readOnly: false,
};
const cfg = { config: { Cmd: ['sh'], Env: ['PATH=/bin'] } } as ImageConfig;
const maps = buildIdMaps(1000, 1000, { start: 200000, count: 65536 }, { start: 200000, count: 65536 });
const config = () => {
  const { completed } = completeRunSpec(fillRunSpec(none, 'img', ['echo', 'hi'], {}), { id: 'sha256:x', name: 'img', config: cfg, layerDirs: ['/store/layers/a/diff', '/store/layers/b/diff'], passwd: undefined, group: undefined }, 'c'.repeat(64));
  return toRuntimeConfig(completed, { stateDir: '/store/containers/ccc' }, maps);
};

test('the rootfs lists lower layers top-most first, with upper/work in the state dir', (t) => {
  t.deepEqual(config().sandbox.rootfs, {
    driver: 'overlay',
    lowerdirs: ['/store/layers/b/diff', '/store/layers/a/diff'],
    upperdir: '/store/containers/ccc/upper',
    workdir: '/store/containers/ccc/work',
  });
  t.is(config().root.path, '/store/containers/ccc/merged');
});

test('podman map: container 0 is the user, 1.. the subordinate range', (t) => {
  t.deepEqual(config().linux.uidMappings, [
    { containerID: 0, hostID: 1000, size: 1 },
    { containerID: 1, hostID: 200000, size: 65536 },
  ]);
});

test('the default capabilities fill bounding, effective and permitted; no inheritable or ambient', (t) => {
  const caps = config().process.capabilities;
  t.is(caps.bounding.length, 14);
  t.deepEqual(caps.effective, caps.bounding);
  t.deepEqual(caps.inheritable, []);
  t.deepEqual(caps.ambient, []);
});

test('proc, dev, devpts, shm, mqueue and sysfs come first, then device binds; docker masks', (t) => {
  const c = config();
  t.deepEqual(c.mounts.slice(0, 6).map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys']);
  t.true(c.mounts.some((m) => m.destination === '/dev/null' && m.type === 'bind'));
  t.true(c.linux.maskedPaths.includes('/proc/kcore'));
  t.true(c.linux.readonlyPaths.includes('/proc/sys'));
  // 'cgroup' last: the init unshares it after cgroup placement, not at clone.
  t.deepEqual(c.linux.namespaces.map((n) => n.type), ['user', 'mount', 'pid', 'uts', 'ipc', 'network', 'cgroup']);
  t.is(c.hostname, 'cccccccccccc');
});

const withOptions = (o: Partial<FillInput>, dirs: Record<string, unknown> = {}) => {
  const spec = fillRunSpec({ ...none, ...o }, 'img', ['echo', 'hi'], {}, { cwd: '/home/u', files: {} });
  const { completed } = completeRunSpec(spec, { id: 'sha256:x', name: 'img', config: cfg, layerDirs: ['/l'], passwd: undefined, group: undefined }, 'c'.repeat(64));
  return toRuntimeConfig(completed, { stateDir: '/s', ...dirs }, maps);
};

test('-v, --mount and --tmpfs become mounts after the defaults and the generated /etc files', (t) => {
  const c = withOptions({ volume: ['/srv:/data:ro', 'vol1:/v'], mount: ['type=tmpfs,target=/t,tmpfs-size=1k'] }, { volumeDirs: { '/v': '/store/volumes/vol1/_data' } });
  const tail = c.mounts.slice(-3);
  t.deepEqual(tail, [
    { destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'rprivate', 'ro'] },
    { destination: '/v', type: 'bind', source: '/store/volumes/vol1/_data', options: ['rbind', 'rprivate'] },
    { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1024'] },
  ]);
  for (const f of ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']) t.true(c.mounts.some((m) => m.destination === f && m.source.startsWith('/s/')), f);
});

test('--shm-size sizes /dev/shm', (t) => {
  t.deepEqual(withOptions({ shmSize: '128m' }).mounts.find((m) => m.destination === '/dev/shm')?.options.at(-1), 'size=131072k');
});

test('--ulimit becomes rlimits, -1 as RLIM_INFINITY; --oom-score-adj passes through', (t) => {
  const c = withOptions({ ulimit: ['nofile=10:20', 'core=-1'], oomScoreAdj: '300' });
  t.deepEqual(c.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }, { type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 }]);
  t.is(c.process.oomScoreAdj, 300);
});

test('--init runs the command under /sbin/docker-init, bound read-only', (t) => {
  const c = withOptions({ init: true }, { initBinary: '/opt/sandbox/sandbox-init' });
  t.deepEqual(c.process.args, ['/sbin/docker-init', '--', 'echo', 'hi']);
  t.deepEqual(c.mounts.at(-1), { destination: '/sbin/docker-init', type: 'bind', source: '/opt/sandbox/sandbox-init', options: ['bind', 'ro', 'nosuid', 'nodev'] });
});

test('labels, --stop-signal and --stop-timeout are recorded in the annotations', (t) => {
  const a = withOptions({ label: ['com.example=1'], stopSignal: 'usr1', stopTimeout: '30' }).annotations;
  t.is(a['com.example'], '1');
  t.is(a['io.sandbox.stop-signal'], 'SIGUSR1');
  t.is(a['io.sandbox.stop-timeout'], '30');
});

test('--userns=keep-id: the keep-id map for the container, the unpack map for the FUSE overlay, a passwd with you', async (t) => {
  const { containerMaps } = await import('../../../src/runtime/keep-id.js');
  const { withOwnIds } = await import('../../../src/spec/userns.js');
  const spec = fillRunSpec({ ...none, userns: 'keep-id' }, 'img', ['id'], {});
  spec.userns = withOwnIds(spec.userns!, 1000, 1000, 'me');
  const { completed } = completeRunSpec(spec, { id: 'sha256:x', name: 'img', config: cfg, layerDirs: ['/l'], passwd: 'root:x:0:0::/root:/bin/sh\n', group: undefined }, 'c'.repeat(64));
  completed.rootfs = { driver: 'fuse-overlay', reason: 'keep-id' };
  const m = containerMaps(completed, maps);
  const c = toRuntimeConfig(completed, { stateDir: '/s' }, m.maps, m.storageMaps);
  t.deepEqual(c.linux.uidMappings, [
    { containerID: 0, hostID: 200000, size: 1000 },
    { containerID: 1000, hostID: 1000, size: 1 },
    { containerID: 1001, hostID: 201000, size: 64536 },
  ]);
  t.like(c.sandbox.rootfs, { driver: 'fuse-overlay', storageUidMappings: maps.uidMappings, storageGidMappings: maps.gidMappings });
  t.like(c.process.user, { uid: 1000, gid: 1000 });
  t.deepEqual(c.mounts.filter((x) => x.destination === '/etc/passwd' || x.destination === '/etc/group').map((x) => x.source), ['/s/passwd', '/s/group']);
  // Without keep-id nothing of it appears.
  t.is(config().sandbox.rootfs.storageUidMappings, undefined);
});

test('-i is docker\'s OpenStdin; StdinOnce only when attached (run -i, create -i), not with -d', (t) => {
  t.deepEqual([withOptions({}).sandbox.openStdin, withOptions({}).sandbox.stdinOnce], [false, undefined]);
  t.deepEqual([withOptions({ interactive: true }).sandbox.openStdin, withOptions({ interactive: true }).sandbox.stdinOnce], [true, true]);
  t.deepEqual([withOptions({ interactive: true, detach: true }).sandbox.openStdin, withOptions({ interactive: true, detach: true }).sandbox.stdinOnce], [true, false]);
});
