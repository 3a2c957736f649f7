import test from 'ava';
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../../src/state/lock.js';

/** No process can have this pid (above Linux's largest pid_max). */
const DEAD_PID = 2 ** 22 + 1;

async function locksDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sbx-lock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'locks');
}

test('the lock is a link naming our pid while fn runs, and is gone after', async (t) => {
  const path = join(await locksDir(t), 'containers');
  const seen = await withLock(path, async () => ({ link: lstatSync(path).isSymbolicLink(), owner: readlinkSync(path) }));
  t.deepEqual(seen, { link: true, owner: String(process.pid) });
  t.false(existsSync(path));
  t.deepEqual(await readdir(join(path, '..')), []);
});

test('a second holder waits for the first; an error in fn still drops the lock', async (t) => {
  const path = join(await locksDir(t), 'images');
  const order: string[] = [];
  let release!: () => void;
  const first = withLock(path, async () => {
    order.push('first in');
    await new Promise<void>((r) => (release = r));
    order.push('first out');
    throw new Error('boom');
  });
  const second = withLock(path, async () => void order.push('second'));
  await new Promise((r) => setTimeout(r, 30));
  release();
  await t.throwsAsync(first, { message: 'boom' });
  await second;
  t.deepEqual(order, ['first in', 'first out', 'second']);
  t.false(existsSync(path));
});

test('a lock left by a dead process is broken and taken', async (t) => {
  const dir = await locksDir(t);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'containers');
  symlinkSync(String(DEAD_PID), path);
  t.is(await withLock(path, async () => readlinkSync(path), 2000), String(process.pid));
  t.deepEqual(await readdir(dir), []);
});

test('a lock directory of the older form is honoured while its owner lives and broken when it is dead', async (t) => {
  const dir = await locksDir(t);
  const path = join(dir, 'volumes');
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'owner'), String(process.pid));
  await t.throwsAsync(withLock(path, async () => 'taken', 50), { message: `timed out waiting for lock ${path} (held by pid ${process.pid})` });
  writeFileSync(join(path, 'owner'), String(DEAD_PID));
  t.is(await withLock(path, async () => 'taken', 2000), 'taken');
  t.deepEqual(await readdir(dir), []);
});
