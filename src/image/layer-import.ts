// One layer from blob to layers/<chain hex>: decompress, hash the uncompressed tar (its diff id)
// while the native unpacker reads it, and publish the unpacked directory only when the hash is
// the diff id the image config promised. The chain id names the directory, and every image with
// the same layer stack shares it, so content that doesn't match its diff id must never get
// there: a hostile archive could otherwise plant files under another image's chain id.
//
// The bytes may come from a staged file (load, import) or straight off the network (pull):
// startUnpack takes them through a Writable either way. With the native unpacker the tar never
// passes through Node: a decompressor program writes straight into the unpacker, which hashes
// what it reads and reports the digest in its verdict (direct-feed.ts); other unpackers (the
// tests' stand-ins) get the tar through Node, hashed on the way.
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageError, SandboxError } from '../errors.js';
import type { Compression } from './archive.js';
import { AutoDecompress } from './auto-decompress.js';
import { DirectFeed } from './direct-feed.js';
import type { DecompressOptions } from './decompress.js';
import { HashingStream, type Digest } from './digest.js';
import type { ImageStore } from './store.js';
import type { UnpackResult, UnpackRun, Unpacker } from './unpacker.js';

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

/** Stream errors from zlib, zstd or the file, turned into a line that names the layer. */
export function asLayerError(what: string, err: unknown, origin = 'the archive'): unknown {
  if (err instanceof SandboxError) return err.message.startsWith(`layer ${what}`) ? err : new ImageError(`layer ${what}: ${err.message}`, err.hint);
  if (err instanceof Error) return new ImageError(`layer ${what} is corrupt: cannot decompress it (${err.message}); ${origin} is damaged`);
  return err;
}

function mismatch(what: string, diffId: Digest, actual: Digest, origin = 'the archive'): ImageError {
  return new ImageError(`layer ${what} failed verification: the image config gives diff id ${diffId}, its content is ${actual}; ${origin} is corrupt`);
}

const discard = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

export interface UnpackedLayer {
  /** tmp/layer-...: holds diff/, ready for store.commitLayer. */
  staging: string;
  /** Bytes of the uncompressed tar. */
  size: number;
  compression: Compression;
  skipped: UnpackResult['skipped'];
}

export interface UnpackSession {
  /** Write the layer's bytes (compressed or not) here and end it; destroy it to abandon. */
  input: Writable;
  /**
   * Wait for the unpacker, then check the diff id. On any failure the staging directory is
   * removed and the error (naming the layer) is thrown.
   */
  finish(): Promise<UnpackedLayer>;
  /** Give up (the download failed or did not verify): stop the unpacker, remove the staging. */
  abandon(): Promise<void>;
}

async function removeStaging(unpacker: Unpacker, staging: string): Promise<void> {
  // The unpacker's removal handles subordinate-owned files; if it can't run at all, nothing
  // subordinate-owned was created and a plain rm does.
  await unpacker.remove([staging]).catch(() => rm(staging, { recursive: true, force: true }).catch(() => undefined));
}

