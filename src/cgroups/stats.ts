// `sandbox stats`: a container's cgroup v2 counters -> docker's stats row. Reading the files is
// the only I/O (readCgroupSample); the arithmetic and the formatting are pure and unit-tested.
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { goFormatG, humanSize } from '../format/units.js';
import type { TableSpec } from '../format/template.js';

export interface CgroupSample {
  /** cpu.stat usage_usec */
  cpuUsec: number;
  /** memory.current minus memory.stat inactive_file (docker's "usage" on v2) */
  memory: number;
  /** memory.max in bytes, undefined for "max" */
  memoryLimit: number | undefined;
  pids: number;
  readBytes: number;
  writeBytes: number;
  /** when the sample was taken, in microseconds (monotonic) */
  at: number;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** go-units BytesSize: binary units, %.4g (docker's MEM USAGE / LIMIT). */
export function bytesSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < BINARY_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return `${goFormatG(size, 4)}${BINARY_UNITS[i]}`;
}

/** key value lines (cpu.stat, memory.stat) -> a map. */
export function keyValues(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) m.set(k, Number(v));
  }
  return m;
}

/** io.stat lines "MAJ:MIN rbytes=.. wbytes=.. ..." summed over devices. */
export function ioTotals(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const m of text.matchAll(/\brbytes=(\d+)/g)) readBytes += Number(m[1]);
  for (const m of text.matchAll(/\bwbytes=(\d+)/g)) writeBytes += Number(m[1]);
  return { readBytes, writeBytes };
}

export interface SampleFiles {
  cpuStat: string;
  memoryCurrent: string;
  memoryStat: string;
  memoryMax: string;
  pidsCurrent: string;
  ioStat: string;
}

export function parseSample(f: SampleFiles, at: number): CgroupSample {
  const current = Number(f.memoryCurrent.trim()) || 0;
  const inactive = keyValues(f.memoryStat).get('inactive_file') ?? 0;
  const max = f.memoryMax.trim();
  return {
    cpuUsec: keyValues(f.cpuStat).get('usage_usec') ?? 0,
    memory: Math.max(0, current - inactive),
    memoryLimit: max === '' || max === 'max' ? undefined : Number(max),
    pids: Number(f.pidsCurrent.trim()) || 0,
    ...ioTotals(f.ioStat),
    at,
  };
}

export async function readCgroupSample(dir: string): Promise<CgroupSample> {
  const read = (name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
  const at = Number(process.hrtime.bigint() / 1000n);
  const [cpuStat, memoryCurrent, memoryStat, memoryMax, pidsCurrent, ioStat] = await Promise.all(
    ['cpu.stat', 'memory.current', 'memory.stat', 'memory.max', 'pids.current', 'io.stat'].map(read),
  );
  // An empty cpu.stat means the cgroup is gone (the container just ended).
  if (cpuStat === '') throw new Error(`cgroup ${dir} is gone`);
  return parseSample({ cpuStat: cpuStat!, memoryCurrent: memoryCurrent!, memoryStat: memoryStat!, memoryMax: memoryMax!, pidsCurrent: pidsCurrent!, ioStat: ioStat! }, at);
}

/** docker stats' row; the fields are its --format names. */
export interface StatsRow {
  Container: string;
  ID: string;
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

export const statsTable: TableSpec = {
  defaultTable: '{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}',
  headers: {
    Container: 'CONTAINER',
    ID: 'CONTAINER ID',
    Name: 'NAME',
    CPUPerc: 'CPU %',
    MemUsage: 'MEM USAGE / LIMIT',
    MemPerc: 'MEM %',
    NetIO: 'NET I/O',
    BlockIO: 'BLOCK I/O',
    PIDs: 'PIDS',
  },
};

export interface StatsInput {
  container: string;
  id: string;
  name: string;
  /** Two samples of the container's cgroup, or undefined: no cgroup (not running, or none on this host). */
  before: CgroupSample | undefined;
  after: CgroupSample | undefined;
  hostMemory: number;
  noTrunc: boolean;
}

export function statsRow(s: StatsInput): StatsRow {
  const base = { Container: s.container, ID: s.noTrunc ? s.id : s.id.slice(0, 12), Name: s.name };
  const a = s.after;
  // docker prints "--" for a container it has no numbers for; NET I/O: the network is the
  // container's own namespace, whose counters are not in the cgroup.
  if (!a) return { ...base, CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--' };
  const b = s.before;
  // Percent of one CPU over the interval, docker's v2 formula (cpu delta / wall delta).
  const cpu = b && a.at > b.at ? ((a.cpuUsec - b.cpuUsec) / (a.at - b.at)) * 100 : 0;
  const limit = a.memoryLimit ?? s.hostMemory;
  return {
    ...base,
    CPUPerc: `${Math.max(0, cpu).toFixed(2)}%`,
    MemUsage: `${bytesSize(a.memory)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit > 0 ? (a.memory / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: '--',
    BlockIO: `${humanSize(a.readBytes)} / ${humanSize(a.writeBytes)}`,
    PIDs: String(a.pids),
  };
}

export const hostMemory = () => totalmem();
