// The two archive formats `sandbox load` reads, as pure functions over their JSON documents:
//  - docker-archive (`docker save`, `skopeo copy ... docker-archive:`): manifest.json lists each
//    image's Config, RepoTags and Layers; layers are `<id>/layer.tar` (docker before 25, often
//    symlinks to a shared file), `<hex>.tar` (skopeo) or `blobs/sha256/<hex>` (docker 25+).
//  - oci-archive (an OCI image layout in a tar): oci-layout, index.json, blobs/sha256/<hex>;
//    an index entry may itself be an index (multi-platform), names come from annotations.
// Nothing here touches the disk; load.ts stages the members and calls these.
import { posix } from 'node:path';
import { ImageError } from '../errors.js';
import { checkDigest, type Digest } from './digest.js';
import { parseReference } from './reference.js';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayerTar: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

const LAYER_MEDIA = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  MEDIA.dockerLayerGzip,
  MEDIA.dockerLayerTar,
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);
const CONFIG_MEDIA = new Set<string>([MEDIA.ociConfig, MEDIA.dockerConfig]);

export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_CONTAINERD_NAME = 'io.containerd.image.name';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ImageError(`${what} is not valid JSON (${(err as Error).message}); the archive is corrupt`);
  }
}

// ---- archive members ----------------------------------------------------------------------------

/** An archive member path in one spelling: no leading `./` or `/`, no trailing `/`, no `a/./b`. */
export function normalizeMemberPath(p: string): string {
  const n = posix.normalize(`/${p}`).replace(/^\/+/, '').replace(/\/+$/, '');
  return n;
}

export type Member<F> = { kind: 'file'; file: F } | { kind: 'symlink'; target: string } | { kind: 'hardlink'; target: string };

/**
 * The regular files, symlinks and hardlinks of an archive by normalised path. `F` is whatever
 * load.ts keeps per file (the staged copy). Later entries replace earlier ones, as in tar.
 */
export class MemberTable<F> {
  private readonly members = new Map<string, Member<F>>();

  addFile(path: string, file: F): void {
    this.members.set(normalizeMemberPath(path), { kind: 'file', file });
  }

  /** A symlink's target is relative to the link's directory (absolute: to the archive root). */
  addSymlink(path: string, target: string): void {
    const p = normalizeMemberPath(path);
    const base = target.startsWith('/') ? '' : posix.dirname(p);
    this.members.set(p, { kind: 'symlink', target: normalizeMemberPath(posix.join(base, target)) });
  }

  /** A hardlink's target is an archive path. */
  addHardlink(path: string, target: string): void {
    this.members.set(normalizeMemberPath(path), { kind: 'hardlink', target: normalizeMemberPath(target) });
  }

  has(path: string): boolean {
    return this.members.has(normalizeMemberPath(path));
  }

  /** The file at `path`, following links (at most 16, so a link loop ends). */
  file(path: string): F | undefined {
    let p = normalizeMemberPath(path);
    for (let hops = 0; hops <= 16; hops++) {
      const m = this.members.get(p);
      if (!m) return undefined;
      if (m.kind === 'file') return m.file;
      p = m.target;
    }
    return undefined;
  }

  get size(): number {
    return this.members.size;
  }
}

export type ArchiveFormat = 'docker-archive' | 'oci-archive';

/**
 * docker-archive when manifest.json is present (docker 25+ writes an OCI layout *and*
 * manifest.json; docker's own loader reads manifest.json first, and so do we), else oci-archive
 * when index.json is. Undefined for anything else.
 */
export function detectFormat(has: (path: string) => boolean): ArchiveFormat | undefined {
  if (has('manifest.json')) return 'docker-archive';
  if (has('index.json')) return 'oci-archive';
  return undefined;
}

// ---- docker-archive -----------------------------------------------------------------------------

export interface DockerArchiveImage {
  config: string;
  repoTags: string[];
  layers: string[];
}

/** manifest.json of a docker-archive. */
export function parseDockerManifest(doc: unknown): DockerArchiveImage[] {
  if (!Array.isArray(doc) || doc.length === 0) throw new ImageError('manifest.json of the docker-archive is not a non-empty list of images');
  return doc.map((e, i) => {
    const where = `manifest.json entry ${i}`;
    if (!isObject(e)) throw new ImageError(`${where} is not an object`);
    if (typeof e.Config !== 'string' || e.Config === '') throw new ImageError(`${where} has no Config path`);
    if (!Array.isArray(e.Layers) || !e.Layers.every((l) => typeof l === 'string' && l !== '')) throw new ImageError(`${where}: Layers must be a list of paths`);
    const tags = e.RepoTags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new ImageError(`${where}: RepoTags must be a list of names`);
    return { config: e.Config, repoTags: tags, layers: e.Layers as string[] };
  });
}

/** The digest a docker-archive member's name states, if any: `<hex>.json`, `<hex>.tar`, `blobs/sha256/<hex>`. */
export function digestInMemberName(path: string): Digest | undefined {
  const p = normalizeMemberPath(path);
  const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(p) ?? /^([0-9a-f]{64})\.(?:json|tar)$/.exec(p);
  return m ? (`sha256:${m[1]}` as Digest) : undefined;
}

