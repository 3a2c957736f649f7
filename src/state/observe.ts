// What a container really is now. No daemon keeps records current: a detached container's
// monitor writes exit.json when the container ends, and a monitor killed with -9 writes nothing.
// So every reader (ps, inspect, wait, rm, start) looks at the record together with these facts;
// `effectiveRecord` decides, purely, and commands that change a container persist the result.
import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord, HealthState } from './containers.js';

export interface ExitFile {
  exitCode: number;
  signal: number;
  finishedAt: string;
  /** When the command was exec'd (absent in files of older monitors). */
  startedAt?: string;
}

/** restart.json: written by the monitor each time its restart policy restarts the command. */
export interface RestartFile {
  restartCount: number;
  exitCode: number;
  finishedAt: string;
}

export interface ContainerFacts {
  /** restart.json, when the restart policy has restarted the command since the last start. */
  restart?: RestartFile | undefined;
  /** exit.json as the monitor wrote it, when present. */
  exit?: ExitFile | undefined;
  /** Whether the record's monitor (or, with no monitor pid recorded, its init) is alive. */
  monitorAlive: boolean;
  /** The init pid from the pid file, when the monitor wrote one (a CLI killed before it
   *  recorded `running` leaves only this). */
  pidFromFile?: number | undefined;
  /** When the pid file was written (the current init's start): read after a --restart, whose
   *  run started later than the record says. */
  pidWrittenAt?: string | undefined;
  /** health.json, written by the monitor after each healthcheck. */
  health?: HealthState | undefined;
  /** cgroup.json's verdict, written by the monitor before exit.json when the container had a
   *  cgroup: whether the kernel's OOM killer struck (docker's State.OOMKilled). */
  oomKilled?: boolean | undefined;
}

/** The record as it stands given the facts (pure). */
export function effectiveRecord(rec: ContainerRecord, facts: ContainerFacts): ContainerRecord {
  if (facts.health) rec = { ...rec, health: facts.health };
  if (facts.restart) rec = { ...rec, restartCount: facts.restart.restartCount };
  if (rec.restarting !== undefined) {
    // Recomputed below from the facts: a stored value is never the truth.
    const { restarting: _stale, ...rest } = rec;
    rec = rest;
  }
  if (rec.status !== 'running' && rec.status !== 'created') return rec;
  if (facts.exit) {
    // A CLI killed before it recorded the start (a foreground run's): the monitor's word for it.
    const started = rec.startedAt === undefined && facts.exit.startedAt ? { startedAt: facts.exit.startedAt } : {};
    return { ...rec, status: 'exited', exitCode: facts.exit.exitCode, finishedAt: facts.exit.finishedAt, ...started, ...(facts.oomKilled ? { oomKilled: true } : {}) };
  }
  if (rec.status === 'created') {
    // The CLI died between the monitor's start and its `running` write: the pid file and a live
    // monitor say the container runs.
    if (facts.pidFromFile !== undefined && facts.monitorAlive) return { ...rec, status: 'running', pid: facts.pidFromFile };
    return rec;
  }
  // Its monitor lives but no init does (the pid file goes with each one): the policy is
  // restarting the command; until the next run has started, docker says Restarting.
  if (facts.monitorAlive && facts.restart && facts.pidFromFile === undefined) {
    return { ...rec, restarting: true, exitCode: facts.restart.exitCode, finishedAt: facts.restart.finishedAt };
  }
  if (!facts.monitorAlive) {
    return {
      ...rec,
      status: 'dead',
      error: `the container's monitor${rec.monitorPid ? ` (pid ${rec.monitorPid})` : ''} is gone; its exit status is unknown`,
    };
  }
  // Restarted by its policy: running since the current init started (docker's StartedAt).
  if (facts.restart && facts.pidFromFile !== undefined && facts.pidWrittenAt) return { ...rec, pid: facts.pidFromFile, startedAt: facts.pidWrittenAt };
  return rec;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Is `pid` this container's monitor? Its command line names the container's config, so a
 * recycled pid is not mistaken for it.
 */
export function monitorRunning(pid: number, stateDir: string): boolean {
  // Our monitor runs as us: EPERM means the pid now belongs to someone else.
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // Empty while the process is between two programs: a monitor re-executing itself for
    // --restart keeps its pid, and must not look dead for that instant.
    return text === '' || text.split('\0').includes(join(stateDir, 'config.json'));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function readExitFile(stateDir: string): Promise<ExitFile | undefined> {
  try {
    const v = JSON.parse(await readFile(join(stateDir, 'exit.json'), 'utf8')) as ExitFile;
    return typeof v.exitCode === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

async function readHealthFile(stateDir: string): Promise<HealthState | undefined> {
  try {
    const v = JSON.parse(await readFile(join(stateDir, 'health.json'), 'utf8')) as HealthState;
    if (typeof v.Status !== 'string') return undefined;
    // docker's key order (the monitor's JSON writer sorts keys).
    return { Status: v.Status, FailingStreak: v.FailingStreak, Log: (v.Log ?? []).map((r) => ({ Start: r.Start, End: r.End, ExitCode: r.ExitCode, Output: r.Output })) };
  } catch {
    return undefined;
  }
}

async function readRestartFile(stateDir: string): Promise<RestartFile | undefined> {
  try {
    const v = JSON.parse(await readFile(join(stateDir, 'restart.json'), 'utf8')) as RestartFile;
    return typeof v.restartCount === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

async function readOomKilled(stateDir: string): Promise<boolean | undefined> {
  try {
    const v = JSON.parse(await readFile(join(stateDir, 'cgroup.json'), 'utf8')) as { oomKilled?: unknown };
    return v.oomKilled === true;
  } catch {
    return undefined;
  }
}

async function readPidFile(stateDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(stateDir, 'pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Gather the facts for a record from its state directory and /proc. */
export async function gatherFacts(rec: ContainerRecord, stateDir: string): Promise<ContainerFacts> {
  const [exit, pidFromFile, health, oomKilled, restart] = await Promise.all([readExitFile(stateDir), readPidFile(stateDir), readHealthFile(stateDir), readOomKilled(stateDir), readRestartFile(stateDir)]);
  let monitorAlive: boolean;
  if (rec.monitorPid !== undefined) monitorAlive = monitorRunning(rec.monitorPid, stateDir);
  else monitorAlive = pidFromFile !== undefined && processAlive(pidFromFile);
  const pidWrittenAt = restart && pidFromFile !== undefined ? await stat(join(stateDir, 'pid')).then((s) => s.mtime.toISOString(), () => undefined) : undefined;
  return { exit, monitorAlive, pidFromFile, health, oomKilled, restart, pidWrittenAt };
}

export async function observe(rec: ContainerRecord, stateDir: string): Promise<ContainerRecord> {
  return effectiveRecord(rec, await gatherFacts(rec, stateDir));
}
