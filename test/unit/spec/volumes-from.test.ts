// --volumes-from: the source's user mounts (binds and volumes, not its /etc files, devices or
// tmpfs), its modes, and which mount wins at a shared target.
import test from 'ava';
import { userMountPoints } from '../../../src/oci/user-mounts.js';
import type { RuntimeConfig } from '../../../src/oci/types.js';
import { mergeVolumesFrom, parseVolumesFrom, requestFrom } from '../../../src/spec/volumes-from.js';
import type { MountRequest } from '../../../src/spec/mounts.js';

const where = { stateDir: '/d/containers/c1', volumesRoot: '/d/volumes' };
const config = {
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc', options: [] },
    { destination: '/dev/fuse', type: 'bind', source: '/dev/fuse', options: ['bind'] },
    { destination: '/etc/hosts', type: 'bind', source: '/d/containers/c1/hosts', options: ['bind', 'rprivate'] },
    { destination: '/data', type: 'bind', source: '/d/volumes/v1/_data', options: ['rbind', 'rprivate'] },
    { destination: '/src', type: 'bind', source: '/home/u/src', options: ['bind', 'rslave', 'ro'] },
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: [] },
    { destination: '/sbin/docker-init', type: 'bind', source: '/opt/sandbox-init', options: ['bind', 'ro'] },
  ],
} as unknown as RuntimeConfig;

test("a config's user mount points in docker's shape: volumes by name, binds with propagation", (t) => {
  t.deepEqual(userMountPoints(config, where), [
    { Type: 'volume', Name: 'v1', Source: '/d/volumes/v1/_data', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
    { Type: 'bind', Source: '/home/u/src', Destination: '/src', Mode: 'ro', RW: false, Propagation: 'rslave', Recursive: false },
  ]);
});

test('CONTAINER[:ro|:rw]; other modes are refused naming the value', (t) => {
  t.deepEqual(parseVolumesFrom('web'), { container: 'web', mode: 'rw' });
  t.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', mode: 'ro' });
  t.deepEqual(parseVolumesFrom('web:rw,z'), { container: 'web', mode: 'rw' });
  t.throws(() => parseVolumesFrom('web:rshared'), { message: 'invalid mode: rshared (in --volumes-from web:rshared): use ro or rw' });
  t.throws(() => parseVolumesFrom(':ro'), { message: 'invalid value ":ro" for --volumes-from: volumes-from specification cannot be an empty string' });
});

test(':ro makes every mount read-only; :rw keeps a read-only source read-only', (t) => {
  const [vol, bind] = userMountPoints(config, where);
  t.deepEqual(requestFrom(vol!, 'ro'), { type: 'volume', source: 'v1', target: '/data', readonly: true, nocopy: true });
  t.deepEqual(requestFrom(bind!, 'rw'), { type: 'bind', source: '/home/u/src', target: '/src', readonly: true, propagation: 'rslave', recursive: false, createSource: false });
});

test("the container's own mounts win at a shared target; a later --volumes-from wins over an earlier", (t) => {
  const own: MountRequest[] = [{ type: 'tmpfs', target: '/data', options: [] }];
  const a: MountRequest = { type: 'volume', source: 'a', target: '/x', readonly: false, nocopy: true };
  const b: MountRequest = { type: 'volume', source: 'b', target: '/x', readonly: false, nocopy: true };
  const c: MountRequest = { type: 'volume', source: 'c', target: '/data', readonly: false, nocopy: true };
  t.deepEqual(mergeVolumesFrom(own, [a, c, b]), [b, own[0]!]);
});
