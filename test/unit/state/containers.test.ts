import test from 'ava';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerStore } from '../../../src/state/containers.js';
import { sandboxPaths } from '../../../src/state/paths.js';
import { newContainerId } from '../../../src/state/names.js';

async function store() {
  const home = await mkdtemp(join(tmpdir(), 'sbx-state-'));
  return { home, containers: new ContainerStore(sandboxPaths({ HOME: home })) };
}
const fields = () => ({ id: newContainerId(), image: 'busybox', imageId: 'sha256:x', command: ['sh'], autoRemove: false });

test('a second container with the same name is refused with docker message', async (t) => {
  const { home, containers } = await store();
  const first = await containers.create({ ...fields(), name: 'web' });
  const err = await t.throwsAsync(containers.create({ ...fields(), name: 'web' }));
  t.is(err?.message, `Conflict. The container name "/web" is already in use by container "${first.id}". You have to remove (or rename) that container to be able to reuse that name.`);
  await rm(home, { recursive: true });
});

test('ten concurrent creates get ten distinct generated names and 0700 directories', async (t) => {
  const { home, containers } = await store();
  const recs = await Promise.all(Array.from({ length: 10 }, () => containers.create(fields())));
  t.is(new Set(recs.map((r) => r.name)).size, 10);
  t.is((await containers.list()).length, 10);
  t.is((await stat(containers.dir(recs[0]!.id))).mode & 0o777, 0o700);
  await rm(home, { recursive: true });
});

test('transitions persist and illegal ones are refused', async (t) => {
  const { home, containers } = await store();
  let rec = await containers.create(fields());
  rec = await containers.transition(rec, 'running', { pid: 42 });
  rec = await containers.transition(rec, 'exited', { exitCode: 3 });
  t.like(await containers.read(rec.id), { status: 'exited', exitCode: 3, pid: 42 });
  await t.throwsAsync(containers.transition({ ...rec, status: 'removing' }, 'running'));
  await rm(home, { recursive: true });
});
