// The layer unpacker, seen from TypeScript. Unpacking must happen inside the user namespace
// (so files get their mapped owners) and relative to a root fd (so a hostile tar cannot write
// outside the layer): both are things Node cannot do, so `sandbox-monitor unpack` does it and
// this module only feeds it the uncompressed tar and reads its JSON-lines verdict
// (docs/native-interface.md). Removal goes through the same binary because the unpacked files
// belong to subordinate ids the calling user cannot unlink directly.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ImageError } from '../errors.js';
import { currentIdMaps, formatIdMap, type IdMaps } from '../runtime/idmap.js';
import { monitorPath } from '../runtime/paths.js';
import { isDigest, type Digest } from './digest.js';

export interface UnpackResult {
  entries: number;
  /** Entries the unpacker left out on purpose (device nodes rootless), with the reason. */
  skipped: { path: string; reason: string }[];
  /** The sha256 and length of every byte the unpacker read, when it hashes its input (the native one does). */
  digest?: Digest;
  size?: number;
}

/** An unpack fed by the caller through a pipe. */
export interface UnpackRun {
  /**
   * The unpacker's stdin, a pipe: write the tar to it, or give it to spawn() as another child's
   * stdout (then destroy this end) so the tar goes from that child to the unpacker directly.
   */
  stdin: Writable;
  /** The verdict, with digest and size; rejects with the unpacker's own message. */
  result: Promise<UnpackResult & { digest: Digest; size: number }>;
  /** Stop the unpacker (the input was abandoned). */
  kill(): void;
}

export interface Unpacker {
  /** Unpack an uncompressed layer tar into destDir (which exists and is empty). */
  unpack(tar: Readable, destDir: string): Promise<UnpackResult>;
  /** Start an unpack into destDir whose input the caller wires up itself (see UnpackRun). */
  start?(destDir: string): UnpackRun;
  /** Remove trees made by unpack (whole staging directories included). Missing paths are fine. */
  remove(paths: string[]): Promise<void>;
}

/** The messages the unpack and rmtree modes may end with. */
type NativeMessage =
  | { type: 'unpacked'; entries: number; skipped: { path: string; reason: string }[]; digest?: string; size?: number }
  | { type: 'removed'; paths: string[] }
  | { type: 'error'; step: string; errno: number; message: string };

/** The last JSON line of the output that parses as a message; undefined when there is none. */
export function lastMessage(stdout: string): NativeMessage | undefined {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const m = JSON.parse(lines[i]!) as { type?: unknown };
      if (m && typeof m === 'object' && typeof m.type === 'string') return m as NativeMessage;
    } catch {
      /* not a message line; keep looking upwards */
    }
  }
  return undefined;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const MAX_CAPTURE = 1 << 20; // the verdict is one short line; this only bounds a misbehaving child

function runMonitor(monitor: string, args: string[], stdin: Readable | undefined, onSpawn?: (child: ChildProcess) => void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(monitor, args, { stdio: [stdin || onSpawn ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    let inputError: Error | undefined;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += s;
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += s;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (stdin) stdin.destroy();
      if (err.code === 'ENOENT' || err.code === 'EACCES') {
        reject(new ImageError(`cannot start the layer unpacker ${monitor}: ${err.code}; build it with 'npm run build:native' or point SANDBOX_MONITOR at it`));
      } else reject(err);
    });
    if (stdin) {
      const sink = child.stdin!;
      // The unpacker may stop reading once it has seen the tar's end marker (or after failing);
      // keep draining the source so whoever hashes it upstream still sees every byte.
      // (On the next turn: pipe()'s own close/error handling unpipes and pauses the source first.)
      const drain = () =>
        setImmediate(() => {
          if (!stdin.readableEnded && !stdin.destroyed) stdin.resume();
        });
      sink.on('error', drain);
      sink.on('close', drain);
      stdin.on('error', (err) => {
        inputError = err;
        child.kill('SIGKILL');
      });
      stdin.pipe(sink);
    }
    child.on('close', (code, signal) => {
      if (inputError) reject(inputError);
      else resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The native side's own one-line message when it sent one, else how the process ended. */
function failure(mode: string, out: Outcome): ImageError {
  const m = lastMessage(out.stdout);
  if (m?.type === 'error') return new ImageError(m.message);
  const how = out.signal ? `was killed by ${out.signal}` : `exited with status ${out.code}`;
  const tail = out.stderr.trim().split('\n').pop();
  return new ImageError(`sandbox-monitor ${mode} ${how} without a verdict${tail ? ` (${tail})` : ''}`);
}

export interface NativeUnpackerOptions {
  monitor?: string;
  maps?: IdMaps;
}

/** The Unpacker backed by `sandbox-monitor unpack` / `rmtree` with the caller's id maps. */
export function nativeUnpacker(opts: NativeUnpackerOptions = {}): Unpacker {
  const monitor = opts.monitor ?? monitorPath();
  const maps = opts.maps ?? currentIdMaps();
  const mapArgs = ['--uidmap', formatIdMap(maps.uidMappings), '--gidmap', formatIdMap(maps.gidMappings)];
  return {
    async unpack(tar, destDir) {
      const out = await runMonitor(monitor, ['unpack', ...mapArgs, destDir], tar);
      const m = lastMessage(out.stdout);
      if (out.code === 0 && m?.type === 'unpacked') return { entries: m.entries, skipped: m.skipped ?? [] };
      throw failure('unpack', out);
    },
    start(destDir) {
      let child!: ChildProcess;
      const outcome = runMonitor(monitor, ['unpack', ...mapArgs, destDir], undefined, (c) => (child = c));
      // A write after the unpacker stopped reading fails with EPIPE: the verdict says why.
      child.stdin!.on('error', () => undefined);
      const result = outcome.then((out) => {
        const m = lastMessage(out.stdout);
        if (out.code !== 0 || m?.type !== 'unpacked') throw failure('unpack', out);
        if (typeof m.digest !== 'string' || !isDigest(m.digest) || typeof m.size !== 'number') {
          throw new ImageError(`${monitor} did not report the digest of the layer it unpacked; rebuild it with 'npm run build:native'`);
        }
        return { entries: m.entries, skipped: m.skipped ?? [], digest: m.digest, size: m.size };
      });
      return { stdin: child.stdin!, result, kill: () => child.kill('SIGKILL') };
    },
    async remove(paths) {
      if (paths.length === 0) return;
      const out = await runMonitor(monitor, ['rmtree', ...mapArgs, ...paths], undefined);
      if (out.code === 0 && lastMessage(out.stdout)?.type === 'removed') return;
      throw failure('rmtree', out);
    },
  };
}
