// `sandbox import FILE|- [REF]`: a root filesystem tarball (plain, gzip or zstd) becomes a
// one-layer image. The tarball is staged in tmp/ (stdin can't be read twice), hashed to its
// diff id, unpacked like any layer, and given a config built here: the host's platform,
// `--change` instructions, and docker's history comment ("Imported from -").
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ImageError } from '../errors.js';
import { MEDIA, synthesizeDockerManifest } from './archive.js';
import { openArchive } from './archive-source.js';
import { applyChanges } from './change.js';
import type { ImageConfig } from './config.js';
import type { DecompressOptions } from './decompress.js';
import { sha256Digest, type Digest } from './digest.js';
import { hashLayerFile, importLayer } from './layer-import.js';
import { hostPlatform, type Platform } from './platform.js';
import type { ImageStore } from './store.js';
import type { Unpacker } from './unpacker.js';

export interface ImportOptions {
  /** Canonical name for the image; none leaves it untagged. */
  name?: string;
  changes?: string[];
  message?: string;
  platform?: Platform;
  /** How the source is named in the history comment: the path, or '-'. */
  sourceName: string;
  decompress?: DecompressOptions;
  now?: Date;
}

/** The config of an imported image (docker's shape: container defaults from --change). Pure. */
export function importedConfig(diffId: Digest, opts: ImportOptions): ImageConfig {
  const platform = opts.platform ?? hostPlatform();
  const created = (opts.now ?? new Date()).toISOString();
  const config: ImageConfig & { comment?: string } = {
    architecture: platform.architecture,
    os: platform.os,
    created,
    config: applyChanges({}, opts.changes ?? []),
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, comment: opts.message ?? `Imported from ${opts.sourceName}` }],
  };
  if (platform.variant) config.variant = platform.variant;
  if (opts.message) config.comment = opts.message;
  return config;
}

/** Import a tarball; returns the new image's id. */
export async function importTarball(source: string | Readable, store: ImageStore, unpacker: Unpacker, opts: ImportOptions): Promise<Digest> {
  // Check the changes before reading anything: a typo should not cost a whole upload.
  applyChanges({}, opts.changes ?? []);
  const src = await openArchive(source);
  await store.init();
  await store.removeStaleTemp(unpacker);
  const dir = await store.makeTempDir('import');
  try {
    const staged = await store.stage(src.stream, join(dir, 'layer'));
    if (staged.size === 0) throw new ImageError(`${src.name} is empty: import needs a tar archive of a root filesystem`);
    const what = `from ${src.name}`;
    const { diffId, compression } = await hashLayerFile(staged.path, what, opts.decompress ?? {});
    const imported = await importLayer(store, unpacker, { what, file: staged.path, diffId, chainId: diffId, parent: null }, opts.decompress ?? {});

    const config = importedConfig(diffId, opts);
    const configBytes = Buffer.from(JSON.stringify(config));
    const id = sha256Digest(configBytes);
    const mediaType = compression === 'gzip' ? MEDIA.dockerLayerGzip : compression === 'zstd' ? 'application/vnd.oci.image.layer.v1.tar+zstd' : MEDIA.dockerLayerTar;
    const manifest = Buffer.from(synthesizeDockerManifest({ digest: id, size: configBytes.length }, [{ digest: staged.digest, size: staged.size, mediaType }]));
    const manifestDigest = sha256Digest(manifest);
    if (!(await store.hasBlob(staged.digest))) await store.commitBlob(staged, staged.digest, `the tarball ${src.name}`);
    await store.putBlob(id, configBytes);
    await store.putBlob(manifestDigest, manifest);
    await store.recordImages([
      {
        id,
        names: opts.name ? [opts.name] : [],
        manifestDigest,
        configDigest: id,
        created: config.created!,
        layers: [{ diffId, chainId: diffId, size: imported.size, digest: staged.digest, mediaType }],
      },
    ]);
    return id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
