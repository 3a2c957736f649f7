// The id shift of a keep-id copy (docs/storage.md, "keep-id without FUSE"). Layers are unpacked
// under the default map (image id i is on disk as default(i)); a container under another map
// (keep-id) shows disk owner h as target⁻¹(h). For it to show image id i, the file must be on
// disk as target(i). The copy runs in a namespace with the default map, where the file shows
// as i and must be chowned to default⁻¹(target(i)): that function is the shift. Pure.
import { createHash } from 'node:crypto';
import { formatIdMap, type IdMaps, type IdRange } from '../runtime/idmap.js';

/** A shift as ranges: containerID = the id found, hostID = the id to give, in the copier's namespace. */
export interface IdShift {
  uids: IdRange[];
  gids: IdRange[];
}

/**
 * from⁻¹ ∘ to, one axis: for image id i with host id to(i), the namespace id from⁻¹(to(i)).
 * Ids `to` maps to a host id `from` doesn't know are left out (the copy then refuses a file
 * owned by one, naming it).
 */
export function shiftAxis(from: IdRange[], to: IdRange[]): IdRange[] {
  const out: IdRange[] = [];
  for (const t of to) {
    for (const f of from) {
      const lo = Math.max(t.hostID, f.hostID);
      const hi = Math.min(t.hostID + t.size, f.hostID + f.size);
      if (lo >= hi) continue;
      out.push({ containerID: t.containerID + (lo - t.hostID), hostID: f.containerID + (lo - f.hostID), size: hi - lo });
    }
  }
  return out.sort((a, b) => a.containerID - b.containerID);
}

export function idShift(storage: IdMaps, target: IdMaps): IdShift {
  return { uids: shiftAxis(storage.uidMappings, target.uidMappings), gids: shiftAxis(storage.gidMappings, target.gidMappings) };
}

/** True when the shift moves no id (the maps agree): no copy is needed. */
export function isIdentity(s: IdShift): boolean {
  return [...s.uids, ...s.gids].every((r) => r.containerID === r.hostID);
}

/**
 * The store key of copies made with this shift: the same maps (and so the same shift) share
 * copies, a changed /etc/subuid makes new ones. Both maps go in, not only the shift: the
 * copier's namespace (the storage map) must be the one the layers were unpacked with.
 */
export function shiftKey(storage: IdMaps, target: IdMaps): string {
  const text = ['u', formatIdMap(storage.uidMappings), formatIdMap(target.uidMappings), 'g', formatIdMap(storage.gidMappings), formatIdMap(target.gidMappings)].join(' ');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** --shift-uids/--shift-gids for sandbox-monitor vfs-copy and shift-copy. */
export function shiftArgs(s: IdShift): string[] {
  return ['--shift-uids', formatIdMap(s.uids), '--shift-gids', formatIdMap(s.gids)];
}
