// `sandbox pull`: an image from a registry into the store. Order, and why:
//  1. the manifest by tag or digest (verified against a digest reference); an index or manifest
//     list picks the platform's manifest, fetched by digest and verified too;
//  2. the config (verified), which gives the diff ids and so the chain ids;
//  3. layers, a few at a time: each under a lock named by its chain id, so two pulls needing
//     the same layer download and unpack it once; the blob streams through sha256 into tmp/
//     and into the unpacker at once (registry/blob-fetch.ts); blob and layer directory are
//     published only when both digests match;
//  4. the manifest blob, then the image record: the index write is the moment the image exists.
// A process killed anywhere leaves temp files (removed by the next pull) and perhaps complete
// layers or blobs nobody references yet (reused by the next pull); never a half layer.
// Durability matches podman's containers-storage: blobs, layer.json and the index are fsynced
// before their rename, the unpacked files are not (no per-file fsync, no syncfs: a power cut
// right after a pull may lose layer contents, as it may for podman, whose layers are marked
// incomplete only until extraction ends; kill -9 at any point is safe).
import { join } from 'node:path';
import { ImageError } from '../errors.js';
import { withLock } from '../state/lock.js';
import type { Descriptor } from './archive.js';
import { MEDIA } from './archive.js';
import { parseImageConfig, type ImageConfig } from './config.js';
import type { DecompressOptions } from './decompress.js';
import { chainIds, digestHex, type Digest } from './digest.js';
import { findByReference, type ImageRecord, type LayerRecord } from './image-index.js';
import { startUnpack, startVerify } from './layer-import.js';
import { formatPlatform, hostPlatform, type Platform } from './platform.js';
import { silentProgress, type ProgressSink } from './pull-progress.js';
import { familiarRepository, parseReference, type ImageReference } from './reference.js';
import { downloadLayer, fetchSmallBlob } from './registry/blob-fetch.js';
import { RegistryClient } from './registry/client.js';
import { chooseFromIndex, MANIFEST_ACCEPT, parseRegistryManifest, verifyManifest } from './registry/manifest.js';
import { StoreRaceError, type ImageStore } from './store.js';
import type { Unpacker } from './unpacker.js';
import { inPool } from './pool.js';

export interface PullOptions {
  env: NodeJS.ProcessEnv;
  unpacker: Unpacker;
  /** The platform to pick from an index; the host's by default. */
  platform?: Platform;
  tlsVerify?: boolean;
  progress?: ProgressSink;
  /** Layers downloaded at once. */
  concurrency?: number;
  decompress?: DecompressOptions;
  /** Reuse a client (pull -a pulls many tags of one repository). */
  client?: RegistryClient;
}

export interface PullResult {
  ref: ImageReference;
  record: ImageRecord;
  /** The digest docker prints: the index's when pulled through one, else the manifest's. */
  digest: Digest;
  /** The name already pointed at this manifest and everything was in the store. */
  upToDate: boolean;
}

/** A layer's short id in pull output: 12 hex digits of its blob digest, as docker prints. */
export const shortId = (d: Digest) => digestHex(d).slice(0, 12);

/** How long a pull waits for another process unpacking the same layer. */
const LAYER_LOCK_TIMEOUT_MS = 30 * 60_000;

interface Resolved {
  manifestDigest: Digest;
  manifestBytes: Buffer;
  indexDigest?: Digest;
  config: Descriptor;
  layers: Descriptor[];
}

/** The registry's "no" to a manifest request, worded as docker words it. */
async function manifestFailure(client: RegistryClient, ref: ImageReference, res: Awaited<ReturnType<RegistryClient['getManifest']>>): Promise<ImageError> {
  const text = await client.errorText(res);
  const familiarRepo = familiarRepository(ref);
  if (res.status === 404) return new ImageError(`manifest for ${ref.familiar} not found: ${text}`);
  if (res.status === 401 || res.status === 403) {
    return new ImageError(`pull access denied for ${familiarRepo}, repository does not exist or may require 'sandbox login': ${text}`);
  }
  return new ImageError(`cannot get the manifest of ${ref.familiar} from ${client.registry}: ${text}`);
}

async function fetchManifest(client: RegistryClient, ref: ImageReference, reference: string, expected: Digest | undefined) {
  const res = await client.getManifest(ref.repository, reference, MANIFEST_ACCEPT);
  if (res.status !== 200) throw await manifestFailure(client, ref, res);
  const m = await client.readManifest(res);
  const what = expected ?? ref.familiar;
  const digest = verifyManifest(m.bytes, what, expected, m.headerDigest);
  return { digest, bytes: m.bytes, doc: parseRegistryManifest(m.bytes, m.mediaType, what) };
}

