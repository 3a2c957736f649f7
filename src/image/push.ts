// `sandbox push`: an image from the store to a registry, as docker pushes: the layers and the
// config first (skipped when the registry has them, mounted from another repository of the same
// registry when the image came from there, uploaded otherwise), the manifest last, under the
// tag. The registry verifies each upload against the digest it is given; we send the stored
// bytes, which were verified when they came in.
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { ImageError } from '../errors.js';
import { MEDIA, parseJson, parseManifestDoc, type Descriptor } from './archive.js';
import { digestHex, type Digest } from './digest.js';
import { lookupImage, type ImageRecord } from './image-index.js';
import { silentProgress, type ProgressSink } from './pull-progress.js';
import { parseReference, type ImageReference } from './reference.js';
import { repositoryScope } from './registry/challenge.js';
import { RegistryClient } from './registry/client.js';
import type { ImageStore } from './store.js';
import { inPool } from './pool.js';

export interface PushOptions {
  env: NodeJS.ProcessEnv;
  tlsVerify?: boolean;
  progress?: ProgressSink;
  concurrency?: number;
  client?: RegistryClient;
}

export interface PushResult {
  ref: ImageReference;
  digest: Digest;
  size: number;
}

/** docker's "The push refers to repository [docker.io/library/busybox]" name. */
export function pushRepositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Another repository of the same registry this image is known in: a cross-repository mount source. */
function mountSource(record: ImageRecord, ref: ImageReference): string | undefined {
  for (const n of [...(record.repoDigests ?? []), ...record.names]) {
    const r = parseReference(n);
    if (r.registry === ref.registry && r.repository !== ref.repository) return r.repository;
  }
  return undefined;
}

/** Push one blob unless the registry has it; returns what happened, for the progress line. */
async function pushBlob(
  client: RegistryClient,
  store: ImageStore,
  ref: ImageReference,
  desc: Descriptor,
  from: string | undefined,
  onBytes: (n: number) => void,
): Promise<'exists' | 'mounted' | 'pushed'> {
  const scopes = [repositoryScope(ref.repository, ['pull', 'push']), ...(from ? [repositoryScope(from, ['pull'])] : [])];
  if (await client.hasBlob(ref.repository, desc.digest, scopes)) return 'exists';
  if (!(await store.hasBlob(desc.digest))) {
    throw new ImageError(`blob ${desc.digest} of ${ref.familiar} is not in the store (the image was loaded without it); pull or load the image again before pushing`);
  }
  const started = await client.startUpload(ref.repository, desc.digest, from, scopes);
  if (started.mounted) return 'mounted';
  const path = store.blobPath(desc.digest);
  await client.finishUpload(
    started.location,
    desc.digest,
    {
      length: desc.size,
      open: () => {
        let sent = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            sent += chunk.length;
            onBytes(sent);
            cb(null, chunk);
          },
        });
        return createReadStream(path).pipe(counter);
      },
    },
    scopes,
    ref.repository,
  );
  return 'pushed';
}

/** Push the image named `target` (a name the local image has) to its registry. */
export async function pushImage(target: string, store: ImageStore, opts: PushOptions): Promise<PushResult> {
  const ref = parseReference(target);
  if (ref.digest !== undefined) throw new ImageError(`cannot push a digest reference (${target}); push NAME[:TAG]`);
  const index = await store.readIndex();
  let record: ImageRecord;
  try {
    record = lookupImage(index, ref.canonical);
  } catch {
    throw new ImageError(`An image does not exist locally with the tag: ${ref.familiar.replace(/:latest$/, '')}`);
  }
  if (!record.names.includes(ref.canonical)) throw new ImageError(`An image does not exist locally with the tag: ${ref.familiar.replace(/:latest$/, '')}`);
  const progress = opts.progress ?? silentProgress;
  const client = opts.client ?? new RegistryClient(ref.registry, { env: opts.env, ...(opts.tlsVerify === undefined ? {} : { tlsVerify: opts.tlsVerify }) });

  const manifestBytes = await store.readBlob(record.manifestDigest);
  const doc = parseJson(manifestBytes, `manifest ${record.manifestDigest}`) as { mediaType?: unknown };
  const manifest = parseManifestDoc(doc, typeof doc.mediaType === 'string' ? doc.mediaType : '', `manifest ${record.manifestDigest}`);
  if (manifest.kind !== 'manifest') throw new ImageError(`image ${ref.familiar} has an index for a manifest; push of multi-platform images is not supported`);
  const mediaType = typeof doc.mediaType === 'string' && doc.mediaType !== '' ? doc.mediaType : MEDIA.ociManifest;

  progress.line(`The push refers to repository [${pushRepositoryName(ref)}]`);
  const from = mountSource(record, ref);
  // docker lists layers top-most first, named by their diff ids.
  const layers = manifest.layers.map((desc, i) => ({ desc, id: digestHex(record.layers[i]?.diffId ?? desc.digest).slice(0, 12) })).reverse();
  for (const l of layers) progress.layer(l.id, 'Preparing');
  await inPool(layers, opts.concurrency ?? 3, async (l) => {
    const outcome = await pushBlob(client, store, ref, l.desc, from, (n) => progress.layer(l.id, 'Pushing', n, l.desc.size));
    if (outcome === 'exists') progress.layer(l.id, 'Layer already exists');
    else if (outcome === 'mounted') progress.layer(l.id, 'Mounted from', undefined, undefined, from);
    else progress.layer(l.id, 'Pushed');
  });
  await pushBlob(client, store, ref, manifest.config, from, () => undefined);
  const tag = ref.tag ?? 'latest';
  const returned = await client.putManifest(ref.repository, tag, manifestBytes, mediaType);
  if (returned !== undefined && returned !== record.manifestDigest) {
    throw new ImageError(`${ref.registry} stored the manifest of ${ref.familiar} under digest ${returned}, not ${record.manifestDigest}; the registry rewrote it`);
  }
  progress.line(`${tag}: digest: ${record.manifestDigest} size: ${manifestBytes.length}`);
  await store.recordImages([{ ...record, names: [], repoDigests: [`${ref.registry}/${ref.repository}@${record.manifestDigest}`] }]);
  return { ref, digest: record.manifestDigest, size: manifestBytes.length };
}

/** The local names in `ref`'s repository (push -a). */
export function localTags(index: { images: ImageRecord[] }, ref: ImageReference): string[] {
  const out: string[] = [];
  for (const img of index.images) {
    for (const n of img.names) {
      const r = parseReference(n);
      if (r.registry === ref.registry && r.repository === ref.repository) out.push(n);
    }
  }
  return out.sort();
}