/** Unpack a layer into a fresh staging directory as its bytes are written to `input`. */
export async function startUnpack(
  store: ImageStore,
  unpacker: Unpacker,
  job: { what: string; diffId: Digest; /** Where the bytes came from, for errors: 'the archive' (default), 'the image from REGISTRY'. */ origin?: string },
  opts: DecompressOptions = {},
): Promise<UnpackSession> {
  const staging = await store.makeTempDir('layer');
  const diff = join(staging, 'diff');
  // The layer root is 0755 like any image's /: the 0700 staging (later layer) directory around
  // it is what keeps other users out.
  await mkdir(diff, { mode: 0o755 });
  if (unpacker.start) return startDirect(unpacker, unpacker.start(diff), staging, job, opts);
  const input = new AutoDecompress(job.what, opts);
  const tap = new HashingStream();
  // The feed ends when the tap has seen the whole tar (its writable side finished), whether or
  // not the unpacker read all of it: the unpacker drains what it leaves.
  const fed = pipeline(input, tap);
  const unpacked = unpacker.unpack(tap, diff);
  // Settled later by finish(); never an unhandled rejection meanwhile.
  const both = Promise.allSettled([unpacked, fed]);
  return {
    input,
    async finish() {
      const [u, f] = await both;
      try {
        // When both fail, one caused the other: a decompression error cuts the unpacker's input,
        // an unpacker that could not start destroys it (the feed then sees a premature close).
        const cutOff = f.status === 'rejected' && (f.reason as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
        if (f.status === 'rejected' && !(cutOff && u.status === 'rejected')) throw asLayerError(job.what, f.reason, job.origin);
        if (u.status === 'rejected') throw asLayerError(job.what, u.reason, job.origin);
        if (tap.digest() !== job.diffId) throw mismatch(job.what, job.diffId, tap.digest(), job.origin);
        return { staging, size: tap.size, compression: input.compression ?? 'none', skipped: u.value.skipped };
      } catch (err) {
        await removeStaging(unpacker, staging);
        throw err;
      }
    },
    async abandon() {
      if (!input.writableFinished) input.destroy(new Error('abandoned'));
      await both;
      await removeStaging(unpacker, staging);
    },
  };
}

/**
 * startUnpack with an unpacker that hashes its own input: the bytes reach it without Node
 * decompressing or hashing the tar (direct-feed.ts), and the diff id is checked against the
 * digest in its verdict.
 */
function startDirect(unpacker: Unpacker, run: UnpackRun, staging: string, job: { what: string; diffId: Digest; origin?: string }, opts: DecompressOptions): UnpackSession {
  const input = new DirectFeed(job.what, run.stdin, opts);
  // Settled later by finish(); never an unhandled rejection meanwhile.
  const both = Promise.allSettled([run.result, input.decompressFailure()]);
  return {
    input,
    async finish() {
      const [u, d] = await both;
      try {
        // A decompressor that failed cut the unpacker's input short: its reason is the real one.
        const broken = d.status === 'fulfilled' ? d.value : (d.reason as Error);
        if (broken) throw asLayerError(job.what, broken, job.origin);
        if (u.status === 'rejected') throw asLayerError(job.what, u.reason, job.origin);
        if (u.value.digest !== job.diffId) throw mismatch(job.what, job.diffId, u.value.digest, job.origin);
        return { staging, size: u.value.size, compression: input.compression ?? 'none', skipped: u.value.skipped };
      } catch (err) {
        await removeStaging(unpacker, staging);
        throw err;
      }
    },
    async abandon() {
      input.abandon();
      run.kill();
      await both;
      await removeStaging(unpacker, staging);
    },
  };
}

/**
 * The same interface for a layer the store has unpacked already: its bytes are only
 * decompressed and hashed against the diff id, so a corrupt copy is still refused.
 */
export function startVerify(job: { what: string; diffId: Digest; origin?: string }, opts: DecompressOptions = {}): { input: Writable; finish(): Promise<{ size: number; compression: Compression }>; abandon(): Promise<void> } {
  const input = new AutoDecompress(job.what, opts);
  const tap = new HashingStream();
  const fed = pipeline([input, tap, discard()]);
  const settled = fed.then(
    () => undefined,
    (err: unknown) => err,
  );
  return {
    input,
    async finish() {
      const err = await settled;
      if (err !== undefined) throw asLayerError(job.what, err, job.origin);
      if (tap.digest() !== job.diffId) throw mismatch(job.what, job.diffId, tap.digest(), job.origin);
      return { size: tap.size, compression: input.compression ?? 'none' };
    },
    async abandon() {
      if (!input.writableFinished) input.destroy(new Error('abandoned'));
      await settled;
    },
  };
}

/** The diff id of a layer blob: the sha256 of its uncompressed tar (import computes it). */
export async function hashLayerFile(file: string, what: string, opts: DecompressOptions = {}): Promise<{ diffId: Digest; size: number; compression: Compression }> {
  const input = new AutoDecompress(what, opts);
  const tap = new HashingStream();
  try {
    await pipeline([createReadStream(file), input, tap, discard()]);
  } catch (err) {
    throw asLayerError(what, err);
  }
  return { diffId: tap.digest(), size: tap.size, compression: input.compression ?? 'none' };
}

/**
 * Hash a layer blob's uncompressed content without unpacking it: for a layer the store has
 * already, so a corrupt copy is refused whatever the store holds.
 */
export async function verifyLayerFile(file: string, what: string, diffId: Digest, opts: DecompressOptions = {}): Promise<{ size: number; compression: Compression }> {
  const { diffId: actual, size, compression } = await hashLayerFile(file, what, opts);
  if (actual !== diffId) throw mismatch(what, diffId, actual);
  return { size, compression };
}

/**
 * Verify a layer against its diff id and, unless the store has its chain id already, unpack it
 * into a staging directory and publish it. Throws (and leaves nothing under layers/) on any
 * mismatch or unpack failure.
 */
export async function importLayer(store: ImageStore, unpacker: Unpacker, job: LayerJob, opts: DecompressOptions = {}): Promise<ImportedLayer> {
  if (await store.hasLayer(job.chainId)) {
    const { size, compression } = await verifyLayerFile(job.file, job.what, job.diffId, opts);
    return { size, compression, unpacked: false, skipped: [] };
  }
  const session = await startUnpack(store, unpacker, job, opts);
  // A failed read ends the input with an error; finish() reports it (or the unpacker's).
  await pipeline(createReadStream(job.file), session.input).catch(() => undefined);
  const layer = await session.finish();
  const won = await store.commitLayer(layer.staging, { diffId: job.diffId, chainId: job.chainId, parent: job.parent, size: layer.size, complete: true }, unpacker);
  return { size: layer.size, compression: layer.compression, unpacked: won, skipped: layer.skipped };
}
