// Container records on disk: containers/<id>/state.json, written atomically; creation and name
// reservation happen under one lock so two `run --name x` can't both win.
import type { PortBinding } from '../network/options.js';
import { forgetContainer } from '../network/members.js';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { writeJsonAtomic } from './atomic.js';
import { isoTimestamp } from './clock.js';

/** A container's record is rewritten at every transition: atomic, not fsynced (see atomic.ts). */
const RUNTIME_FILE = { durable: false } as const;
import { withLock } from './lock.js';
import { generateName } from './names.js';
import type { SandboxPaths } from './paths.js';
import { assertTransition, type ContainerStatus } from './status.js';

export interface HealthResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthResult[];
}

export interface ContainerRecord {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string[];
  created: string;
  status: ContainerStatus;
  autoRemove: boolean;
  pid?: number;
  /** The sandbox-monitor that owns the running container (it outlives the CLI with run -d). */
  monitorPid?: number;
  /** docker's State.Health as the monitor last wrote it (health.json); absent: no healthcheck. */
  health?: HealthState;
  /** run -d: output went to the monitor's log (`sandbox logs`). */
  detached?: boolean;
  exitCode?: number;
  /** The kernel's OOM killer killed a process of the container (docker's State.OOMKilled). */
  oomKilled?: boolean;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  /** --restart: restarts since the user's last start (docker's RestartCount; restart.json). */
  restartCount?: number;
  /** --restart: the monitor is between two runs (backing off, or setting the next one up);
   *  exitCode/finishedAt are then the ended run's (docker's State.Restarting). Observed, never
   *  persisted as the truth: src/state/observe.ts recomputes it. */
  restarting?: boolean;
  /** Published ports as bound by the monitor (issue 6; src/network/runtime.ts readPublishedPorts). */
  ports?: PortBinding[];
}

export class ContainerStore {
  constructor(private readonly paths: SandboxPaths) {}

  dir(id: string): string {
    return join(this.paths.containers, id);
  }

  private lockPath(): string {
    return join(this.paths.data, 'locks', 'containers');
  }

  async list(): Promise<ContainerRecord[]> {
    let ids: string[];
    try {
      ids = readdirSync(this.paths.containers);
    } catch {
      return [];
    }
    // Synchronous reads: a record is a few hundred bytes, and every `run` lists them all for
    // the name check; a thread-pool round trip per record made each run slower with every
    // container that exists (50 records: ~1 ms this way, ~10 ms through fs/promises).
    const recs: ContainerRecord[] = [];
    for (const id of ids) {
      try {
        recs.push(this.readSync(id));
      } catch {
        /* being created or removed right now */
      }
    }
    return recs;
  }

  async read(id: string): Promise<ContainerRecord> {
    return this.readSync(id);
  }

  private readSync(id: string): ContainerRecord {
    return JSON.parse(readFileSync(join(this.dir(id), 'state.json'), 'utf8')) as ContainerRecord;
  }

  /**
   * The container a user named: full id, unique id prefix, or name (docker's lookup order:
   * exact id, exact name, then prefix). Unknown or ambiguous: docker's message.
   */
  async find(ref: string): Promise<ContainerRecord> {
    const all = await this.list();
    const hit = all.find((c) => c.id === ref) ?? all.find((c) => c.name === ref || `/${c.name}` === ref);
    if (hit) return hit;
    const byPrefix = ref.length > 0 && /^[0-9a-f]+$/.test(ref) ? all.filter((c) => c.id.startsWith(ref)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw new StateError(`multiple IDs found with provided prefix: ${ref}`);
    throw new StateError(`No such container: ${ref}`);
  }

  /** Run fn under the container's own lock (start, stop, rm, rename of one container). */
  async withContainerLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return withLock(join(this.paths.data, 'locks', `container-${id}`), fn);
  }

  /** Rename under the names lock, so two renames can't take one name. */
  async rename(rec: ContainerRecord, name: string): Promise<ContainerRecord> {
    return withLock(this.lockPath(), async () => {
      const holder = (await this.list()).find((c) => c.name === name);
      if (holder && holder.id !== rec.id) {
        throw new StateError(
          `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
      const next = { ...(await this.read(rec.id)), name };
      await writeJsonAtomic(join(this.dir(rec.id), 'state.json'), next, 0o600, RUNTIME_FILE);
      return next;
    });
  }

  /** Reserve an id and a name and create the container's directory (0700). */
  async create(fields: Omit<ContainerRecord, 'name' | 'created' | 'status'> & { name?: string | undefined }): Promise<ContainerRecord> {
    return withLock(this.lockPath(), async () => {
      const existing = await this.list();
      const taken = new Set(existing.map((c) => c.name));
      let name = fields.name;
      if (name !== undefined) {
        const holder = existing.find((c) => c.name === name);
        if (holder) {
          throw new StateError(
            `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
          );
        }
      } else {
        do name = generateName();
        while (taken.has(name));
      }
      const rec: ContainerRecord = { ...fields, name, created: isoTimestamp(), status: 'created' };
      mkdirSync(this.paths.containers, { recursive: true, mode: 0o700 });
      mkdirSync(this.dir(rec.id), { mode: 0o700 });
      await writeJsonAtomic(join(this.dir(rec.id), 'state.json'), rec, 0o600, RUNTIME_FILE);
      return rec;
    });
  }

  /** Apply a status change (checked against the allowed transitions) and persist it. */
  async transition(rec: ContainerRecord, to: ContainerStatus, fields: Partial<ContainerRecord> = {}): Promise<ContainerRecord> {
    assertTransition(rec.id, rec.status, to);
    const next = { ...rec, ...fields, status: to };
    await writeJsonAtomic(join(this.dir(rec.id), 'state.json'), next, 0o600, RUNTIME_FILE);
    return next;
  }

  /** Remove the record's directory; `removeTree` handles trees owned by subordinate ids. */
  async remove(rec: ContainerRecord, removeTree: (paths: string[]) => Promise<void>): Promise<void> {
    const dir = this.dir(rec.id);
    // It leaves its user-defined networks (their member files) with it.
    await forgetContainer(this.paths, rec.id);
    try {
      // Synchronous: a state dir is a dozen entries, and the async rm costs a thread-pool round
      // trip per entry (~3x slower, on the path of every `run --rm` and `rm`).
      removeDirSync(dir);
    } catch {
      // Files created by container users other than root belong to subordinate ids: only the
      // user namespace can remove them.
      await removeTree([dir]);
    }
  }
}

/**
 * rm -rf of a container's state dir (absent: nothing to do). Not fs.rmSync: that loads and
 * compiles Node's internal rimraf on first use and tries rmdir on every entry first; a state
 * dir is known to hold plain files and directories (a symlink is removed, never followed).
 */
function removeDirSync(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (!e.isDirectory()) unlinkSync(p);
    // rmdir first: an empty directory goes even when we may not read it (the kernel overlay's
    // work/work is mode 000).
    else if (!tryRmdir(p)) removeDirSync(p);
  }
  rmdirSync(dir);
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw err;
  }
}
