// The unpack input when the unpacker hashes its own input (the native one): the layer's bytes
// go to the unpacker's stdin with as little of Node in between as possible. The first bytes
// tell the compression (magic numbers, as in auto-decompress.ts); then
//  - an uncompressed tar is written to the unpacker's stdin as it comes;
//  - a program decompressor (igzip, zstd) is started with its stdout *being* the unpacker's
//    stdin, so the tar never passes through Node: Node hands on the compressed bytes only, and
//    the decompressor, the unpacker (and its hashing thread) run on their own cores;
//  - an in-process decompressor (zlib, Node's zstd) is piped into the unpacker's stdin.
// The diff id then comes from the unpacker's verdict (it hashes every byte it reads).
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable, type Duplex } from 'node:stream';
import { detectCompression, type Compression } from './archive.js';
import { chooseDecompressor, type DecompressOptions } from './decompress.js';

const MAGIC_BYTES = 6;

export class DirectFeed extends Writable {
  private head: Buffer[] = [];
  private headSize = 0;
  private target: Writable | undefined;
  private dead = false;
  private detected: Compression | undefined;
  private child: ChildProcess | undefined;
  private stream: Duplex | undefined;
  private failure: Error | undefined;
  private readonly done: Promise<void>;
  private settle!: () => void;

  constructor(
    private readonly what: string,
    private readonly unpackerStdin: Writable,
    private readonly opts: DecompressOptions = {},
  ) {
    super({ highWaterMark: 1 << 20 });
    this.done = new Promise((r) => (this.settle = r));
    unpackerStdin.on('error', () => this.markDead());
  }

  /** What the stream turned out to be; undefined before the first bytes arrived. */
  get compression(): Compression | undefined {
    return this.detected;
  }

  /**
   * Resolves once the decompressor (if any) has finished, to its failure: a corrupt or
   * truncated blob, or a host that cannot decompress it. Undefined when it succeeded, or when
   * it only stopped because the unpacker stopped reading (the unpacker's verdict says why).
   */
  async decompressFailure(): Promise<Error | undefined> {
    await this.done;
    return this.failure;
  }

  /** Stop everything (the download was abandoned). */
  abandon(): void {
    this.child?.kill('SIGKILL');
    this.stream?.destroy();
    if (!this.destroyed) this.destroy();
    this.unpackerStdin.destroy();
    this.settle();
  }

  private markDead(): void {
    this.dead = true;
    this.emit('target-gone');
    // An in-process decompressor has nothing to wait for once its output has nowhere to go.
    if (this.stream) this.settle();
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }

  private start(): void {
    const head = Buffer.concat(this.head, this.headSize);
    this.head = [];
    this.detected = detectCompression(head);
    // Throws (an ImageError naming what is missing) for zstd on a host that cannot decompress it.
    const d = chooseDecompressor(this.detected, this.what, this.opts);
    if (this.unpackerStdin.destroyed) {
      // The unpacker is gone already (it could not start): its verdict says why.
      this.target = this.unpackerStdin;
      this.dead = true;
      this.settle();
      return;
    }
    if (d.kind === 'none') {
      this.target = this.unpackerStdin;
      this.settle();
    } else if (d.kind === 'command') {
      const { file, args, label } = d.command;
      const child = spawn(file, args, { stdio: ['pipe', this.unpackerStdin, 'pipe'] });
      this.child = child;
      // The child has its own copy of the pipe: ours must go, or the unpacker never sees EOF.
      this.unpackerStdin.destroy();
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (s: string) => {
        if (stderr.length < 4096) stderr += s;
      });
      child.stdin!.on('error', () => this.markDead());
      child.on('error', (err) => {
        // It never ran ('close' may not follow): nothing more will come of it.
        this.fail(new Error(`cannot run ${label}: ${err.message}`));
        this.markDead();
        this.settle();
      });
      child.on('close', (code, signal) => {
        // SIGPIPE: the unpacker stopped reading (it refused the archive): not the blob's fault.
        if (code !== 0 && signal !== 'SIGPIPE' && signal !== 'SIGKILL') {
          this.fail(new Error(`${label} failed: ${stderr.trim().split('\n').pop() || (signal ? `killed by ${signal}` : `exit status ${code}`)}`));
        }
        this.markDead();
        this.settle();
      });
      this.target = child.stdin!;
    } else {
      const stream = d.make();
      this.stream = stream;
      stream.on('error', (err) => {
        this.fail(err);
        this.markDead();
        this.unpackerStdin.end();
        this.settle();
      });
      stream.on('end', () => this.settle());
      stream.pipe(this.unpackerStdin);
      this.target = stream;
    }
    if (head.length > 0) this.target.write(head);
  }

  private pass(chunk: Buffer, cb: (err?: Error | null) => void): void {
    const t = this.target!;
    if (this.dead || t.destroyed || t.writableEnded) return cb();
    if (t.write(chunk)) return cb();
    const go = () => {
      t.off('drain', go);
      this.off('target-gone', go);
      cb();
    };
    t.on('drain', go);
    this.on('target-gone', go);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.dead && !this.target) return cb();
    if (this.target) return this.pass(chunk, cb);
    this.head.push(chunk);
    this.headSize += chunk.length;
    if (this.headSize < MAGIC_BYTES) return cb();
    try {
      this.start();
    } catch (err) {
      return this.refuse(err as Error, cb);
    }
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.dead && !this.target) return cb();
    if (!this.target) {
      try {
        this.start();
      } catch (err) {
        return this.refuse(err as Error, cb);
      }
    }
    const t = this.target!;
    if (!t.destroyed && !t.writableEnded) t.end();
    cb();
  }

  /** This host cannot decompress the blob: say so, and let the unpacker end (empty input). */
  private refuse(err: Error, cb: (err?: Error | null) => void): void {
    this.fail(err);
    this.dead = true;
    this.unpackerStdin.end();
    this.settle();
    cb();
  }
}
