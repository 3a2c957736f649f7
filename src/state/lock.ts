// The one lock helper. Node has no flock(2), so a lock is a directory created with mkdir
// (atomic on every local and NFS filesystem) holding the owner's pid; a lock whose owner is
// dead is broken and taken over, so kill -9 never wedges the store.
import { mkdirSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, rm, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StateError } from '../errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(lockDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(lockDir, 'owner'), 'utf8'), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Run fn while holding the lock at `path` (a directory path such as <store>/locks/images). */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    // Taking and dropping a free lock are synchronous calls: three tiny operations on the path
    // of every `run`, each a thread-pool round trip otherwise.
    try {
      mkdirSync(path, { mode: 0o700 });
      writeFileSync(join(path, 'owner'), String(process.pid), { mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
        continue;
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await ownerOf(path);
      if (owner !== undefined && !alive(owner)) {
        // Break a dead owner's lock: move it aside first so two breakers can't both win.
        const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
        try {
          await rename(path, aside);
          await rm(aside, { recursive: true, force: true });
        } catch {
          /* another process broke it first */
        }
        continue;
      }
      if (Date.now() > deadline) throw new StateError(`timed out waiting for lock ${path} (held by pid ${owner ?? 'unknown'})`);
      await sleep(wait);
      wait = Math.min(wait * 2, 50);
    }
  }
  try {
    return await fn();
  } finally {
    release(path);
  }
}

/** Drop a lock we hold: its owner file, then the directory (fs.rmSync only when that fails,
 *  as it loads Node's internal rimraf). */
function release(path: string): void {
  try {
    unlinkSync(join(path, 'owner'));
    rmdirSync(path);
  } catch {
    rmSync(path, { recursive: true, force: true });
  }
}
