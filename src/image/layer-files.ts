// Read a small file of an image (its /etc/passwd, /etc/group) straight from the unpacked
// layers, without mounting anything: look top-most layer first, and stop where a layer hides
// the path with a whiteout (char device 0:0). Known gap: an opaque directory (an xattr, which
// Node cannot read without the addon) in an upper layer that lacks the file would let a lower
// layer's copy show through; images almost never drop /etc/passwd that way.
// Synchronous calls: a handful of lstats and two small reads on the path of every `run`, where
// each fs/promises call would be a thread-pool round trip.
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** lstat, or undefined when it fails. A missing path (most lookups, in all but one layer) is
 *  answered without an exception: an error object with its stack costs more than the call. */
function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR, EACCES...: not there for us either
  }
}

function whiteoutState(p: string): 'whiteout' | 'present' | 'absent' {
  const st = lstatOrUndefined(p);
  if (!st) return 'absent';
  return st.isCharacterDevice() && st.rdev === 0 ? 'whiteout' : 'present';
}

/** Text of `path` in the image whose layers are `layerDirs` (bottom-most first), or undefined. */
export async function readImageFile(layerDirs: string[], path: string, maxBytes = 1 << 20): Promise<string | undefined> {
  const parts = path.split('/').filter(Boolean);
  for (let i = layerDirs.length - 1; i >= 0; i--) {
    const root = layerDirs[i]!;
    for (let k = 1; k <= parts.length; k++) {
      const state = whiteoutState(join(root, ...parts.slice(0, k)));
      if (state === 'whiteout') return undefined;
      if (state === 'absent') break;
    }
    const full = join(root, ...parts);
    const st = lstatOrUndefined(full);
    if (!st) continue; // not in this layer: look lower
    if (!st.isFile() || st.size > maxBytes) return undefined;
    try {
      return readFileSync(full, 'utf8');
    } catch {
      /* unreadable in this layer: look lower */
    }
  }
  return undefined;
}
