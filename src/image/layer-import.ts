// One layer from blob to layers/<chain hex>: decompress, hash the uncompressed tar (its diff id)
// while the native unpacker reads it, and publish the unpacked directory only when the hash is
// the diff id the image config promised. The chain id names the directory, and every image with
// the same layer stack shares it, so content that doesn't match its diff id must never get
// there: a hostile archive could otherwise plant files under another image's chain id.
import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ImageError, SandboxError } from '../errors.js';
import { detectCompression, type Compression } from './archive.js';
import { HashingStream, type Digest } from './digest.js';
import type { ImageStore } from './store.js';
import type { UnpackResult, Unpacker } from './unpacker.js';

export interface LayerJob {
  /** Names the layer in messages: its archive member or blob digest. */
  what: string;
  /** The layer blob as stored or staged (compressed or not). */
  file: string;
  diffId: Digest;
  chainId: Digest;
  parent: Digest | null;
}

export interface ImportedLayer {
  /** Bytes of the uncompressed tar. */
  size: number;
  compression: Compression;
  /** False when the layer was already in the store (only verified, not unpacked again). */
  unpacked: boolean;
  skipped: UnpackResult['skipped'];
}

async function readHead(path: string, n = 8): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function decompressor(job: LayerJob, compression: Compression): Transform[] {
  if (compression === 'gzip') return [createGunzip()];
  if (compression === 'none') return [];
  const hint =
    compression === 'zstd'
      ? 'this build cannot decompress zstd yet (Node 20 has no zstd); re-save the image with gzip layers, e.g. skopeo copy --dest-compress-format gzip'
      : `${compression} layers are not part of the image spec; re-save the image with gzip layers`;
  throw new ImageError(`layer ${job.what} is ${compression}-compressed: ${hint}`);
}

/** Stream errors from zlib or the file, turned into a line that names the layer. */
function asLayerError(job: LayerJob, err: unknown): unknown {
  if (err instanceof SandboxError) return new ImageError(`layer ${job.what}: ${err.message}`, err.hint);
  if (err instanceof Error) return new ImageError(`layer ${job.what} is corrupt: cannot decompress it (${err.message}); the archive is damaged`);
  return err;
}

function mismatch(job: LayerJob, actual: Digest): ImageError {
  return new ImageError(
    `layer ${job.what} failed verification: the image config gives diff id ${job.diffId}, its content is ${actual}; the archive is corrupt`,
  );
}

const discard = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

/**
 * Verify a layer against its diff id and, unless the store has its chain id already, unpack it
 * into a staging directory and publish it. Throws (and leaves nothing under layers/) on any
 * mismatch or unpack failure.
 */
export async function importLayer(store: ImageStore, unpacker: Unpacker, job: LayerJob): Promise<ImportedLayer> {
  const compression = detectCompression(await readHead(job.file));
  const stages = decompressor(job, compression);
  const tap = new HashingStream();

  if (await store.hasLayer(job.chainId)) {
    // Already unpacked by an earlier load: still check this archive's copy is what it claims,
    // so a corrupt archive is refused whatever the store holds.
    try {
      await pipeline([createReadStream(job.file), ...stages, tap, discard()]);
    } catch (err) {
      throw asLayerError(job, err);
    }
    if (tap.digest() !== job.diffId) throw mismatch(job, tap.digest());
    return { size: tap.size, compression, unpacked: false, skipped: [] };
  }

  const staging = await store.makeTempDir('layer');
  const diff = join(staging, 'diff');
  // The layer root is 0755 like any image's /: the 0700 staging (later layer) directory around
  // it is what keeps other users out.
  await mkdir(diff, { mode: 0o755 });

  // The feed ends when the tap has seen the whole tar (its writable side finished), whether or
  // not the unpacker read all of it: the unpacker drains what it leaves.
  const [unpacked, fed] = await Promise.allSettled([unpacker.unpack(tap, diff), pipeline([createReadStream(job.file), ...stages, tap])]);
  try {
    // When both fail, one caused the other: a decompression error cuts the unpacker's input, an
    // unpacker that could not start destroys it (the feed then only sees a premature close).
    const cutOff = fed.status === 'rejected' && (fed.reason as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (fed.status === 'rejected' && !(cutOff && unpacked.status === 'rejected')) throw asLayerError(job, fed.reason);
    if (unpacked.status === 'rejected') throw asLayerError(job, unpacked.reason);
    if (tap.digest() !== job.diffId) throw mismatch(job, tap.digest());
  } catch (err) {
    // The unpacker's removal handles subordinate-owned files; if it can't run at all, nothing
    // subordinate-owned was created and a plain rm does.
    await unpacker.remove([staging]).catch(() => rm(staging, { recursive: true, force: true }).catch(() => undefined));
    throw err;
  }

  const won = await store.commitLayer(staging, { diffId: job.diffId, chainId: job.chainId, parent: job.parent, size: tap.size, complete: true }, unpacker);
  return { size: tap.size, compression, unpacked: won, skipped: unpacked.value.skipped };
}
