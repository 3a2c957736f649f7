// The one lock helper. Node has no flock(2), so a lock is a symbolic link whose target is the
// owner's pid, made with symlink(2), which fails with EEXIST while anyone holds it; a lock whose
// owner is dead is broken and taken over, so kill -9 never wedges the store.
//
// A link rather than a directory holding an owner file (the older form): taking and dropping it
// is one metadata change each, with no block to allocate and free, instead of four (mkdir,
// create, unlink, rmdir), on the path of every `run`. A lock directory an older version left
// is still honoured, and broken the same way when its owner is dead.
import { mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { rm, rename } from 'node:fs/promises';
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

/** The pid a lock names: its link's target, or an older lock directory's owner file. */
function ownerOf(lockPath: string): number | undefined {
  let text: string;
  try {
    text = readlinkSync(lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') return undefined; // gone, or unreadable
    try {
      text = readFileSync(join(lockPath, 'owner'), 'utf8'); // not a link: a lock directory
    } catch {
      return undefined;
    }
  }
  const pid = Number.parseInt(text, 10);
  return Number.isFinite(pid) ? pid : undefined;
}

/** Run fn while holding the lock at `path` (such as <store>/locks/images). */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    // Taking and dropping a free lock are synchronous calls: on the path of every `run`, each a
    // thread-pool round trip otherwise.
    try {
      symlinkSync(String(process.pid), path);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
        continue;
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = ownerOf(path);
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

/** Drop a lock we hold (fs.rmSync only if it is not a link, as that loads Node's internal rimraf). */
function release(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    rmSync(path, { recursive: true, force: true });
  }
}
