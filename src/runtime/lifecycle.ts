// Acting on a container after `run`: signal, stop, start again, remove, wait. There is no daemon:
// each CLI process reads the record, looks at the facts (src/state/observe.ts), acts on the
// container's monitor or init, and persists the result under the container's lock.
import { readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import { StateError, UsageError } from '../errors.js';
import { ContainerStore, type ContainerRecord } from '../state/containers.js';
import { gatherFacts, effectiveRecord } from '../state/observe.js';
import { containerLayout } from '../oci/generate.js';
import { launchDetached, monitorFiles } from './launch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** docker's signal spellings: KILL, SIGKILL, 9 (pure). */
export function parseSignal(text: string): number {
  const t = text.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = (t.startsWith('SIG') ? t : `SIG${t}`) as keyof typeof constants.signals;
    const n = constants.signals[name];
    if (n !== undefined) return n;
  }
  throw new UsageError(`invalid signal: ${text}`);
}

// Signals the monitor passes on to the init (addon/monitor/signals.cc); any other signal that
// would end the monitor makes it SIGKILL the container instead.
const MONITOR_FORWARDS = new Set<number>(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'].map((s) => constants.signals[s as keyof typeof constants.signals]));

/**
 * The record as it stands now; persisted when the facts changed it (a detached container
 * that exited, a monitor that died), so later readers and `ps` agree.
 */
export async function settle(store: ContainerStore, rec: ContainerRecord): Promise<ContainerRecord> {
  const now = effectiveRecord(rec, await gatherFacts(rec, store.dir(rec.id)));
  if (now.status === rec.status) return now;
  return store.withContainerLock(rec.id, async () => {
    const fresh = await store.read(rec.id);
    const next = effectiveRecord(fresh, await gatherFacts(fresh, store.dir(rec.id)));
    if (next.status === fresh.status) return next;
    const { status, ...fields } = next;
    return store.transition(fresh, status, fields);
  });
}

/** Is the container's init still there to be signalled (its monitor alive, so its pid unreused)? */
export async function isRunning(store: ContainerStore, rec: ContainerRecord): Promise<boolean> {
  const facts = await gatherFacts(rec, store.dir(rec.id));
  return effectiveRecord(rec, facts).status === 'running' && facts.monitorAlive;
}

/**
 * Tell the monitor that its container is being stopped by its user: it must not apply the
 * restart policy (addon/monitor/restart.h). `start` removes the marker.
 */
export async function markStopRequested(store: ContainerStore, rec: ContainerRecord): Promise<void> {
  await writeFile(join(store.dir(rec.id), 'stop-requested'), '', { mode: 0o600 }).catch(() => undefined);
}

/** Send `sig` to the container's init. */
export async function signalContainer(store: ContainerStore, rec: ContainerRecord, sig: number): Promise<void> {
  const facts = await gatherFacts(rec, store.dir(rec.id));
  const now = effectiveRecord(rec, facts);
  // Only the pid file: the monitor keeps it exactly while an init exists (after a --restart
  // it names the new one); the record's pid may be an old init's, and reused since.
  const pid = facts.pidFromFile;
  if (sig === constants.signals.SIGKILL) await markStopRequested(store, rec);
  if (now.status !== 'running' || !facts.monitorAlive) {
    throw new StateError(`cannot kill container: ${rec.id}: container ${rec.id} is not running`);
  }
  if (pid === undefined) throw new StateError(`Container ${rec.id} is restarting, wait until the container is running`);
  try {
    // The init runs as container root = this user, so it can be signalled directly; pid reuse
    // is excluded because its live monitor has not reaped it.
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
    if ((err as NodeJS.ErrnoException).code !== 'EPERM' || now.monitorPid === undefined) throw err;
    // An init running as a subordinate id: go through the monitor, which forwards the usual
    // signals and answers any other terminating one by SIGKILLing the container.
    process.kill(now.monitorPid, MONITOR_FORWARDS.has(sig) ? sig : constants.signals.SIGALRM);
  }
}

/** Wait until the container is no longer running (its monitor gone); false on timeout. */
export async function waitStopped(store: ContainerStore, rec: ContainerRecord, timeoutMs = Infinity): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const facts = await gatherFacts(rec, store.dir(rec.id));
    const now = effectiveRecord(rec, facts);
    if (!facts.monitorAlive && now.status !== 'running') return true;
    if (!facts.monitorAlive && now.status === 'running') return true; // cannot happen: dead wins
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 100);
  }
}

