import test from 'ava';
import { effectiveRecord } from '../../../src/state/observe.js';
import type { ContainerRecord } from '../../../src/state/containers.js';

const base: ContainerRecord = {
  id: 'a'.repeat(64),
  name: 'jolly_turing',
  image: 'lab/busybox',
  imageId: 'sha256:' + 'b'.repeat(64),
  command: ['sleep', '1000'],
  created: '2026-01-01T00:00:00.000Z',
  status: 'running',
  autoRemove: false,
  pid: 100,
  monitorPid: 99,
  startedAt: '2026-01-01T00:00:01.000Z',
};
const exit = { exitCode: 3, signal: 0, finishedAt: '2026-01-01T00:00:05.000000000Z' };

test('a running container whose monitor wrote the exit file is exited with its code and time', (t) => {
  const r = effectiveRecord(base, { exit, monitorAlive: false });
  t.is(r.status, 'exited');
  t.is(r.exitCode, 3);
  t.is(r.finishedAt, exit.finishedAt);
});

test('a running container whose monitor is alive stays running', (t) => {
  t.is(effectiveRecord(base, { monitorAlive: true }).status, 'running');
});

test('a running container whose monitor died without an exit file is dead, and says why', (t) => {
  const r = effectiveRecord(base, { monitorAlive: false });
  t.is(r.status, 'dead');
  t.is(r.error, "the container's monitor (pid 99) is gone; its exit status is unknown");
});

test('a created record with a pid file and a live monitor is running (the CLI died before writing it)', (t) => {
  const created = { ...base, status: 'created' as const, pid: undefined, monitorPid: undefined };
  t.deepEqual(effectiveRecord(created, { monitorAlive: true, pidFromFile: 7 }).status, 'running');
  t.is(effectiveRecord(created, { monitorAlive: false }).status, 'created');
});

test('a created record whose monitor wrote the exit file is exited, started when the monitor says (a foreground CLI killed before it recorded the start)', (t) => {
  const created = { ...base, status: 'created' as const, pid: undefined, monitorPid: undefined, startedAt: undefined };
  const r = effectiveRecord(created, { exit: { ...exit, startedAt: '2026-01-01T00:00:02.000000000Z' }, monitorAlive: false });
  t.like(r, { status: 'exited', exitCode: 3, startedAt: '2026-01-01T00:00:02.000000000Z', finishedAt: exit.finishedAt });
  // The CLI's own record of the start stays.
  t.is(effectiveRecord(base, { exit: { ...exit, startedAt: '2026-01-01T00:00:02.000000000Z' }, monitorAlive: false }).startedAt, base.startedAt);
});

test('exited, dead and removing records are not changed by facts', (t) => {
  for (const status of ['exited', 'dead', 'removing'] as const) t.is(effectiveRecord({ ...base, status }, { exit, monitorAlive: true }).status, status);
});

test('a detached container the OOM killer ended is recorded as OOMKilled (from cgroup.json)', (t) => {
  const r = effectiveRecord(base, { exit: { ...exit, exitCode: 137, signal: 9 }, monitorAlive: false, oomKilled: true });
  t.like(r, { status: 'exited', exitCode: 137, oomKilled: true });
  t.is(effectiveRecord(base, { exit, monitorAlive: false, oomKilled: false }).oomKilled, undefined);
});

const restart = { restartCount: 2, exitCode: 4, finishedAt: '2026-01-01T00:00:07.000000000Z' };

test('--restart: a live monitor with no init (no pid file) after a restart is restarting, with the ended run\'s code', (t) => {
  const r = effectiveRecord(base, { monitorAlive: true, restart });
  t.is(r.status, 'running');
  t.true(r.restarting);
  t.is(r.restartCount, 2);
  t.is(r.exitCode, 4);
  t.is(r.finishedAt, restart.finishedAt);
});

test('--restart: once the next run has its init, the container is running again and keeps its count', (t) => {
  const r = effectiveRecord({ ...base, restarting: true }, { monitorAlive: true, pidFromFile: 123, restart });
  t.is(r.restarting, undefined);
  t.is(r.restartCount, 2);
});

test('--restart: the current run started when its pid file was written, not at the first start', (t) => {
  const r = effectiveRecord(base, { monitorAlive: true, pidFromFile: 123, pidWrittenAt: '2026-01-01T00:00:09.000Z', restart });
  t.is(r.startedAt, '2026-01-01T00:00:09.000Z');
  t.is(r.pid, 123);
});
