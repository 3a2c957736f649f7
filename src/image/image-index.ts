// The image index (images/index.json): which images the store holds, their names, and the
// layers they stand on. Pure functions over the parsed document; store.ts does the reading and
// the locked, atomic writing.
import { ImageError } from '../errors.js';
import { isDigest, type Digest } from './digest.js';
import { parseReference, sameRepository, type ImageReference } from './reference.js';

export interface LayerRecord {
  /** sha256 of the uncompressed layer tar. */
  diffId: Digest;
  /** Names the unpacked directory layers/<chain hex>/diff. */
  chainId: Digest;
  /** Bytes of the uncompressed layer tar. */
  size: number;
  /** The stored blob (possibly compressed) and its media type, kept for save and push. */
  digest: Digest;
  mediaType: string;
}

export interface ImageRecord {
  /** sha256:<config digest hex>, docker's image id. */
  id: Digest;
  /** Canonical references (docker.io/library/busybox:latest); empty for a dangling image. */
  names: string[];
  manifestDigest: Digest;
  configDigest: Digest;
  /** The config's `created`, or the time of loading when the config has none. */
  created: string;
  /** Bottom-most first. */
  layers: LayerRecord[];
  /**
   * Canonical `registry/repository@sha256:...` under which a registry serves this image (set by
   * pull and push; docker's RepoDigests). For an image pulled through a multi-platform index the
   * digest is the index's, as docker records it.
   */
  repoDigests?: string[];
  /** The image index (manifest list) the manifest was chosen from, when pulled through one. */
  indexDigest?: Digest;
}

export interface ImageIndex {
  version: 1;
  images: ImageRecord[];
}

export function emptyIndex(): ImageIndex {
  return { version: 1, images: [] };
}

function validRecord(r: unknown): r is ImageRecord {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Record<string, unknown>;
  return (
    isDigest(x.id) &&
    isDigest(x.manifestDigest) &&
    isDigest(x.configDigest) &&
    typeof x.created === 'string' &&
    Array.isArray(x.names) &&
    x.names.every((n) => typeof n === 'string') &&
    Array.isArray(x.layers) &&
    x.layers.every((l) => typeof l === 'object' && l !== null && isDigest((l as LayerRecord).diffId) && isDigest((l as LayerRecord).chainId)) &&
    (x.repoDigests === undefined || (Array.isArray(x.repoDigests) && x.repoDigests.every((n) => typeof n === 'string'))) &&
    (x.indexDigest === undefined || isDigest(x.indexDigest))
  );
}

/** Parse index.json; `where` names the file in the error. */
export function parseIndex(text: string, where: string): ImageIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const d = doc as Partial<ImageIndex> | undefined;
  if (!d || d.version !== 1 || !Array.isArray(d.images) || !d.images.every(validRecord)) {
    throw new ImageError(`image index ${where} is corrupt; move it aside and load or pull your images again`);
  }
  return { version: 1, images: d.images };
}

/**
 * Add (or refresh) an image. Its names are taken away from any other image first, as
 * `docker load` and `docker tag` do: a name always points at the image recorded last. An image
 * left without names stays, dangling, until it is removed.
 */
export function recordImage(index: ImageIndex, record: ImageRecord): ImageIndex {
  const taken = new Set(record.names);
  const images: ImageRecord[] = [];
  let merged = false;
  for (const img of index.images) {
    if (img.id === record.id) {
      const names = [...img.names.filter((n) => !taken.has(n)), ...record.names];
      const merged1: ImageRecord = { ...record, names };
      const digests = [...new Set([...(img.repoDigests ?? []), ...(record.repoDigests ?? [])])];
      if (digests.length > 0) merged1.repoDigests = digests;
      const indexDigest = record.indexDigest ?? img.indexDigest;
      if (indexDigest !== undefined) merged1.indexDigest = indexDigest;
      images.push(merged1);
      merged = true;
    } else {
      images.push({ ...img, names: img.names.filter((n) => !taken.has(n)) });
    }
  }
  if (!merged) images.push({ ...record, names: [...new Set(record.names)] });
  return { version: 1, images };
}

