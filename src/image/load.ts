// `sandbox load`: an archive (docker-archive or oci-archive, file or stdin) into the store.
// Order, and why:
//  1. stage every member in tmp/ while hashing it (stdin can't be rewound; see archive-source);
//  2. plan each image from the archive's JSON, verifying manifests, configs and OCI blobs
//     against their digests before anything is trusted;
//  3. import every layer: hash the uncompressed tar against the config's diff id while the
//     native unpacker reads it, publish layers/<chain> only on a match;
//  4. publish the blobs (config, manifest, layers) and only then record the images, all in one
//     index write: any failure before that leaves no trace of the images in the index.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ImageError } from '../errors.js';
import {
  MEDIA,
  checkOciLayout,
  detectFormat,
  digestInMemberName,
  namesFromAnnotations,
  namesFromRepoTags,
  normalizeMemberPath,
  parseDockerManifest,
  parseJson,
  parseManifestDoc,
  parseOciIndex,
  synthesizeDockerManifest,
  type Descriptor,
  type MemberTable,
} from './archive.js';
import { openArchive, stageMembers } from './archive-source.js';
import { parseImageConfig, type ImageConfig } from './config.js';
import type { DecompressOptions } from './decompress.js';
import { chainIds, digestHex, type Digest } from './digest.js';
import type { ImageRecord, LayerRecord } from './image-index.js';
import { importLayer, type ImportedLayer } from './layer-import.js';
import { formatPlatform, hostPlatform, selectPlatform, type Platform } from './platform.js';
import { parseReference } from './reference.js';
import type { ImageStore, StagedFile } from './store.js';
import type { Unpacker } from './unpacker.js';
import { inPool } from './pool.js';

export interface LoadResult {
  images: { id: string; names: string[] }[];
}

export interface LoadOptions {
  /** Called with one line per notable event the user should see (device nodes skipped, ...). */
  onNotice?: (line: string) => void;
  /** Which image of a multi-platform index to load; the host's by default. */
  platform?: Platform;
  /** Layers imported at once. */
  concurrency?: number;
  /** How zstd layers are decompressed (tests). */
  decompress?: DecompressOptions;
}

interface PlannedBlob {
  what: string;
  file: StagedFile;
}

interface PlannedLayer extends PlannedBlob {
  diffId: Digest;
  chainId: Digest;
  parent: Digest | null;
  /** From the manifest (OCI); empty for docker-archive, where compression decides. */
  mediaType: string;
}

interface ImagePlan {
  id: Digest;
  names: string[];
  config: ImageConfig;
  configBlob: PlannedBlob;
  /** Absent for docker-archive: synthesised once the layers' compression is known. */
  manifest?: { digest: Digest; blob: PlannedBlob };
  /** Indexes on the way to the manifest (multi-platform oci-archives). */
  extraBlobs: PlannedBlob[];
  layers: PlannedLayer[];
}

/** Manifests and configs are read whole into memory; none is legitimately this large. */
const MAX_JSON_MEMBER = 32 << 20;

async function readSmall(file: StagedFile, what: string): Promise<Buffer> {
  if (file.size > MAX_JSON_MEMBER) throw new ImageError(`${what} is ${file.size} bytes, too large for a manifest or config; the archive is not an image`);
  return readFile(file.path);
}

function memberOrFail(members: MemberTable<StagedFile>, path: string, what: string): StagedFile {
  const f = members.file(path);
  if (!f) throw new ImageError(`the archive is missing ${path} (${what}); it is incomplete or not an image archive`);
  return f;
}

function verified(file: StagedFile, expected: Digest, what: string, size?: number): StagedFile {
  if (file.digest !== expected) {
    throw new ImageError(`${what} failed verification: expected digest ${expected}, content is ${file.digest}; the archive is corrupt`);
  }
  if (size !== undefined && file.size !== size) {
    throw new ImageError(`${what} failed verification: the descriptor says ${size} bytes, the blob has ${file.size}; the archive is corrupt`);
  }
  return file;
}

function layersOf(config: ImageConfig, count: number, what: string): { diffId: Digest; chainId: Digest; parent: Digest | null }[] {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== count) {
    throw new ImageError(`${what} lists ${diffIds.length} diff ids for ${count} layers; the archive is inconsistent`);
  }
  const chains = chainIds(diffIds);
  return diffIds.map((diffId, i) => ({ diffId, chainId: chains[i]!, parent: i === 0 ? null : chains[i - 1]! }));
}

