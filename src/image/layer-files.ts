// Read a small file of an image (its /etc/passwd, /etc/group) straight from the unpacked
// layers, without mounting anything: look top-most layer first, and stop where a layer hides
// the path with a whiteout (char device 0:0). Known gap: an opaque directory (an xattr, which
// Node cannot read without the addon) in an upper layer that lacks the file would let a lower
// layer's copy show through; images almost never drop /etc/passwd that way.
// Synchronous calls: a handful of lstats and two small reads on the path of every `run`, where
// each fs/promises call would be a thread-pool round trip.
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function whiteoutState(p: string): 'whiteout' | 'present' | 'absent' {
  try {
    const st = lstatSync(p);
    return st.isCharacterDevice() && st.rdev === 0 ? 'whiteout' : 'present';
  } catch {
    return 'absent';
  }
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
    try {
      const st = lstatSync(full);
      if (!st.isFile() || st.size > maxBytes) return undefined;
      return readFileSync(full, 'utf8');
    } catch {
      /* not in this layer: look lower */
    }
  }
  return undefined;
}
