// `rmi` and `image prune` as docker's daemon decides them (daemon/images/image_delete.go):
// removing a name only untags while other names remain; removing the last name, or an id,
// deletes the image unless a container uses it; -f overrides a stopped container and multiple
// repositories, never a running container. Pure: the index and the containers in, the new
// index, the lines to print and the removed records out (store.removeImages applies it).
import { ImageError } from '../errors.js';
import type { ContainerRecord } from '../state/containers.js';
import { lookupImage, type ImageIndex, type ImageRecord } from './image-index.js';
import { parseReference } from './reference.js';

export interface DeletePlan {
  index: ImageIndex;
  /** "Untagged: busybox:latest", "Deleted: sha256:..." (layer lines are added by the store). */
  lines: string[];
  removed: ImageRecord[];
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const familiar = (canonical: string) => parseReference(canonical).familiar;

function conflict(imageId: string, hard: boolean, message: string): ImageError {
  return new ImageError(`conflict: unable to delete ${short(imageId)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${message}`);
}

/** Every reference of an image: its tags, then its repo digests. */
function refsOf(img: ImageRecord): string[] {
  return [...img.names, ...(img.repoDigests ?? [])];
}

const repoOf = (canonical: string) => {
  const r = parseReference(canonical);
  return `${r.registry}/${r.repository}`;
};
const isDigestRef = (canonical: string) => canonical.includes('@');

/** docker's isSingleReference: at most one tag, and every reference in one repository. */
function isSingleReference(refs: string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tags = refs.filter((r) => !isDigestRef(r));
  if (tags.length > 1) return false;
  return new Set(refs.map(repoOf)).size === 1;
}

function usersOf(id: string, containers: readonly ContainerRecord[]): { running?: ContainerRecord; stopped?: ContainerRecord } {
  const using = containers.filter((c) => c.imageId === id);
  const running = using.find((c) => c.status === 'running');
  const stopped = using.find((c) => c.status !== 'running');
  return { ...(running ? { running } : {}), ...(stopped ? { stopped } : {}) };
}

function withImage(index: ImageIndex, id: string, change: (img: ImageRecord) => ImageRecord | undefined): ImageIndex {
  const images: ImageRecord[] = [];
  for (const img of index.images) {
    if (img.id !== id) images.push(img);
    else {
      const next = change(img);
      if (next) images.push(next);
    }
  }
  return { version: 1, images };
}

function dropRef(img: ImageRecord, ref: string): ImageRecord {
  const next: ImageRecord = { ...img, names: img.names.filter((n) => n !== ref) };
  if (img.repoDigests) next.repoDigests = img.repoDigests.filter((n) => n !== ref);
  return next;
}

/** The canonical reference a named target removes: a tag, or `repo@digest`. */
function targetRef(target: string): string {
  const r = parseReference(target);
  return r.digest !== undefined ? `${r.registry}/${r.repository}@${r.digest}` : r.canonical;
}

/** Plan `rmi [-f] target`. Throws docker's conflict or "No such image" errors. */
export function planImageDelete(index: ImageIndex, target: string, force: boolean, containers: readonly ContainerRecord[]): DeletePlan {
  let img: ImageRecord;
  try {
    img = lookupImage(index, target);
  } catch (err) {
    if (err instanceof ImageError && /^(Unable to find image|No such image)/.test(err.message)) {
      let shown = target;
      try {
        shown = parseReference(target).familiar;
      } catch {
        /* an id: shown as typed */
      }
      throw new ImageError(`No such image: ${shown}`);
    }
    throw err;
  }
  const lines: string[] = [];
  let current = index;
  let refs = refsOf(img);
  const users = usersOf(img.id, containers);
  const byId = img.id.startsWith(target) || img.id.slice('sha256:'.length).startsWith(target);

  if (!byId) {
    if (!force && isSingleReference(refs) && (users.running ?? users.stopped)) {
      const user = (users.running ?? users.stopped)!;
      throw new ImageError(`conflict: unable to remove repository reference "${target}" (must force) - container ${short(user.id)} is using its referenced image ${short(img.id)}`);
    }
    const ref = targetRef(target);
    img = dropRef(img, ref);
    lines.push(`Untagged: ${familiar(ref)}`);
    // A tag removed and no other tag in its repository: its digest references go too.
    if (!isDigestRef(ref) && !img.names.some((n) => repoOf(n) === repoOf(ref))) {
      for (const d of (img.repoDigests ?? []).filter((n) => repoOf(n) === repoOf(ref))) {
        img = dropRef(img, d);
        lines.push(`Untagged: ${familiar(d)}`);
      }
    }
    refs = refsOf(img);
    const untagged = img;
    current = withImage(current, img.id, () => untagged);
    if (refs.length > 0) return { index: current, lines, removed: [] };
    // The last name is gone. A container still using the image keeps it (dangling), as docker does.
    if (users.running ?? (users.stopped && !force)) return { index: current, lines, removed: [] };
  } else {
    if (isSingleReference(refs)) {
      if (users.running) throw conflict(img.id, true, `image is being used by running container ${short(users.running.id)}`);
      if (!force && users.stopped) throw conflict(img.id, false, `image is being used by stopped container ${short(users.stopped.id)}`);
    }
    if (users.running) throw conflict(img.id, true, `image is being used by running container ${short(users.running.id)}`);
    if (!force && refs.length > 0) throw conflict(img.id, false, 'image is referenced in multiple repositories');
    if (!force && users.stopped) throw conflict(img.id, false, `image is being used by stopped container ${short(users.stopped.id)}`);
    for (const r of refs) lines.push(`Untagged: ${familiar(r)}`);
  }
  lines.push(`Deleted: ${img.id}`);
  const removed = img;
  return { index: withImage(current, img.id, () => undefined), lines, removed: [removed] };
}

/** `image prune`: dangling images (or, with all, every image) no container uses. */
export function planPrune(index: ImageIndex, all: boolean, containers: readonly ContainerRecord[]): DeletePlan {
  const used = new Set(containers.map((c) => c.imageId));
  const lines: string[] = [];
  const removed: ImageRecord[] = [];
  const kept: ImageRecord[] = [];
  for (const img of index.images) {
    if (used.has(img.id) || (!all && img.names.length > 0)) {
      kept.push(img);
      continue;
    }
    for (const r of refsOf(img)) lines.push(`untagged: ${familiar(r)}`);
    lines.push(`deleted: ${img.id}`);
    removed.push(img);
  }
  return { index: { version: 1, images: kept }, lines, removed };
}