// ---- planning -------------------------------------------------------------------------------

async function planDockerArchive(members: MemberTable<StagedFile>): Promise<ImagePlan[]> {
  const manifestFile = memberOrFail(members, 'manifest.json', 'the image list');
  const entries = parseDockerManifest(parseJson(await readSmall(manifestFile, 'manifest.json'), 'manifest.json'));
  const plans: ImagePlan[] = [];
  for (const entry of entries) {
    const configFile = memberOrFail(members, entry.config, 'an image config');
    const named = digestInMemberName(entry.config);
    if (named) verified(configFile, named, `image config ${entry.config}`);
    const config = parseImageConfig(await readSmall(configFile, entry.config), entry.config);
    const stack = layersOf(config, entry.layers.length, `image config ${entry.config}`);
    const layers = entry.layers.map((path, i): PlannedLayer => {
      const file = memberOrFail(members, path, `layer ${i}`);
      // Only an OCI-layout blob path promises its content digest; `<id>/layer.tar` and
      // `<hex>.tar` names are not checked (the diff id check below covers the content).
      const named = normalizeMemberPath(path).startsWith('blobs/') ? digestInMemberName(path) : undefined;
      if (named) verified(file, named, `layer ${path}`);
      return { what: `${path} (diff id ${stack[i]!.diffId})`, file, mediaType: '', ...stack[i]! };
    });
    plans.push({
      id: configFile.digest,
      names: namesFromRepoTags(entry.repoTags),
      config,
      configBlob: { what: `image config ${entry.config}`, file: configFile },
      extraBlobs: [],
      layers,
    });
  }
  return plans;
}

async function planOciArchive(members: MemberTable<StagedFile>, platform: Platform): Promise<ImagePlan[]> {
  checkOciLayout(parseJson(await readSmall(memberOrFail(members, 'oci-layout', 'the OCI layout marker'), 'oci-layout'), 'oci-layout'));
  const top = parseOciIndex(parseJson(await readSmall(memberOrFail(members, 'index.json', 'the image index'), 'index.json'), 'index.json'), 'index.json');
  if (top.length === 0) throw new ImageError('index.json of the oci-archive lists no images');

  const blob = (d: Descriptor, what: string): StagedFile =>
    verified(memberOrFail(members, `blobs/sha256/${digestHex(d.digest)}`, what), d.digest, `${what} ${d.digest}`, d.size);

  const byManifest = new Map<Digest, ImagePlan>();
  for (const entry of top) {
    const names = namesFromAnnotations(entry.annotations);
    const extraBlobs: PlannedBlob[] = [];
    let desc = entry;
    // Follow indexes down to the manifest for our platform (bounded: an index may not nest deep).
    for (let depth = 0; ; depth++) {
      if (depth > 4) throw new ImageError(`image index ${entry.digest} nests more than 4 levels deep; the archive is not a usable image`);
      const file = blob(desc, 'manifest');
      const doc = parseManifestDoc(parseJson(await readSmall(file, desc.digest), `manifest ${desc.digest}`), desc.mediaType, `manifest ${desc.digest}`);
      if (doc.kind === 'manifest') {
        const existing = byManifest.get(desc.digest);
        if (existing) {
          existing.names = [...new Set([...existing.names, ...names])];
          break;
        }
        const configFile = blob(doc.config, 'image config');
        const config = parseImageConfig(await readSmall(configFile, doc.config.digest), doc.config.digest);
        const stack = layersOf(config, doc.layers.length, `image config ${doc.config.digest}`);
        const layers = doc.layers.map((l, i): PlannedLayer => ({ what: l.digest, file: blob(l, 'layer'), mediaType: l.mediaType, ...stack[i]! }));
        byManifest.set(desc.digest, {
          id: doc.config.digest,
          names,
          config,
          configBlob: { what: `image config ${doc.config.digest}`, file: configFile },
          manifest: { digest: desc.digest, blob: { what: `manifest ${desc.digest}`, file } },
          extraBlobs,
          layers,
        });
        break;
      }
      extraBlobs.push({ what: `image index ${desc.digest}`, file });
      const chosen = selectPlatform(doc.manifests, platform);
      if (!chosen) {
        const offered = doc.manifests.map((m) => (m.platform ? formatPlatform({ os: m.platform.os ?? '?', architecture: m.platform.architecture ?? '?' }) : '?')).join(', ');
        throw new ImageError(`image index ${desc.digest} has no image for ${formatPlatform(platform)} (it has: ${offered || 'none'})`);
      }
      desc = chosen;
    }
  }
  return [...byManifest.values()];
}

