// Content digests: the one place that knows what a digest looks like and how chain ids are
// derived. Only sha256 is accepted: it is what docker, podman and every registry produce, and
// refusing the rest keeps blob paths (blobs/sha256/<hex>) unambiguous.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ImageError } from '../errors.js';

export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HEX64 = /^[0-9a-f]{64}$/;

export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST.test(s);
}

export function isHex64(s: string): boolean {
  return HEX64.test(s);
}

/** The digest `s`, or an ImageError naming `what` carried it (a manifest field, a config entry). */
export function checkDigest(s: unknown, what: string): Digest {
  if (isDigest(s)) return s;
  if (typeof s === 'string' && /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s) && !s.startsWith('sha256:')) {
    throw new ImageError(`unsupported digest algorithm in ${what}: ${s}; only sha256 digests are supported`);
  }
  throw new ImageError(`invalid digest in ${what}: ${JSON.stringify(s)}; expected sha256:<64 lowercase hex>`);
}

export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function sha256Digest(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Chain ids as the OCI image spec defines them: chainID(L0) = diffID(L0),
 * chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). A chain id names a layer together with
 * everything below it, so an unpacked layer directory keyed by it can be shared by every image
 * whose stack starts the same way.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diffId : sha256Digest(`${prev} ${diffId}`));
  }
  return out;
}

/** A pass-through stream that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private result: Digest | undefined;

  constructor() {
    // Layers stream through in 128 KiB chunks; room for a few keeps the pipeline from stalling.
    super({ highWaterMark: 512 << 10 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    cb();
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.count;
  }

  /** The digest of everything that passed; only valid once the stream has ended. */
  digest(): Digest {
    if (this.result === undefined) throw new Error('HashingStream.digest() called before the stream ended');
    return this.result;
  }
}
