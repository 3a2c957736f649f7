// Resource flags of `sandbox run` -> validated ResourceLimits. Pure: device paths are resolved
// to major:minor by a function the caller passes in (the only I/O), so every rule here is
// unit-tested from plain strings. Wording and ranges follow docker's daemon (the reference).
import { UsageError } from '../errors.js';

/** The subset of parsed run options this stage reads (cli/run-options' RunOptions satisfies it).
 *  Number options arrive as text the parser has already checked for shape. */
export interface ResourceFlags {
  memory: string | undefined;
  memorySwap: string | undefined;
  memoryReservation: string | undefined;
  memorySwappiness: string | undefined;
  kernelMemory: string | undefined;
  oomKillDisable: boolean;
  cpuShares: string | undefined;
  cpus: string | undefined;
  cpuPeriod: string | undefined;
  cpuQuota: string | undefined;
  cpuRtPeriod: string | undefined;
  cpuRtRuntime: string | undefined;
  cpusetCpus: string | undefined;
  cpusetMems: string | undefined;
  blkioWeight: string | undefined;
  blkioWeightDevice: string[];
  deviceReadBps: string[];
  deviceWriteBps: string[];
  deviceReadIops: string[];
  deviceWriteIops: string[];
  pidsLimit: string | undefined;
}

/** A block device as the io controller names it. */
export interface DeviceNumber {
  major: number;
  minor: number;
}

export interface DeviceLimit {
  device: string;
  number: DeviceNumber;
  value: number;
}

export interface ResourceLimits {
  /** Bytes, or undefined for no limit. */
  memory?: number;
  /** memory+swap in bytes; -1 = unlimited swap. undefined = docker's default (2 x memory). */
  memorySwap?: number;
  memoryReservation?: number;
  cpuShares?: number;
  /** cpu.max as quota/period in microseconds; quota -1 = max. */
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  blkioWeight?: number;
  blkioWeightDevice: DeviceLimit[];
  deviceReadBps: DeviceLimit[];
  deviceWriteBps: DeviceLimit[];
  deviceReadIops: DeviceLimit[];
  deviceWriteIops: DeviceLimit[];
  /** -1 = unlimited (docker's 0 and -1). */
  pidsLimit?: number;
}

export type ResolveDevice = (path: string) => DeviceNumber;

// docker's cgroup-v2 daemon warnings: these knobs have no file on v2, so it says so and runs.
export const WARN_SWAPPINESS = 'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.';
export const WARN_KERNEL_MEMORY = 'Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.';
export const WARN_OOM_KILL_DISABLE = 'Your kernel does not support OomKillDisable. OomKillDisable discarded.';

const MIN_MEMORY = 6 * 1024 * 1024;
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

function bad(flag: string, value: string, why: string): UsageError {
  return new UsageError(`invalid argument "${value}" for "--${flag}" flag: ${why}`, "See 'sandbox run --help'.");
}

/** docker's RAMInBytes: `<number>[<unit>]`, units b k m g t p (binary), optional trailing b. */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([bkmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw bad(flag, text, 'invalid size: expected <number>[<unit>] with unit b, k, m or g');
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** "0-3,5": a cpu or memory-node list; returns it normalised, or throws. */
export function parseCpuList(flag: string, text: string, available?: number): string {
  const parts = text.split(',');
  for (const p of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) throw bad(flag, text, 'expected a list like 0-3 or 0,1');
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw bad(flag, text, `range ${p} goes backwards`);
    if (available !== undefined && hi >= available)
      throw bad(flag, text, `requested CPUs are not available - requested ${text}, available: 0-${available - 1}`);
  }
  return parts.join(',');
}

/** `DEVICE:VALUE` entries of --device-*-bps/iops and --blkio-weight-device. */
function parseDeviceList(flag: string, entries: string[], resolve: ResolveDevice, value: (flag: string, v: string, whole: string) => number): DeviceLimit[] {
  return entries.map((entry) => {
    const colon = entry.lastIndexOf(':');
    if (colon <= 0 || !entry.startsWith('/dev/')) throw bad(flag, entry, 'expected <device-path>:<value>, for example /dev/sda:1mb');
    const device = entry.slice(0, colon);
    const v = value(flag, entry.slice(colon + 1), entry);
    let number: DeviceNumber;
    try {
      number = resolve(device);
    } catch (e) {
      throw bad(flag, entry, `${device} is not a block device (${e instanceof Error ? e.message : String(e)})`);
    }
    return { device, number, value: v };
  });
}

const bpsValue = (flag: string, v: string, whole: string): number => {
  try {
    return parseBytes(flag, v);
  } catch {
    throw bad(flag, whole, 'invalid rate: expected <number>[<unit>] with unit kb, mb or gb');
  }
};
const iopsValue = (flag: string, v: string, whole: string): number => {
  if (!/^\d+$/.test(v)) throw bad(flag, whole, 'invalid rate: expected a positive integer (IO per second)');
  return Number(v);
};
const weightValue = (flag: string, v: string, whole: string): number => {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 10 && n <= 1000)) throw bad(flag, whole, 'weight must be between 10 and 1000');
  return n;
};

