// Named volumes in the store (docker's local driver): volumes/<name>/_data holds the content,
// volumes/<name>/volume.json the record. Created on first use by `run` or by `volume create`;
// a new volume is seeded from the image's content at its target, as docker does.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { writeJsonAtomic } from './atomic.js';
import { withLock } from './lock.js';
import type { SandboxPaths } from './paths.js';
import type { IdShift } from '../storage/id-shift.js';

export interface VolumeRecord {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string>;
  Scope: 'local';
}

/** docker marks volumes made for `-v /path` without a name this way; `run --rm` removes them. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export class VolumeStore {
  readonly root: string;
  constructor(private readonly paths: SandboxPaths) {
    this.root = join(paths.data, 'volumes');
  }

  dataDir(name: string): string {
    return join(this.root, name, '_data');
  }

  private lockPath(): string {
    return join(this.paths.data, 'locks', 'volumes');
  }

  async read(name: string): Promise<VolumeRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.root, name, 'volume.json'), 'utf8')) as VolumeRecord;
    } catch {
      return undefined;
    }
  }

  async list(): Promise<VolumeRecord[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const out: VolumeRecord[] = [];
    for (const n of names.sort()) {
      const v = await this.read(n);
      if (v) out.push(v);
    }
    return out;
  }

  /**
   * The volume `name` (a random anonymous one when undefined), created when missing.
   * `created` tells the caller to seed it.
   */
  async ensure(name: string | undefined, labels: Record<string, string> = {}): Promise<{ volume: VolumeRecord; created: boolean }> {
    const volName = name ?? randomBytes(32).toString('hex');
    const existing = await this.read(volName);
    if (existing) return { volume: existing, created: false };
    return withLock(this.lockPath(), async () => {
      const again = await this.read(volName);
      if (again) return { volume: again, created: false };
      await mkdir(this.root, { recursive: true, mode: 0o700 });
      await mkdir(join(this.root, volName), { recursive: true, mode: 0o700 });
      // The container sees _data as its own: 0755 like a fresh docker volume.
      await mkdir(this.dataDir(volName), { recursive: true, mode: 0o755 });
      const volume: VolumeRecord = {
        // RFC 3339 to the second, as docker prints it.
        CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        Driver: 'local',
        Labels: name === undefined ? { ...labels, [ANONYMOUS_LABEL]: '' } : labels,
        Mountpoint: this.dataDir(volName),
        Name: volName,
        Options: {},
        Scope: 'local',
      };
      // Written last: a volume without its record is invisible and is re-created cleanly.
      await writeJsonAtomic(join(this.root, volName, 'volume.json'), volume);
      return { volume, created: true };
    });
  }

  /** Names of volumes some container (running or not) still references, with those containers. */
  async usage(): Promise<Map<string, string[]>> {
    const used = new Map<string, string[]>();
    const ids = await readdir(this.paths.containers).catch(() => [] as string[]);
    const prefix = this.root + '/';
    for (const id of ids) {
      let mounts: { source?: string }[] = [];
      try {
        mounts = (JSON.parse(await readFile(join(this.paths.containers, id, 'config.json'), 'utf8')) as { mounts?: { source?: string }[] }).mounts ?? [];
      } catch {
        continue;
      }
      for (const m of mounts) {
        if (!m.source?.startsWith(prefix)) continue;
        const name = m.source.slice(prefix.length).split('/')[0]!;
        used.set(name, [...(used.get(name) ?? []), id]);
      }
    }
    return used;
  }

  /** The anonymous volumes the container in `containerDir` mounts (`rm -v`, `run --rm`). */
  async anonymousOf(containerDir: string): Promise<string[]> {
    let mounts: { source?: string }[] = [];
    try {
      mounts = (JSON.parse(await readFile(join(containerDir, 'config.json'), 'utf8')) as { mounts?: { source?: string }[] }).mounts ?? [];
    } catch {
      return [];
    }
    const prefix = this.root + '/';
    const names = [...new Set(mounts.filter((m) => m.source?.startsWith(prefix)).map((m) => m.source!.slice(prefix.length).split('/')[0]!))];
    const out: string[] = [];
    for (const n of names) if ((await this.read(n))?.Labels[ANONYMOUS_LABEL] !== undefined) out.push(n);
    return out;
  }

  /** Remove a volume; refused while a container references it unless `force` is given. */
  async remove(name: string, removeTree: (paths: string[]) => Promise<void>, force = false): Promise<void> {
    if (!(await this.read(name))) {
      if (force) return;
      throw new StateError(`get ${name}: no such volume`);
    }
    const users = (await this.usage()).get(name);
    if (users && !force) throw new StateError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    const dir = join(this.root, name);
    try {
      await rm(dir, { recursive: true, force: true });
    } catch {
      // Files a non-root container user wrote belong to subordinate ids: the user namespace removes them.
      await removeTree([dir]);
    }
  }
}

/**
 * Seed an empty volume with the image's content at `target` (layers bottom-most first), as docker
 * does for a new volume: with the image's owners, modes, times, xattrs and hardlinks, the
 * volume's root taking the image directory's owner and mode. Copied natively inside the user
 * namespace (sandbox-monitor vfs-copy --subdir), where those owners can be set and the image's
 * symlinks are never followed. Under --userns=keep-id `shift` moves the owners as the
 * container's map needs them.
 */
export async function seedVolume(dataDir: string, layerDirs: string[], target: string, shift?: IdShift): Promise<void> {
  const { isIdentity } = await import('../storage/id-shift.js');
  // Nothing at the target in any layer and no owner to move: no copy to start (a quick look;
  // the copy itself resolves the target safely inside each layer).
  // (A directory we may not search, owned by an image user, may hold it: only ENOENT says no.)
  const present = await Promise.all(layerDirs.map((l) => lstat(join(l, target)).then(() => true, (e: NodeJS.ErrnoException) => e.code !== 'ENOENT' && e.code !== 'ENOTDIR')));
  if (!present.includes(true) && (!shift || isIdentity(shift))) return;
  const { vfsCopy } = await import('../storage/vfs.js');
  await vfsCopy(layerDirs, dataDir, { subdir: target, shift });
}

/** Whether a volume's directory holds nothing yet (docker seeds only then). */
export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [])).length === 0;
}
