// The user-namespace id map for this user: podman's rootless map (container 0 -> the caller's
// own id, 1..N -> the caller's first subordinate range), or a single-id map when the user has
// no subordinate ids. Parsing is pure; reading /etc/subuid and /etc/subgid is the thin edge.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

export interface IdRange {
  containerID: number;
  hostID: number;
  size: number;
}

export interface IdMaps {
  uidMappings: IdRange[];
  gidMappings: IdRange[];
  /** false when the user has no subordinate range: only container id 0 exists. */
  subordinate: boolean;
}

/** First range in an /etc/subuid-style file for this user (matched by name or by number). */
export function findSubordinateRange(fileText: string, user: string, id: number): { start: number; count: number } | undefined {
  for (const line of fileText.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [who, start, count] = t.split(':');
    if (who !== user && who !== String(id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(c) && s >= 0 && c > 0) return { start: s, count: c };
  }
  return undefined;
}

export function buildIdMaps(
  uid: number,
  gid: number,
  subuid: { start: number; count: number } | undefined,
  subgid: { start: number; count: number } | undefined,
): IdMaps {
  if (!subuid || !subgid) {
    return { uidMappings: [{ containerID: 0, hostID: uid, size: 1 }], gidMappings: [{ containerID: 0, hostID: gid, size: 1 }], subordinate: false };
  }
  return {
    uidMappings: [{ containerID: 0, hostID: uid, size: 1 }, { containerID: 1, hostID: subuid.start, size: subuid.count }],
    gidMappings: [{ containerID: 0, hostID: gid, size: 1 }, { containerID: 1, hostID: subgid.start, size: subgid.count }],
    subordinate: true,
  };
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The caller's id maps, from /etc/subuid and /etc/subgid. */
export function currentIdMaps(): IdMaps {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  let name = String(uid);
  try {
    name = userInfo().username;
  } catch {
    /* a directory-service user unknown to this libc: match by number only */
  }
  return buildIdMaps(
    uid,
    gid,
    findSubordinateRange(readOrEmpty('/etc/subuid'), name, uid),
    findSubordinateRange(readOrEmpty('/etc/subgid'), name, gid),
  );
}

/** "0:1000:1,1:200000:65536": the form sandbox-monitor takes for --uidmap/--gidmap. */
export function formatIdMap(ranges: IdRange[]): string {
  return ranges.map((r) => `${r.containerID}:${r.hostID}:${r.size}`).join(',');
}

/** --userns=keep-id[:uid=N,gid=N]: the container ids your own host uid and gid appear as. */
export interface KeepIdOptions {
  uid: number;
  gid: number;
}

/**
 * One axis of podman's keep-id map (pkg/util GetKeepIDMapping). podman writes it against its
 * intermediate namespace (0 = you, 1..N = the subordinate range) as 0->1 size min(U,N),
 * U->0 size 1, U+1->U+1 size N-U; on the host that is: container 0..U-1 -> the first U
 * subordinate ids, container U -> you, container U+1..N -> the rest of the range. So the
 * container has N+1 ids, as under the default map, only with you moved from 0 to U.
 */
function keepIdAxis(inside: number, own: number, sub: { start: number; count: number }): IdRange[] {
  const below = Math.min(inside, sub.count);
  const out: IdRange[] = [];
  if (below > 0) out.push({ containerID: 0, hostID: sub.start, size: below });
  out.push({ containerID: inside, hostID: own, size: 1 });
  if (sub.count > inside) out.push({ containerID: inside + 1, hostID: sub.start + inside, size: sub.count - inside });
  return out;
}

/**
 * podman's --userns=keep-id map: inside, `keep.uid`/`keep.gid` (by default your own ids) are
 * you on the host, so files you create in binds are yours. It needs subordinate ids (the
 * container's root and every other id come from them); undefined without them.
 */
export function keepIdMaps(
  uid: number,
  gid: number,
  subuid: { start: number; count: number } | undefined,
  subgid: { start: number; count: number } | undefined,
  keep: KeepIdOptions = { uid, gid },
): IdMaps | undefined {
  if (!subuid || !subgid) return undefined;
  return { uidMappings: keepIdAxis(keep.uid, uid, subuid), gidMappings: keepIdAxis(keep.gid, gid, subgid), subordinate: true };
}

/** The subordinate ranges of the default map (its containerID 1 entries), for keepIdMaps. */
export function subordinateRanges(maps: IdMaps): { subuid?: { start: number; count: number }; subgid?: { start: number; count: number } } {
  const pick = (r: IdRange[]) => {
    const s = r.find((m) => m.containerID === 1);
    return s ? { start: s.hostID, count: s.size } : undefined;
  };
  const subuid = pick(maps.uidMappings);
  const subgid = pick(maps.gidMappings);
  return { ...(subuid ? { subuid } : {}), ...(subgid ? { subgid } : {}) };
}
