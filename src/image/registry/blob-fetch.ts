// Downloading blobs. Small ones (configs) are read whole and checked. A layer is streamed
// once: every byte goes through sha256 into a staging file under the store's tmp/ and, at the
// same time, into the decompressor and the native unpacker, so the download and the unpacking
// overlap instead of running one after the other. Nothing is published until the whole blob
// hashed to its digest and the tar to its diff id; a blob whose bytes don't match is refused
// and its staging file removed.
import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageError } from '../../errors.js';
import type { Descriptor } from '../archive.js';
import type { Digest } from '../digest.js';
import type { StagedFile } from '../store.js';
import type { RegistryClient } from './client.js';
import { readBody, type HttpResponse } from './http.js';

/** Where blob failures point: `127.0.0.1:5000/lab/busybox`. */
const origin = (client: RegistryClient, repository: string) => `${client.registry}/${repository}`;

async function blobResponse(client: RegistryClient, repository: string, digest: Digest): Promise<HttpResponse> {
  const res = await client.getBlob(repository, digest);
  if (res.status === 200) return res;
  if (res.status === 404) throw await client.failure(res, `blob ${digest} is missing from ${origin(client, repository)}`);
  throw await client.failure(res, `cannot download blob ${digest} from ${origin(client, repository)}`);
}

function verificationError(client: RegistryClient, repository: string, desc: Descriptor, actual: Digest, size: number): ImageError {
  if (size !== desc.size) {
    return new ImageError(
      `blob ${desc.digest} from ${origin(client, repository)} failed verification: the manifest says ${desc.size} bytes, the registry sent ${size} (digest ${actual}); nothing was stored`,
    );
  }
  return new ImageError(
    `blob ${desc.digest} from ${origin(client, repository)} failed verification: expected digest ${desc.digest}, content is ${actual}; the registry sent corrupt data and nothing was stored`,
  );
}

/** A small blob (an image config), read whole and verified; a transfer cut off is tried again. */
export async function fetchSmallBlob(client: RegistryClient, repository: string, desc: Descriptor, limit = 32 << 20, attempts = 3): Promise<Buffer> {
  if (desc.size > limit) throw new ImageError(`blob ${desc.digest} of ${origin(client, repository)} is ${desc.size} bytes, too large for an image config`);
  for (let attempt = 1; ; attempt++) {
    const res = await blobResponse(client, repository, desc.digest);
    let bytes: Buffer;
    try {
      bytes = await readBody(res, limit);
    } catch (err) {
      if (attempt < attempts) {
        await sleep(250 * 2 ** (attempt - 1));
        continue;
      }
      throw new ImageError(`download of blob ${desc.digest} from ${origin(client, repository)} failed after ${attempts} attempts: ${(err as Error).message}; check the network and pull again`);
    }
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
    if (actual !== desc.digest || bytes.length !== desc.size) throw verificationError(client, repository, desc, actual, bytes.length);
    return bytes;
  }
}

/** Resolves on 'drain', or when the stream can no longer take data ('close', 'error'). */
function drained(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      w.off('drain', done);
      w.off('close', done);
      w.off('error', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
    w.on('error', done);
  });
}

/** Failures of the sink itself (disk full, a blob longer than promised): never retried. */
class SinkError extends Error {}

/**
 * The end of a blob download: hashes and counts every byte, writes it to the staging file and
 * hands it on to `branch` (the unpacker's input) while the branch still takes data. A branch
 * that fails (corrupt gzip) is cut off and the download runs on, so the digest tells whether
 * the registry or the content is at fault.
 */
export class BlobSink extends Writable {
  private readonly hash = createHash('sha256');
  private count = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly branch: Writable | undefined,
    private readonly limit: number,
    private readonly onBytes: (n: number) => void,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  get size(): number {
    return this.count;
  }

  digest(): Digest {
    return `sha256:${this.hash.copy().digest('hex')}`;
  }