/** docker stop: the stop signal, `timeoutSec` to end, then SIGKILL. */
export async function stopContainer(store: ContainerStore, rec: ContainerRecord, timeoutSec = 10, sig = constants.signals.SIGTERM): Promise<ContainerRecord> {
  if (!(await isRunning(store, rec))) return settle(store, rec);
  await markStopRequested(store, rec);
  await signalContainer(store, rec, sig).catch(() => undefined);
  if (!(await waitStopped(store, rec, Math.max(0, timeoutSec) * 1000))) {
    await signalContainer(store, rec, constants.signals.SIGKILL).catch(() => undefined);
    await waitStopped(store, rec, 30_000);
  }
  return settle(store, rec);
}

/** Start an existing container again with its monitor detached (docker start / restart). */
export async function startContainer(store: ContainerStore, rec: ContainerRecord, attachWait = false): Promise<ContainerRecord> {
  return store.withContainerLock(rec.id, async () => {
    const fresh = await store.read(rec.id);
    const facts = await gatherFacts(fresh, store.dir(fresh.id));
    const now = effectiveRecord(fresh, facts);
    if (now.status === 'running' && facts.monitorAlive) return now;
    const stateDir = store.dir(fresh.id);
    // The previous run's exit file would make the new run look exited at once.
    await rm(monitorFiles(stateDir).exit, { force: true });
    await rm(join(stateDir, 'stop-requested'), { force: true });
    // docker resets RestartCount when its user starts a container.
    await rm(join(stateDir, 'restart.json'), { force: true });
    const started = await launchDetached(containerLayout(stateDir).config, [], attachWait);
    const base = now.status === fresh.status ? fresh : { ...now, status: fresh.status };
    return store.transition(base, 'running', {
      pid: started.pid,
      monitorPid: started.monitorPid,
      detached: true,
      startedAt: new Date().toISOString(),
      error: undefined,
    });
  });
}

/**
 * `wait` leaves `wait.<pid>` in the state dir while it waits: a removal (rm -f, or the monitor's
 * `rm -v` for --rm) lets a live waiter read the exit file first, so `wait` on an --rm container
 * still prints its code, as docker's does. Bounded: a waiter has ~10 s to read one small file.
 */
export function waiterMarker(stateDir: string): string {
  return join(stateDir, `wait.${process.pid}`);
}

async function waitersDone(stateDir: string): Promise<void> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(20)) {
    // Only an ended container has a code to read; a waiter on a created one waits for a start.
    if (!existsSync(monitorFiles(stateDir).exit)) return;
    const names = await readdir(stateDir).catch(() => [] as string[]);
    const waiting = names.map((n) => /^wait\.(\d+)$/.exec(n)).filter((m) => m && Number(m[1]) !== process.pid && alive(Number(m[1])));
    if (waiting.length === 0) return;
  }
}

/** docker rm [-f]: a running container is refused without force, SIGKILLed with it. */
export async function removeContainer(store: ContainerStore, rec: ContainerRecord, force: boolean, removeTree: (paths: string[]) => Promise<void>): Promise<void> {
  if (await isRunning(store, rec)) {
    if (!force) {
      throw new StateError(
        `cannot remove container "/${rec.name}": container is running: stop the container before removing or force remove`,
      );
    }
    await signalContainer(store, rec, constants.signals.SIGKILL).catch(() => undefined);
    if (!(await waitStopped(store, rec, 30_000))) throw new StateError(`container ${rec.id.slice(0, 12)} did not stop after SIGKILL`);
  }
  await waitersDone(store.dir(rec.id));
  await store.withContainerLock(rec.id, async () => {
    let fresh: ContainerRecord;
    try {
      fresh = await store.read(rec.id);
    } catch {
      return; // removed by a concurrent rm: the outcome the user asked for
    }
    const next = effectiveRecord(fresh, await gatherFacts(fresh, store.dir(fresh.id)));
    const removing = await store.transition({ ...next, status: next.status === 'removing' ? 'exited' : next.status }, 'removing');
    await store.remove(removing, removeTree);
  });
}