/** Images with the same config are one image (docker: same id); their names join. */
function mergeById(plans: ImagePlan[]): ImagePlan[] {
  const byId = new Map<Digest, ImagePlan>();
  for (const p of plans) {
    const seen = byId.get(p.id);
    if (seen) seen.names = [...new Set([...seen.names, ...p.names])];
    else byId.set(p.id, p);
  }
  return [...byId.values()];
}

// ---- importing and committing ------------------------------------------------------------

function layerMediaType(planned: string, imported: ImportedLayer): string {
  if (planned !== '') return planned;
  return imported.compression === 'gzip' ? MEDIA.dockerLayerGzip : MEDIA.dockerLayerTar;
}

async function commitBlobs(store: ImageStore, blobs: PlannedBlob[], done: Set<Digest>): Promise<void> {
  for (const b of blobs) {
    if (done.has(b.file.digest)) continue;
    if (!(await store.hasBlob(b.file.digest))) await store.commitBlob(b.file, b.file.digest, b.what);
    done.add(b.file.digest);
  }
}

/** Load every image of an archive into the store; returns what was loaded, with canonical names. */
export async function loadArchive(source: string | Readable, store: ImageStore, unpacker: Unpacker, opts: LoadOptions = {}): Promise<LoadResult> {
  const src = await openArchive(source);
  await store.init();
  await store.removeStaleTemp(unpacker);
  const dir = await store.makeTempDir('load');
  try {
    const members = await stageMembers(src, store, dir);
    const format = detectFormat((p) => members.has(p));
    if (!format) {
      throw new ImageError(`${src.name} is neither a docker-archive (no manifest.json) nor an oci-archive (no index.json); pass an archive made by docker save, podman save or skopeo`);
    }
    const plans = mergeById(format === 'docker-archive' ? await planDockerArchive(members) : await planOciArchive(members, opts.platform ?? hostPlatform()));

    // Each chain id is imported once, however many images of the archive share it.
    const jobs = new Map<Digest, PlannedLayer>();
    for (const p of plans) for (const l of p.layers) if (!jobs.has(l.chainId)) jobs.set(l.chainId, l);
    const imported = new Map<Digest, ImportedLayer>();
    await inPool([...jobs.values()], opts.concurrency ?? 3, async (l) => {
      const result = await importLayer(store, unpacker, { what: l.what, file: l.file.path, diffId: l.diffId, chainId: l.chainId, parent: l.parent }, opts.decompress);
      for (const s of result.skipped) opts.onNotice?.(`layer ${l.diffId}: skipped ${s.path}: ${s.reason}`);
      imported.set(l.chainId, result);
    });

    const records: ImageRecord[] = [];
    const committed = new Set<Digest>();
    for (const p of plans) {
      const layers: LayerRecord[] = p.layers.map((l) => {
        const got = imported.get(l.chainId)!;
        return { diffId: l.diffId, chainId: l.chainId, size: got.size, digest: l.file.digest, mediaType: layerMediaType(l.mediaType, got) };
      });
      let manifest = p.manifest;
      if (!manifest) {
        // Descriptor sizes are the blobs' (compressed) sizes, not the tars'.
        const text = synthesizeDockerManifest(
          p.configBlob.file,
          p.layers.map((l, i) => ({ digest: l.file.digest, size: l.file.size, mediaType: layers[i]!.mediaType })),
        );
        const file = await store.stage(Buffer.from(text), join(dir, `manifest-${digestHex(p.id)}`));
        manifest = { digest: file.digest, blob: { what: 'generated manifest', file } };
      }
      await commitBlobs(store, [...p.layers, p.configBlob, manifest.blob, ...p.extraBlobs], committed);
      records.push({
        id: p.id,
        names: p.names,
        manifestDigest: manifest.digest,
        configDigest: p.id,
        created: p.config.created ?? new Date().toISOString(),
        layers,
      });
    }
    await store.recordImages(records);
    return { images: records.map((r) => ({ id: r.id, names: r.names })) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** docker's report of a load: `Loaded image: busybox:latest` per name, `Loaded image ID: sha256:...` when untagged. */
export function loadedLines(result: LoadResult): string[] {
  return result.images.flatMap((img) =>
    img.names.length === 0 ? [`Loaded image ID: ${img.id}`] : img.names.map((n) => `Loaded image: ${parseReference(n).familiar}`),
  );
}