/**
 * The image a reference names: by tag; or by digest, through the repo digests a pull or push
 * recorded, or the manifest (or index) digest of an image named in the same repository.
 */
export function findByReference(index: ImageIndex, ref: ImageReference): ImageRecord | undefined {
  if (ref.digest === undefined) return index.images.find((img) => img.names.includes(ref.canonical));
  const repoDigest = `${ref.registry}/${ref.repository}@${ref.digest}`;
  return index.images.find(
    (img) =>
      img.names.includes(ref.canonical) ||
      (img.repoDigests ?? []).includes(repoDigest) ||
      ((img.manifestDigest === ref.digest || img.indexDigest === ref.digest) &&
        [...img.names, ...(img.repoDigests ?? [])].some((n) => sameRepository(parseReference(n), ref))),
  );
}

/** Give `name` (canonical) to image `id`, taking it from any other image (docker tag). Pure. */
export function tagImage(index: ImageIndex, id: Digest, name: string): ImageIndex {
  return {
    version: 1,
    images: index.images.map((img) => {
      const names = img.names.filter((n) => n !== name);
      if (img.id === id) names.push(name);
      return { ...img, names };
    }),
  };
}

/** Blobs and chain ids some image of the index still needs. */
export function referencedObjects(index: ImageIndex): { blobs: Set<Digest>; chains: Set<Digest> } {
  const blobs = new Set<Digest>();
  const chains = new Set<Digest>();
  for (const img of index.images) {
    blobs.add(img.manifestDigest);
    blobs.add(img.configDigest);
    for (const l of img.layers) {
      blobs.add(l.digest);
      chains.add(l.chainId);
    }
  }
  return { blobs, chains };
}

/** Images whose id starts with `prefix` (hex, without the sha256: part). */
export function findByIdPrefix(index: ImageIndex, prefix: string): ImageRecord[] {
  return index.images.filter((img) => img.id.slice('sha256:'.length).startsWith(prefix));
}

/** The image a name or id names is not in the store (run pulls it; rmi says "No such image"). */
export class ImageNotFoundError extends ImageError {}

/** Shortest id prefix accepted: docker prints 12, people type fewer; 4 keeps typos from matching. */
export const MIN_ID_PREFIX = 4;

function byId(index: ImageIndex, input: string, hex: string): ImageRecord {
  const found = findByIdPrefix(index, hex);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new ImageError(`image id prefix '${input}' is ambiguous: it matches ${found.length} images; give more characters of the id`);
  }
  throw new ImageNotFoundError(`No such image: ${input}`);
}

/**
 * Find the image `refOrId` names, in docker's order: a full or prefixed `sha256:` id, then a name
 * (normalised, so `busybox` finds docker.io/library/busybox:latest), then a bare hex id prefix.
 */
export function lookupImage(index: ImageIndex, refOrId: string): ImageRecord {
  const sha = /^sha256:([0-9a-f]+)$/.exec(refOrId);
  if (sha) {
    if (sha[1]!.length < MIN_ID_PREFIX) throw new ImageError(`image id '${refOrId}' is too short: give at least ${MIN_ID_PREFIX} hex characters`);
    return byId(index, refOrId, sha[1]!);
  }
  if (/^[0-9a-f]{64}$/.test(refOrId)) return byId(index, refOrId, refOrId);

  const isHexPrefix = refOrId.length >= MIN_ID_PREFIX && /^[0-9a-f]+$/.test(refOrId);
  let ref: ImageReference;
  try {
    ref = parseReference(refOrId);
  } catch (err) {
    if (isHexPrefix) return byId(index, refOrId, refOrId);
    throw err;
  }
  const named = findByReference(index, ref);
  if (named) return named;
  if (isHexPrefix && findByIdPrefix(index, refOrId).length > 0) return byId(index, refOrId, refOrId);
  throw new ImageNotFoundError(`Unable to find image '${ref.familiar}' locally`, `Pull it with 'sandbox pull ${ref.familiar}', or load it with 'sandbox load -i ARCHIVE'.`);
}
