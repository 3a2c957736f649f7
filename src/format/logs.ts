// Reading the container log the monitor writes (addon/monitor/log_writer.h): k8s-file lines
//   2026-11-28T05:10:00.123456789Z stdout F hello
// back into records, and docker's `logs` selection (--since/--until/--tail/-t). Pure.
import { UsageError } from '../errors.js';

export interface LogRecord {
  /** RFC 3339 with nanoseconds, as written. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** The text, with its newline when the record ended a line (F). */
  text: string;
}

/** Parse whole lines of a log file; a malformed line (a torn tail) is skipped. */
export function parseLogLines(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
    if (!m) continue;
    out.push({ time: m[1]!, stream: m[2] as 'stdout' | 'stderr', text: m[3] === 'F' ? `${m[4]}\n` : m[4]! });
  }
  return out;
}

/** Nanosecond-precise comparable key for an RFC 3339 UTC time ("...T05:10:00.123456789Z"). */
function timeKey(t: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(t);
  const ms = Date.parse(m ? `${m[1]}Z` : t);
  const frac = (m?.[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(Math.trunc(ms / 1000)) * 1_000_000_000n + BigInt(frac || '0');
}

/**
 * docker's --since/--until value: an RFC 3339 time (date only, or without zone = UTC), a Unix
 * timestamp (seconds[.nanos]), or a duration before now ("42m", "1h30m", "10s").
 */
export function parseLogTime(value: string, now: Date): bigint {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    const [s, f = ''] = v.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(f.padEnd(9, '0').slice(0, 9) || '0');
  }
  const dur = /^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(v) ? durationMs(v) : undefined;
  if (dur !== undefined) return BigInt(now.getTime() - dur) * 1_000_000n;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new UsageError(`invalid value for "since"/"until": ${value} is neither a timestamp, an RFC 3339 date nor a duration`);
  const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
  return BigInt(Math.trunc(ms / 1000)) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9) || '0');
}

function durationMs(v: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

export interface LogSelection {
  since?: bigint | undefined;
  until?: bigint | undefined;
  /** Lines from the end; undefined = all. */
  tail?: number | undefined;
}

/** docker's -n/--tail: "all" or a number (negative = all). */
export function parseTail(value: string): number | undefined {
  if (value === 'all' || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid value for "tail": ${value}`);
  const n = Number(value);
  return n < 0 ? undefined : n;
}

export function selectRecords(records: readonly LogRecord[], sel: LogSelection): LogRecord[] {
  let out = records.filter((r) => {
    const k = timeKey(r.time);
    return (sel.since === undefined || k >= sel.since) && (sel.until === undefined || k <= sel.until);
  });
  if (sel.tail !== undefined) {
    // Count lines, not records: a P record belongs to the line its F ends.
    let lines = 0;
    let i = out.length;
    while (i > 0) {
      if (out[i - 1]!.text.endsWith('\n')) {
        if (lines === sel.tail) break;
        lines++;
      }
      i--;
    }
    out = out.slice(i);
  }
  return out;
}

/** What `logs` prints for one record: with -t, docker's RFC3339Nano stamp before each line. */
export function renderRecord(r: LogRecord, timestamps: boolean, atLineStart: boolean, details = false, attrs = ''): string {
  if (!atLineStart) return r.text;
  // --details: docker puts the log's extra attributes (--log-opt tag/labels/env, as
  // detailsPrefix below writes them) and a space before each line, after the
  // timestamp; with none that is the space alone, exactly as docker prints it.
  const text = details ? `${attrs} ${r.text}` : r.text;
  return timestamps ? `${r.time} ${text}` : text;
}

/** Go's url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay, a space becomes '+'. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** What `logs --details` prints before a line's text: k=v pairs sorted by key, comma-joined (docker's). */
export function detailsPrefix(attrs: Record<string, string> | undefined): string {
  return Object.keys(attrs ?? {})
    .sort()
    .map((k) => `${queryEscape(k)}=${queryEscape(attrs![k]!)}`)
    .join(',');
}
