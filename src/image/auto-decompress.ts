// A decompressing stage that decides gzip / zstd / none from the first bytes it is given, for
// streams that cannot be peeked at before they start (a blob arriving from a registry). Media
// types in manifests are not always truthful; magic numbers are what docker and podman trust.
import { Duplex, PassThrough } from 'node:stream';
import { detectCompression, type Compression } from './archive.js';
import { decompressStages, type DecompressOptions } from './decompress.js';

const MAGIC_BYTES = 6;

export class AutoDecompress extends Duplex {
  private head: Buffer[] = [];
  private headSize = 0;
  private inner: Duplex | undefined;
  private detected: Compression | undefined;

  constructor(
    private readonly what: string,
    private readonly opts: DecompressOptions = {},
  ) {
    super({ highWaterMark: 512 << 10 });
  }

  /** What the stream turned out to be; undefined before the first bytes arrived. */
  get compression(): Compression | undefined {
    return this.detected;
  }

  private start(): Duplex {
    const head = Buffer.concat(this.head, this.headSize);
    this.head = [];
    this.detected = detectCompression(head);
    // Throws (an ImageError naming what is missing) for zstd on a host that cannot decompress it.
    const inner = decompressStages(this.detected, this.what, this.opts)[0] ?? new PassThrough();
    inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    this.inner = inner;
    if (head.length > 0) inner.write(head);
    return inner;
  }

  private writeInner(inner: Duplex, chunk: Buffer, cb: (err?: Error | null) => void): void {
    if (inner.write(chunk)) cb();
    else inner.once('drain', () => cb());
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner) return this.writeInner(this.inner, chunk, cb);
    this.head.push(chunk);
    this.headSize += chunk.length;
    if (this.headSize < MAGIC_BYTES) return cb();
    try {
      this.start();
    } catch (err) {
      return cb(err as Error);
    }
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      (this.inner ?? this.start()).end();
    } catch (err) {
      return cb(err as Error);
    }
    cb();
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }
}
