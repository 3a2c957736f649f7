// The TS mirror of addon/include/sandbox/protocol.h: the closed set of JSON-line messages the
// native side sends (docs/native-interface.md). Parsing is strict: a line that is not one of
// these shapes is a protocol error, never silently ignored.

export type NativeMessage =
  | { type: 'started'; pid: number }
  | { type: 'exited'; exitCode: number; signal: number }
  | { type: 'detached' }
  | { type: 'exec-failed'; errno: number; path: string }
  | { type: 'error'; step: string; errno: number; message: string }
  | { type: 'unpacked'; entries: number; skipped: { path: string; reason: string }[]; digest?: string; size?: number }
  | { type: 'removed'; paths: string[] }
  | ({ type: 'probe' } & ProbeReport);

export interface ProbeReport {
  kernel: string;
  userns: boolean;
  idmapHelpers: boolean;
  subordinateMap?: boolean;
  overlay: boolean;
  overlayError?: string;
  fuse: boolean;
  tun: boolean;
  userNamespacesMax?: number;
  [key: string]: unknown;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

export class ProtocolError extends Error {}

export function parseNativeMessage(line: string): NativeMessage {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ProtocolError(`not a JSON message from sandbox-monitor: ${line.slice(0, 120)}`);
  }
  if (typeof v !== 'object' || v === null) throw new ProtocolError(`not a message object: ${line.slice(0, 120)}`);
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'started':
      if (isNum(m.pid)) return { type: 'started', pid: m.pid };
      break;
    case 'exited':
      if (isNum(m.exitCode) && isNum(m.signal)) return { type: 'exited', exitCode: m.exitCode, signal: m.signal };
      break;
    case 'detached':
      return { type: 'detached' };
    case 'exec-failed':
      if (isNum(m.errno) && isStr(m.path)) return { type: 'exec-failed', errno: m.errno, path: m.path };
      break;
    case 'error':
      if (isStr(m.step) && isNum(m.errno) && isStr(m.message)) return { type: 'error', step: m.step, errno: m.errno, message: m.message };
      break;
    case 'unpacked':
      if (isNum(m.entries) && Array.isArray(m.skipped) && m.skipped.every((s) => s && isStr(s.path) && isStr(s.reason)))
        return {
          type: 'unpacked',
          entries: m.entries,
          skipped: m.skipped as { path: string; reason: string }[],
          // The sha256 and length of every byte of the unpacker's input (unpack mode only).
          ...(isStr(m.digest) && isNum(m.size) ? { digest: m.digest, size: m.size } : {}),
        };
      break;
    case 'removed':
      if (Array.isArray(m.paths) && m.paths.every(isStr)) return { type: 'removed', paths: m.paths as string[] };
      break;
    case 'probe':
      if (isStr(m.kernel) && typeof m.userns === 'boolean') return m as { type: 'probe' } & ProbeReport;
      break;
  }
  throw new ProtocolError(`malformed '${String(m.type)}' message from sandbox-monitor: ${line.slice(0, 160)}`);
}

/** Split a chunked byte stream into complete lines; returns the leftover partial line. */
export function splitLines(buffered: string, chunk: string): { lines: string[]; rest: string } {
  const all = buffered + chunk;
  const parts = all.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((l) => l.trim() !== ''), rest };
}
