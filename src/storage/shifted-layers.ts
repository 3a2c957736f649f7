// --userns=keep-id without the FUSE overlay (docs/storage.md): each layer copied once per id
// map with its owners shifted (sandbox-monitor shift-copy), kept beside the layer in the store
// and reused by every later run, so only the first keep-id run of an image pays for a copy.
//
//   layers/<chain>/diff                      the layer as unpacked (default map)
//   layers/<chain>/keep-id/<key>/diff        its shifted copy; <key> = shiftKey(maps)
//   layers/<chain>/keep-id/<key>/shift.json  what it is and its size (system df, rmi)
//
// Beside the layer, so whatever removes the layer (rmi, image prune) removes its copies too.
// Published by renaming a staging directory made beside it (one rename, within one directory
// we own: a directory owned by a subordinate id could not be moved to another parent by us),
// under a lock per layer and key, so two runs never both copy and nobody sees half a copy.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inPool } from '../image/pool.js';
import { nativeUnpacker } from '../image/unpacker.js';
import type { IdMaps } from '../runtime/idmap.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { withLock } from '../state/lock.js';
import type { SandboxPaths } from '../state/paths.js';
import { idShift, shiftKey, type IdShift } from './id-shift.js';
import { shiftCopy } from './vfs.js';

export const SHIFTED_DIR = 'keep-id';
/** A copy of a large layer takes a while; a lock whose owner died is broken at once anyway. */
const COPY_LOCK_TIMEOUT_MS = 60 * 60_000;
const COPIES_AT_ONCE = 3;

interface ShiftRecord {
  layer: string;
  key: string;
  shift: IdShift;
  /** The layer's own size (layer.json): the copy holds the same bytes. */
  size: number;
  createdAt: string;
}

/** layers/<chain>/keep-id/<key>/diff for layers/<chain>/diff. */
export function shiftedLayerDir(layerDir: string, key: string): string {
  return join(dirname(layerDir), SHIFTED_DIR, key, 'diff');
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() === true;
}

async function layerSize(layerDir: string): Promise<number> {
  try {
    return Number((JSON.parse(await readFile(join(dirname(layerDir), 'layer.json'), 'utf8')) as { size?: unknown }).size) || 0;
  } catch {
    return 0;
  }
}

async function makeShifted(layerDir: string, key: string, shift: IdShift, storage: IdMaps, paths: SandboxPaths): Promise<void> {
  const target = shiftedLayerDir(layerDir, key);
  const chain = basename(dirname(layerDir));
  await withLock(join(paths.data, 'locks', `keep-id-${chain}-${key}`), async () => {
    if (await isDir(target)) return;  // made by another run while we waited
    const parent = join(dirname(layerDir), SHIFTED_DIR);
    await mkdir(parent, { recursive: true, mode: 0o700 });
    // A staging directory of this key left by a run killed mid-copy: under the lock it is dead.
    const stale = (await readdir(parent)).filter((n) => n.startsWith(`.tmp-${key}-`)).map((n) => join(parent, n));
    if (stale.length > 0) await nativeUnpacker().remove(stale);
    const staging = join(parent, `.tmp-${key}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { mode: 0o700 });
    try {
      await shiftCopy(layerDir, join(staging, 'diff'), shift, { maps: storage });
      const record: ShiftRecord = { layer: chain, key, shift, size: await layerSize(layerDir), createdAt: new Date().toISOString() };
      await writeJsonAtomic(join(staging, 'shift.json'), record);
      await rename(staging, dirname(target));
    } catch (err) {
      await nativeUnpacker().remove([staging]).catch(() => undefined);
      throw err;
    }
  }, COPY_LOCK_TIMEOUT_MS);
}

/**
 * The image's layers as the container's map (`target`) must see them to show the image's own
 * owners: each layer's shifted copy, made now when missing. `storage` is the map the layers
 * were unpacked with (the copier runs under it). Bottom first, like layerDirs.
 */
export async function shiftedLayerDirs(layerDirs: string[], storage: IdMaps, target: IdMaps, paths: SandboxPaths): Promise<string[]> {
  const key = shiftKey(storage, target);
  const shift = idShift(storage, target);
  const out = layerDirs.map((l) => shiftedLayerDir(l, key));
  // The common case, every run after the first: one stat per layer, no lock.
  const missing = (await Promise.all(layerDirs.map(async (l, i) => ((await isDir(out[i]!)) ? undefined : l)))).filter((l) => l !== undefined);
  // Copies are mostly I/O in their own processes: a few layers at once, as pulls unpack them.
  await inPool(missing, COPIES_AT_ONCE, (l) => makeShifted(l, key, shift, storage, paths));
  return out;
}

/** Bytes held by the shifted copies of the layer at layers/<chain> (system df, rmi's reclaimed space). */
export async function shiftedCopiesSize(layerPath: string): Promise<number> {
  const parent = join(layerPath, SHIFTED_DIR);
  let total = 0;
  for (const key of await readdir(parent).catch(() => [] as string[])) {
    if (key.startsWith('.')) continue;
    try {
      total += Number((JSON.parse(await readFile(join(parent, key, 'shift.json'), 'utf8')) as ShiftRecord).size) || 0;
    } catch {
      /* not a finished copy */
    }
  }
  return total;
}
