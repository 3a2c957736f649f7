// `sandbox save`: images from the store to an archive that `sandbox load`, `docker load` and
// `podman load` read.
//  - docker-archive (the default, as docker save): manifest.json, <config hex>.json and one
//    uncompressed <diff id hex>.tar per layer (docker and skopeo's layout), each layer written
//    once however many images share it;
//  - oci-archive (podman's --format): an OCI image layout with the blobs as stored (compressed
//    layers, the manifest pulled or loaded), one index.json entry per name.
// Layer content is hashed while it is written: a blob damaged on disk fails the save instead of
// producing an archive that lies.
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageError } from '../errors.js';
import { ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME, MEDIA, parseJson } from './archive.js';
import { AutoDecompress } from './auto-decompress.js';
import { HashingStream, digestHex, type Digest } from './digest.js';
import type { ImageRecord } from './image-index.js';
import { parseReference } from './reference.js';
import type { ImageStore } from './store.js';
import { tarStream, type TarMember } from './tar-writer.js';

export type SaveFormat = 'docker-archive' | 'oci-archive';

export interface SaveItem {
  record: ImageRecord;
  /** Canonical names to record in the archive: those the user named, or all the image's. */
  names: string[];
}

/** A stream that fails at its end when what passed through does not hash to `expected`. */
function verifying(expected: Digest, what: string): Transform {
  const hasher = new HashingStream();
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hasher.write(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      hasher.end();
      hasher.resume();
      hasher.once('end', () => {
        const actual = hasher.digest();
        cb(actual === expected ? null : new ImageError(`${what} in the store is corrupt: its content is ${actual}, expected ${expected}; remove the image and pull or load it again`));
      });
    },
  });
  return t;
}

/** A stored blob as-is, checked against its digest. */
function blobData(store: ImageStore, digest: Digest): () => AsyncIterable<Uint8Array> {
  return () => createReadStream(store.blobPath(digest)).pipe(verifying(digest, `blob ${digest}`));
}

/** A stored layer blob decompressed to its tar, checked against the diff id. */
function layerTarData(store: ImageStore, digest: Digest, diffId: Digest): () => AsyncIterable<Uint8Array> {
  return () => {
    const out = verifying(diffId, `layer ${diffId}`);
    pipeline(createReadStream(store.blobPath(digest)), new AutoDecompress(digest), out).catch((err: unknown) => out.destroy(err as Error));
    return out;
  };
}

function familiar(canonical: string): string {
  return parseReference(canonical).familiar;
}

async function* dockerArchiveMembers(store: ImageStore, items: SaveItem[]): AsyncGenerator<TarMember> {
  const written = new Set<string>();
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  for (const { record, names } of items) {
    const configName = `${digestHex(record.configDigest)}.json`;
    if (!written.has(configName)) {
      written.add(configName);
      const size = (await store.readBlob(record.configDigest)).length;
      yield { name: configName, size, data: blobData(store, record.configDigest) };
    }
    const layers: string[] = [];
    for (const l of record.layers) {
      const name = `${digestHex(l.diffId)}.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      written.add(name);
      yield { name, size: l.size, data: layerTarData(store, l.digest, l.diffId) };
    }
    manifest.push({ Config: configName, RepoTags: names.length > 0 ? names.map(familiar) : null, Layers: layers });
  }
  const text = Buffer.from(JSON.stringify(manifest));
  yield { name: 'manifest.json', size: text.length, data: () => Readable.from([text]) };
}

async function* ociArchiveMembers(store: ImageStore, items: SaveItem[]): AsyncGenerator<TarMember> {
  const layout = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  yield { name: 'oci-layout', size: layout.length, data: () => Readable.from([layout]) };
  yield { name: 'blobs', dir: true };
  yield { name: 'blobs/sha256', dir: true };
  const written = new Set<Digest>();
  const entries: Record<string, unknown>[] = [];
  const blob = async function* (digest: Digest, size?: number): AsyncGenerator<TarMember> {
    if (written.has(digest)) return;
    written.add(digest);
    const n = size ?? (await store.readBlob(digest)).length;
    yield { name: `blobs/sha256/${digestHex(digest)}`, size: n, data: blobData(store, digest) };
  };
  for (const { record, names } of items) {
    const manifestBytes = await store.readBlob(record.manifestDigest);
    const doc = parseJson(manifestBytes, `manifest ${record.manifestDigest}`) as { mediaType?: unknown; layers?: { size?: unknown }[] };
    yield* blob(record.configDigest);
    for (const [i, l] of record.layers.entries()) {
      const size = doc.layers?.[i]?.size;
      yield* blob(l.digest, typeof size === 'number' ? size : undefined);
    }
    yield* blob(record.manifestDigest, manifestBytes.length);
    const desc = {
      mediaType: typeof doc.mediaType === 'string' ? doc.mediaType : MEDIA.ociManifest,
      digest: record.manifestDigest,
      size: manifestBytes.length,
    };
    if (names.length === 0) entries.push(desc);
    for (const n of names) entries.push({ ...desc, annotations: { [ANNOTATION_CONTAINERD_NAME]: n, [ANNOTATION_REF_NAME]: familiar(n) } });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: entries }));
  yield { name: 'index.json', size: index.length, data: () => Readable.from([index]) };
}

/** The archive's bytes, as a stream to pipe into a file or stdout. */
export function saveArchive(store: ImageStore, items: SaveItem[], format: SaveFormat): Readable {
  const members = format === 'docker-archive' ? dockerArchiveMembers(store, items) : ociArchiveMembers(store, items);
  return Readable.from(tarStream(members));
}