/** Steps 1: the manifest for this platform, through an index when there is one. */
async function resolveManifest(client: RegistryClient, ref: ImageReference, platform: Platform): Promise<Resolved> {
  const top = await fetchManifest(client, ref, ref.digest ?? ref.tag!, ref.digest);
  if (top.doc.kind === 'manifest') return { manifestDigest: top.digest, manifestBytes: top.bytes, config: top.doc.config, layers: top.doc.layers };
  const chosen = chooseFromIndex(top.doc.manifests, platform, ref.familiar);
  const inner = await fetchManifest(client, ref, chosen.digest, chosen.digest);
  if (inner.doc.kind !== 'manifest') throw new ImageError(`manifest list ${top.digest} of ${ref.familiar} points at another list (${chosen.digest}); nested indexes are not supported`);
  if (inner.bytes.length !== chosen.size) {
    throw new ImageError(`manifest ${chosen.digest} of ${ref.familiar} failed verification: the index says ${chosen.size} bytes, the registry sent ${inner.bytes.length}`);
  }
  return { manifestDigest: inner.digest, manifestBytes: inner.bytes, indexDigest: top.digest, config: inner.doc.config, layers: inner.doc.layers };
}

async function loadConfig(client: RegistryClient, ref: ImageReference, store: ImageStore, desc: Descriptor): Promise<ImageConfig> {
  if (!(await store.hasBlob(desc.digest))) await store.putBlob(desc.digest, await fetchSmallBlob(client, ref.repository, desc));
  return parseImageConfig(await store.readBlob(desc.digest), desc.digest);
}

interface LayerPlan {
  desc: Descriptor;
  diffId: Digest;
  chainId: Digest;
  parent: Digest | null;
}

/** Step 3 for one layer: present already, or downloaded and unpacked, under its chain id's lock. */
async function pullLayer(client: RegistryClient, ref: ImageReference, store: ImageStore, plan: LayerPlan, opts: PullOptions, progress: ProgressSink): Promise<LayerRecord> {
  const id = shortId(plan.desc.digest);
  const record = (size: number): LayerRecord => ({ diffId: plan.diffId, chainId: plan.chainId, size, digest: plan.desc.digest, mediaType: plan.desc.mediaType || MEDIA.dockerLayerGzip });
  const lock = join(store.paths.data, 'locks', `layer-${digestHex(plan.chainId)}`);
  return withLock(
    lock,
    async () => {
      const haveLayer = await store.hasLayer(plan.chainId);
      if (haveLayer && (await store.hasBlob(plan.desc.digest))) {
        progress.layer(id, 'Already exists');
        return record((await store.readLayerInfo(plan.chainId))?.size ?? 0);
      }
      const job = { what: plan.desc.digest, diffId: plan.diffId, origin: `the image from ${client.registry}/${ref.repository}` };
      const onBytes = (n: number) => progress.layer(id, 'Downloading', n, plan.desc.size);
      const tempPath = () => store.tempPath('blob');
      if (haveLayer) {
        // Unpacked already (by an image with the same stack but other compression): only the
        // blob is missing, for save and push. Verify it against the diff id all the same.
        const { staged, result } = await downloadLayer(client, ref.repository, plan.desc, async () => startVerify(job, opts.decompress ?? {}), { tempPath, onBytes });
        progress.layer(id, 'Verifying Checksum');
        progress.layer(id, 'Download complete');
        await store.commitBlob(staged, plan.desc.digest, `blob ${plan.desc.digest}`);
        progress.layer(id, 'Pull complete');
        return record(result.size);
      }
      const { staged, result } = await downloadLayer(client, ref.repository, plan.desc, () => startUnpack(store, opts.unpacker, job, opts.decompress ?? {}), { tempPath, onBytes });
      progress.layer(id, 'Verifying Checksum');
      progress.layer(id, 'Download complete');
      await store.commitBlob(staged, plan.desc.digest, `blob ${plan.desc.digest}`);
      await store.commitLayer(result.staging, { diffId: plan.diffId, chainId: plan.chainId, parent: plan.parent, size: result.size, complete: true }, opts.unpacker);
      for (const s of result.skipped) progress.line(`${id}: skipped ${s.path}: ${s.reason}`);
      progress.layer(id, 'Pull complete');
      return record(result.size);
    },
    LAYER_LOCK_TIMEOUT_MS,
  );
}

/** The reference as the user gave it, parsed; `Using default tag` applies when it had no tag. */
export function pullReference(input: string): { ref: ImageReference; defaultTag: boolean } {
  const ref = parseReference(input);
  const lastPart = input.slice(input.lastIndexOf('/') + 1);
  return { ref, defaultTag: ref.digest === undefined && !lastPart.includes(':') };
}

/** docker's "latest: Pulling from library/busybox" line. */
export function pullingFromLine(ref: ImageReference): string {
  return `${ref.digest ?? ref.tag}: Pulling from ${ref.repository}`;
}