  private branchAlive(): boolean {
    const b = this.branch;
    return b !== undefined && !b.destroyed && !b.writableEnded;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.count += chunk.length;
    if (this.count > this.limit) {
      cb(new SinkError(`more than the ${this.limit} bytes the manifest gives`));
      return;
    }
    this.hash.update(chunk);
    this.fh.write(chunk).then(
      async () => {
        this.onBytes(this.count);
        if (this.branchAlive() && !this.branch!.write(chunk) && this.branchAlive()) await drained(this.branch!);
        cb();
      },
      (err: Error) => cb(new SinkError(err.message)),
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.branchAlive()) this.branch!.end();
    cb();
  }
}

/** What the branch of a download is: an unpack session or a verify-only session. */
export interface DownloadBranch<R> {
  input: Writable;
  finish(): Promise<R>;
  abandon(): Promise<void>;
}

export interface LayerDownload<R> {
  /** Written and fsynced: ready for store.commitBlob. */
  staged: StagedFile & { synced: true };
  result: R;
}

export interface DownloadOptions {
  /** Where the blob is written: a fresh path under the store's tmp/. */
  tempPath: () => string;
  onBytes?: (current: number) => void;
  /** Attempts for a transfer cut off mid-way (connection reset, timeout). */
  attempts?: number;
}

/**
 * Download a layer blob once, feeding it to a fresh branch (made by `startBranch` per attempt),
 * and check it. Returns the staged blob (to commit) and the branch's result; on failure the
 * staged file is removed, the branch abandoned, and an ImageError thrown.
 */
export async function downloadLayer<R>(
  client: RegistryClient,
  repository: string,
  desc: Descriptor,
  startBranch: () => Promise<DownloadBranch<R>>,
  opts: DownloadOptions,
): Promise<LayerDownload<R>> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const path = opts.tempPath();
    const res = await blobResponse(client, repository, desc.digest);
    const branch = await startBranch();
    const fh = await open(path, 'wx', 0o600);
    const sink = new BlobSink(fh, branch.input, desc.size, opts.onBytes ?? (() => undefined));
    let transferError: unknown;
    try {
      await pipeline(res.body, sink);
    } catch (err) {
      transferError = err;
    }
    // The blob is whole: flush it to disk while the unpacker works through its last bytes,
    // instead of after (the fsync of tens of MB is off the critical path that way).
    const synced = transferError === undefined ? fh.sync().then(() => undefined, (err: Error) => err) : Promise.resolve(undefined);
    const closeFile = async () => {
      await synced;
      await fh.close().catch(() => undefined);
    };
    const cleanup = async () => {
      await closeFile();
      await branch.abandon().catch(() => undefined);
      await rm(path, { force: true });
    };
    if (transferError !== undefined) {
      await cleanup();
      if (transferError instanceof SinkError) {
        throw new ImageError(`blob ${desc.digest} from ${origin(client, repository)} failed: ${transferError.message}; nothing was stored`);
      }
      if (attempt < attempts) {
        await sleep(250 * 2 ** (attempt - 1));
        continue;
      }
      throw new ImageError(`download of blob ${desc.digest} from ${origin(client, repository)} failed after ${attempts} attempts: ${(transferError as Error).message}; check the network and pull again`);
    }
    const actual = sink.digest();
    if (actual !== desc.digest || sink.size !== desc.size) {
      await cleanup();
      throw verificationError(client, repository, desc, actual, sink.size);
    }
    let result: R;
    try {
      result = await branch.finish();
    } catch (err) {
      await closeFile();
      await rm(path, { force: true });
      throw err;
    }
    await closeFile();
    const syncError = await synced;
    if (syncError) {
      await rm(path, { force: true });
      throw new ImageError(`cannot write blob ${desc.digest} to ${path}: ${syncError.message}`);
    }
    return { staged: { path, digest: actual, size: sink.size, synced: true }, result };
  }
}
