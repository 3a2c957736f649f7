// The small process options: --ulimit, --stop-signal, --label/--label-file, --env-file,
// --oom-score-adj. Pure: files arrive as text, read by the run command.
import { SpecError } from '../errors.js';
import { parseIntInRange } from './units.js';

export interface Ulimit {
  /** OCI's name: RLIMIT_NOFILE */
  type: string;
  soft: number;
  hard: number;
}

/** docker's --ulimit names (go-units ulimitNameMapping). */
const ULIMIT_NAMES = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];
/** RLIM_INFINITY as a JSON-safe number; the native side reads -1 as unlimited too. */
export const UNLIMITED = -1;

function ulimitValue(text: string, arg: string): number {
  if (text === '-1' || text === 'unlimited') return UNLIMITED;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new SpecError(`invalid ulimit argument: ${arg}: '${text}' is not a number`);
  return Number(text);
}

/** `--ulimit nofile=1024[:2048]` (soft[:hard]; hard defaults to soft). */
export function parseUlimit(arg: string): Ulimit {
  const eq = arg.indexOf('=');
  if (eq < 0) throw new SpecError(`invalid ulimit argument: ${arg}: use NAME=SOFT[:HARD], e.g. nofile=1024:2048`);
  const name = arg.slice(0, eq);
  if (!ULIMIT_NAMES.includes(name)) throw new SpecError(`invalid ulimit type: ${name} (--ulimit ${arg}): use one of ${ULIMIT_NAMES.join(', ')}`);
  const values = arg.slice(eq + 1).split(':');
  if (values.length > 2) throw new SpecError(`too many limit value arguments - ${arg.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const soft = ulimitValue(values[0]!, arg);
  const hard = values.length === 2 ? ulimitValue(values[1]!, arg) : soft;
  const big = (v: number) => (v === UNLIMITED ? Infinity : v);
  if (big(soft) > big(hard)) throw new SpecError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard} (--ulimit ${arg})`);
  return { type: `RLIMIT_${name.toUpperCase()}`, soft, hard };
}

/** Repeated names: the last one wins, as in docker. */
export function parseUlimits(args: string[]): Ulimit[] {
  const byType = new Map<string, Ulimit>();
  for (const a of args) {
    const u = parseUlimit(a);
    byType.set(u.type, u);
  }
  return [...byType.values()];
}

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** `--stop-signal`: a name (SIGTERM, TERM, RTMIN+3) or a number 1..64; kept as docker prints it. */
export function parseStopSignal(value: string): string {
  const v = value.trim().toUpperCase();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n >= 1 && n <= 64) return String(n);
  } else {
    const name = v.startsWith('SIG') ? v.slice(3) : v;
    if (SIGNALS[name] !== undefined) return `SIG${name}`;
    const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(name);
    if (rt) return `SIG${name}`;
  }
  throw new SpecError(`invalid signal: ${value} (--stop-signal): use a name such as SIGTERM or a number 1..64`);
}

export function parseStopTimeout(value: string): number {
  // docker takes -1 to mean "wait forever".
  return parseIntInRange(value, '--stop-timeout', -1, 2147483647);
}

/** `--oom-score-adj`: -1000..1000. Lowering it below the caller's needs host privilege (validated later). */
export function parseOomScoreAdj(value: string): number {
  return parseIntInRange(value, '--oom-score-adj', -1000, 1000);
}

/**
 * An env or label file as docker reads it: one entry a line, blank lines and lines starting
 * with # skipped, leading whitespace trimmed; a NAME without = is taken from `callerEnv` (env
 * files) or set to "" (label files).
 */
export function parseKeyValueFile(text: string, file: string, kind: 'env' | 'label', callerEnv: NodeJS.ProcessEnv = {}): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    if (name === '' || /\s/.test(name)) throw new SpecError(`invalid ${kind} file ${file} line ${i + 1}: variable '${name}' contains whitespaces`);
    if (eq >= 0) out.push(line);
    else if (kind === 'label') out.push(`${name}=`);
    else if (callerEnv[name] !== undefined) out.push(`${name}=${callerEnv[name]}`);
  }
  return out;
}

/** `--label k=v` / `--label k` (empty value), files first then flags, later wins. */
export function collectLabels(fileEntries: string[], flags: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of [...fileEntries, ...flags]) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw new SpecError(`invalid label '${l}' (--label): the key must not be empty`);
    labels[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return labels;
}