/** Pull one image; see the top of this file for the order. */
export async function pullImage(input: string | ImageReference, store: ImageStore, opts: PullOptions): Promise<PullResult> {
  const ref = typeof input === 'string' ? parseReference(input) : input;
  const progress = opts.progress ?? silentProgress;
  const platform = opts.platform ?? hostPlatform();
  const client = opts.client ?? new RegistryClient(ref.registry, { env: opts.env, ...(opts.tlsVerify === undefined ? {} : { tlsVerify: opts.tlsVerify }) });
  await store.init();
  await store.removeStaleTemp(opts.unpacker);

  const resolved = await resolveManifest(client, ref, platform);
  progress.line(pullingFromLine(ref));
  const shownDigest = resolved.indexDigest ?? resolved.manifestDigest;
  const repoDigest = `${ref.registry}/${ref.repository}@${shownDigest}`;

  const existing = findByReference(await store.readIndex(), ref);
  if (existing && existing.manifestDigest === resolved.manifestDigest && (await complete(store, existing))) {
    const record: ImageRecord = { ...existing, names: ref.tag !== undefined && ref.digest === undefined ? [ref.canonical] : [], repoDigests: [repoDigest] };
    await store.recordImages([record]);
    return { ref, record: (await store.readIndex()).images.find((r) => r.id === record.id) ?? record, digest: shownDigest, upToDate: true };
  }

  const config = await loadConfig(client, ref, store, resolved.config);
  if (!resolved.indexDigest && opts.platform === undefined && (config.os !== platform.os || config.architecture !== platform.architecture)) {
    progress.line(
      `WARNING: The requested image's platform (${formatPlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) })}) does not match the detected host platform (${formatPlatform(platform)}) and no specific platform was requested`,
    );
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== resolved.layers.length) {
    throw new ImageError(`image ${ref.familiar} is inconsistent: its config lists ${diffIds.length} diff ids for ${resolved.layers.length} layers in the manifest`);
  }
  const chains = chainIds(diffIds);
  const plans: LayerPlan[] = resolved.layers.map((desc, i) => ({ desc, diffId: diffIds[i]!, chainId: chains[i]!, parent: i === 0 ? null : chains[i - 1]! }));
  const concurrency = opts.concurrency ?? 3;
  plans.forEach((p, i) => {
    progress.layer(shortId(p.desc.digest), 'Pulling fs layer');
    if (i >= concurrency) progress.layer(shortId(p.desc.digest), 'Waiting');
  });

  const record: ImageRecord = {
    id: resolved.config.digest,
    names: ref.tag !== undefined && ref.digest === undefined ? [ref.canonical] : [],
    manifestDigest: resolved.manifestDigest,
    configDigest: resolved.config.digest,
    created: config.created ?? new Date().toISOString(),
    layers: [],
    repoDigests: [repoDigest],
  };
  if (resolved.indexDigest) record.indexDigest = resolved.indexDigest;

  // A concurrent rmi may take a shared layer away between our check and our record: then the
  // record is refused (StoreRaceError) and the layers are fetched again, once.
  for (let attempt = 1; ; attempt++) {
    const layers: LayerRecord[] = new Array(plans.length);
    await inPool(plans, concurrency, async (plan, i) => {
      layers[i] = await pullLayer(client, ref, store, plan, opts, progress);
    });
    if (!(await store.hasBlob(resolved.manifestDigest))) await store.putBlob(resolved.manifestDigest, resolved.manifestBytes);
    if (!(await store.hasBlob(resolved.config.digest))) await store.putBlob(resolved.config.digest, await fetchSmallBlob(client, ref.repository, resolved.config));
    try {
      await store.recordImages([{ ...record, layers }]);
      return { ref, record: { ...record, layers }, digest: shownDigest, upToDate: false };
    } catch (err) {
      if (!(err instanceof StoreRaceError) || attempt >= 2) throw err;
    }
  }
}

/** Every layer and the config of a record are in the store. */
async function complete(store: ImageStore, r: ImageRecord): Promise<boolean> {
  if (!(await store.hasBlob(r.configDigest))) return false;
  for (const l of r.layers) if (!(await store.hasLayer(l.chainId))) return false;
  return true;
}

/** The tags of a repository (pull -a). */
export async function listRemoteTags(ref: ImageReference, opts: { env: NodeJS.ProcessEnv; tlsVerify?: boolean }): Promise<{ tags: string[]; client: RegistryClient }> {
  const client = new RegistryClient(ref.registry, { env: opts.env, ...(opts.tlsVerify === undefined ? {} : { tlsVerify: opts.tlsVerify }) });
  const tags = await client.listTags(ref.repository);
  return { tags, client };
}
