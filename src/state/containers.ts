// Container records on disk: containers/<id>/state.json, written atomically; creation and name
// reservation happen under one lock so two `run --name x` can't both win.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { writeJsonAtomic } from './atomic.js';
import { withLock } from './lock.js';
import { generateName } from './names.js';
import type { SandboxPaths } from './paths.js';
import { assertTransition, type ContainerStatus } from './status.js';

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
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
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
      ids = await readdir(this.paths.containers);
    } catch {
      return [];
    }
    const out: ContainerRecord[] = [];
    for (const id of ids) {
      const rec = await this.read(id).catch(() => undefined);
      if (rec) out.push(rec);
    }
    return out;
  }

  async read(id: string): Promise<ContainerRecord> {
    return JSON.parse(await readFile(join(this.dir(id), 'state.json'), 'utf8')) as ContainerRecord;
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
      const rec: ContainerRecord = { ...fields, name, created: new Date().toISOString(), status: 'created' };
      await mkdir(this.paths.containers, { recursive: true, mode: 0o700 });
      await mkdir(this.dir(rec.id), { mode: 0o700 });
      await writeJsonAtomic(join(this.dir(rec.id), 'state.json'), rec);
      return rec;
    });
  }

  /** Apply a status change (checked against the allowed transitions) and persist it. */
  async transition(rec: ContainerRecord, to: ContainerStatus, fields: Partial<ContainerRecord> = {}): Promise<ContainerRecord> {
    assertTransition(rec.id, rec.status, to);
    const next = { ...rec, ...fields, status: to };
    await writeJsonAtomic(join(this.dir(rec.id), 'state.json'), next);
    return next;
  }

  /** Remove the record's directory; `removeTree` handles trees owned by subordinate ids. */
  async remove(rec: ContainerRecord, removeTree: (paths: string[]) => Promise<void>): Promise<void> {
    const dir = this.dir(rec.id);
    try {
      await rm(dir, { recursive: true, force: true });
    } catch {
      // Files created by container users other than root belong to subordinate ids: only the
      // user namespace can remove them.
      await removeTree([dir]);
    }
  }
}