export interface LimitsResult {
  limits: ResourceLimits;
  warnings: string[];
  /** True when any flag asks the kernel to enforce something (the host must then be able to). */
  requested: boolean;
}

type NumericFlag = 'memorySwappiness' | 'cpuShares' | 'cpus' | 'cpuPeriod' | 'cpuQuota' | 'cpuRtPeriod' | 'cpuRtRuntime' | 'blkioWeight' | 'pidsLimit';
type Numbers = Omit<ResourceFlags, NumericFlag> & { [K in NumericFlag]: number | undefined };

export function resourceLimitsFrom(flags: ResourceFlags, resolve: ResolveDevice, onlineCpus?: number): LimitsResult {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const f: Numbers = {
    ...flags,
    memorySwappiness: num(flags.memorySwappiness),
    cpuShares: num(flags.cpuShares),
    cpus: num(flags.cpus),
    cpuPeriod: num(flags.cpuPeriod),
    cpuQuota: num(flags.cpuQuota),
    cpuRtPeriod: num(flags.cpuRtPeriod),
    cpuRtRuntime: num(flags.cpuRtRuntime),
    blkioWeight: num(flags.blkioWeight),
    pidsLimit: num(flags.pidsLimit),
  };
  // Refused, not warned: cgroup v2 has no real-time knob at all (ARCHITECTURE section 11).
  if (f.cpuRtPeriod !== undefined || f.cpuRtRuntime !== undefined) {
    const flag = f.cpuRtPeriod !== undefined ? 'cpu-rt-period' : 'cpu-rt-runtime';
    throw new UsageError(`--${flag} is not supported: cgroup v2 has no real-time CPU controller (cpu.rt_* exists only on cgroup v1)`);
  }
  const warnings: string[] = [];
  const limits: ResourceLimits = { blkioWeightDevice: [], deviceReadBps: [], deviceWriteBps: [], deviceReadIops: [], deviceWriteIops: [] };

  if (f.memory !== undefined) {
    const m = parseBytes('memory', f.memory);
    // docker treats 0 as "no limit"
    if (m !== 0) {
      if (m < MIN_MEMORY) throw bad('memory', f.memory, 'Minimum memory limit allowed is 6MB');
      limits.memory = m;
    }
  }
  if (f.memorySwap !== undefined) {
    const s = f.memorySwap.trim() === '-1' ? -1 : parseBytes('memory-swap', f.memorySwap);
    if (s !== 0) {
      if (limits.memory === undefined) throw bad('memory-swap', f.memorySwap, 'You should always set the Memory limit when using Memoryswap limit');
      if (s !== -1 && s < limits.memory) throw bad('memory-swap', f.memorySwap, 'Minimum memoryswap limit should be larger than memory limit, see usage');
      limits.memorySwap = s;
    }
  }
  if (f.memoryReservation !== undefined) {
    const r = parseBytes('memory-reservation', f.memoryReservation);
    if (r !== 0) {
      if (limits.memory !== undefined && r > limits.memory)
        throw bad('memory-reservation', f.memoryReservation, 'Minimum memory limit can not be less than memory reservation limit, see usage');
      limits.memoryReservation = r;
    }
  }
  if (f.memorySwappiness !== undefined && f.memorySwappiness !== -1) {
    if (!Number.isInteger(f.memorySwappiness) || f.memorySwappiness < 0 || f.memorySwappiness > 100)
      throw bad('memory-swappiness', String(f.memorySwappiness), 'valid memory swappiness range is 0-100');
    warnings.push(WARN_SWAPPINESS);
  }
  if (f.kernelMemory !== undefined) {
    const k = parseBytes('kernel-memory', f.kernelMemory);
    if (k !== 0 && k < 4 * 1024 * 1024) throw bad('kernel-memory', f.kernelMemory, 'Minimum kernel memory limit allowed is 4MB');
    warnings.push(WARN_KERNEL_MEMORY);
  }
  if (f.oomKillDisable) warnings.push(WARN_OOM_KILL_DISABLE);

  if (f.cpuShares !== undefined && f.cpuShares !== 0) {
    if (!Number.isInteger(f.cpuShares) || f.cpuShares < 2 || f.cpuShares > 262144)
      throw bad('cpu-shares', String(f.cpuShares), 'CPU shares must be between 2 and 262144');
    limits.cpuShares = f.cpuShares;
  }
  if (f.cpus !== undefined && f.cpus !== 0) {
    if (f.cpuPeriod !== undefined || f.cpuQuota !== undefined)
      throw new UsageError('Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set', "See 'sandbox run --help'.");
    if (f.cpus < 0.01 || (onlineCpus !== undefined && f.cpus > onlineCpus))
      throw bad('cpus', String(f.cpus), `range of CPUs is from 0.01 to ${onlineCpus ?? 'the number of CPUs'}.00, as there are only ${onlineCpus ?? 'that many'} CPUs available`);
    limits.cpuPeriod = 100000;
    limits.cpuQuota = Math.round(f.cpus * 100000);
  }
  if (f.cpuPeriod !== undefined && f.cpuPeriod !== 0) {
    if (!Number.isInteger(f.cpuPeriod) || f.cpuPeriod < 1000 || f.cpuPeriod > 1000000)
      throw bad('cpu-period', String(f.cpuPeriod), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1 second (i.e. 1000000)');
    limits.cpuPeriod = f.cpuPeriod;
  }
  if (f.cpuQuota !== undefined && f.cpuQuota !== 0) {
    if (!Number.isInteger(f.cpuQuota) || (f.cpuQuota !== -1 && f.cpuQuota < 1000))
      throw bad('cpu-quota', String(f.cpuQuota), 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    limits.cpuQuota = f.cpuQuota;
    limits.cpuPeriod ??= 100000;
  }
  if (f.cpusetCpus !== undefined && f.cpusetCpus !== '') limits.cpusetCpus = parseCpuList('cpuset-cpus', f.cpusetCpus, onlineCpus);
  if (f.cpusetMems !== undefined && f.cpusetMems !== '') limits.cpusetMems = parseCpuList('cpuset-mems', f.cpusetMems);

  if (f.blkioWeight !== undefined && f.blkioWeight !== 0) {
    if (!Number.isInteger(f.blkioWeight) || f.blkioWeight < 10 || f.blkioWeight > 1000)
      throw bad('blkio-weight', String(f.blkioWeight), 'Range of blkio weight is from 10 to 1000');
    limits.blkioWeight = f.blkioWeight;
  }
  limits.blkioWeightDevice = parseDeviceList('blkio-weight-device', f.blkioWeightDevice, resolve, weightValue);
  limits.deviceReadBps = parseDeviceList('device-read-bps', f.deviceReadBps, resolve, bpsValue);
  limits.deviceWriteBps = parseDeviceList('device-write-bps', f.deviceWriteBps, resolve, bpsValue);
  limits.deviceReadIops = parseDeviceList('device-read-iops', f.deviceReadIops, resolve, iopsValue);
  limits.deviceWriteIops = parseDeviceList('device-write-iops', f.deviceWriteIops, resolve, iopsValue);

  if (f.pidsLimit !== undefined) {
    if (!Number.isInteger(f.pidsLimit) || f.pidsLimit < -1) throw bad('pids-limit', String(f.pidsLimit), 'expected a positive integer, or -1 for unlimited');
    // docker: 0 and -1 both mean unlimited; only a positive value is a limit to enforce
    if (f.pidsLimit > 0) limits.pidsLimit = f.pidsLimit;
  }

  const { blkioWeightDevice, deviceReadBps, deviceWriteBps, deviceReadIops, deviceWriteIops, ...scalars } = limits;
  const requested =
    Object.values(scalars).some((v) => v !== undefined) ||
    [blkioWeightDevice, deviceReadBps, deviceWriteBps, deviceReadIops, deviceWriteIops].some((l) => l.length > 0);
  return { limits, warnings, requested };
}
