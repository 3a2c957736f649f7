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
  t.deepEqual(c.linux.namespaces.map((n) => n.type), ['user', 'mount', 'pid', 'uts', 'ipc', 'network']);
  t.is(c.hostname, 'cccccccccccc');
});