/** Canonical names for RepoTags; a tag that isn't a valid reference refuses the archive. */
export function namesFromRepoTags(tags: string[]): string[] {
  return tags.map((t) => {
    const ref = parseReference(t);
    if (ref.digest !== undefined) throw new ImageError(`RepoTag '${t}' in manifest.json carries a digest; a tag is expected`);
    return ref.canonical;
  });
}

/**
 * A docker v2 schema 2 manifest for a docker-archive image (which ships none), so every image in
 * the store has a manifest blob for save and push. Deterministic: the same archive gives the
 * same digest.
 */
export function synthesizeDockerManifest(
  config: { digest: Digest; size: number },
  layers: { digest: Digest; size: number; mediaType: string }[],
): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: { mediaType: MEDIA.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  });
}

// ---- oci-archive ----------------------------------------------------------------------------

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

function parseDescriptor(d: unknown, where: string): Descriptor {
  if (!isObject(d)) throw new ImageError(`${where} is not a descriptor object`);
  const digest = checkDigest(d.digest, where);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new ImageError(`${where} has an invalid size`);
  const out: Descriptor = { mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest, size: d.size };
  if (isObject(d.annotations)) {
    out.annotations = Object.fromEntries(Object.entries(d.annotations).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));
  }
  if (isObject(d.platform)) {
    const p = d.platform;
    out.platform = {};
    if (typeof p.os === 'string') out.platform.os = p.os;
    if (typeof p.architecture === 'string') out.platform.architecture = p.architecture;
    if (typeof p.variant === 'string') out.platform.variant = p.variant;
  }
  return out;
}

export function checkOciLayout(doc: unknown): void {
  if (!isObject(doc) || typeof doc.imageLayoutVersion !== 'string') {
    throw new ImageError('oci-layout of the oci-archive is missing imageLayoutVersion; the archive is not an OCI image layout');
  }
  if (!doc.imageLayoutVersion.startsWith('1.')) {
    throw new ImageError(`oci-archive has image layout version ${doc.imageLayoutVersion}; only 1.x is supported`);
  }
}

/** An image index (index.json, or an index blob): its manifest descriptors. */
export function parseOciIndex(doc: unknown, what: string): Descriptor[] {
  if (!isObject(doc) || doc.schemaVersion !== 2 || !Array.isArray(doc.manifests)) {
    throw new ImageError(`${what} is not an OCI image index (schemaVersion 2 with a manifests list)`);
  }
  return doc.manifests.map((d, i) => parseDescriptor(d, `${what} manifests[${i}]`));
}

export type ManifestDoc = { kind: 'index'; manifests: Descriptor[] } | { kind: 'manifest'; config: Descriptor; layers: Descriptor[] };

/**
 * A manifest or index blob. The descriptor's media type decides; when it is absent the
 * document's own mediaType or shape does (older writers omit both).
 */
export function parseManifestDoc(doc: unknown, descriptorMediaType: string, what: string): ManifestDoc {
  if (!isObject(doc)) throw new ImageError(`${what} is not a JSON object`);
  const mt = descriptorMediaType || (typeof doc.mediaType === 'string' ? doc.mediaType : '');
  const isIndex = mt === MEDIA.ociIndex || mt === MEDIA.dockerList || (mt === '' && Array.isArray(doc.manifests));
  if (isIndex) return { kind: 'index', manifests: parseOciIndex(doc, what) };
  if (mt !== '' && mt !== MEDIA.ociManifest && mt !== MEDIA.dockerManifest) {
    throw new ImageError(`${what} has media type ${mt}, which is not a container image manifest`);
  }
  if (doc.schemaVersion !== 2 || !Array.isArray(doc.layers)) throw new ImageError(`${what} is not an image manifest (schemaVersion 2 with config and layers)`);
  const config = parseDescriptor(doc.config, `${what} config`);
  if (config.mediaType !== '' && !CONFIG_MEDIA.has(config.mediaType)) {
    throw new ImageError(`${what} has config media type ${config.mediaType}: not a container image (an artifact?)`);
  }
  const layers = doc.layers.map((l, i) => parseDescriptor(l, `${what} layers[${i}]`));
  for (const [i, l] of layers.entries()) {
    if (l.mediaType !== '' && !LAYER_MEDIA.has(l.mediaType)) throw new ImageError(`${what} layers[${i}] has unsupported media type ${l.mediaType}`);
  }
  return { kind: 'manifest', config, layers };
}

/**
 * Names an index entry gives its image. containerd's io.containerd.image.name is a full
 * reference. org.opencontainers.image.ref.name is a full reference when written by skopeo or
 * docker (`lab/busybox:v1`), but only a tag when written by umoci or buildah (`latest`); a bare
 * tag names no repository, so it gives no name (the image loads untagged, by id).
 */
export function namesFromAnnotations(annotations: Record<string, string> | undefined): string[] {
  const full = annotations?.[ANNOTATION_CONTAINERD_NAME];
  if (full) return [parseReference(full).canonical];
  const refName = annotations?.[ANNOTATION_REF_NAME];
  if (!refName || !/[/:]/.test(refName)) return [];
  const ref = parseReference(refName);
  return ref.digest === undefined ? [ref.canonical] : [];
}

/** Compression by magic number: media types in the wild are not always truthful. */
export type Compression = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2';

export function detectCompression(head: Uint8Array): Compression {
  const b = (i: number) => head[i];
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  return 'none';
}
