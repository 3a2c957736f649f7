// ResourceLimits -> the cgroup v2 files to write in the container's cgroup, and the controllers
// its parent must enable for them. Pure. Conversions are the ones runc/crun use for v2, so a
// container gets the same kernel settings here as under docker or podman.
import type { DeviceLimit, DeviceNumber, ResourceLimits } from './limits.js';

export type Controller = 'cpu' | 'cpuset' | 'io' | 'memory' | 'pids';

/** One write. `fallback` is tried when `file` does not exist (io.bfq.weight vs io.weight). */
export interface CgroupFileWrite {
  file: string;
  value: string;
  fallback?: { file: string; value: string };
}

export interface CgroupFiles {
  controllers: Controller[];
  writes: CgroupFileWrite[];
}

/** cgroup v1 cpu.shares [2, 262144] -> v2 cpu.weight [1, 10000] (the runc/crun formula). */
export function cpuSharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio weight [10, 1000] -> io.weight [1, 10000] (the runc/crun formula), for when BFQ is absent. */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

const dev = (n: DeviceNumber) => `${n.major}:${n.minor}`;

/** io.max lines, one per device, with every key that device has (the file replaces per key). */
function ioMaxLines(l: ResourceLimits): string[] {
  const byDevice = new Map<string, string[]>();
  const add = (list: DeviceLimit[], key: string) => {
    for (const d of list) {
      const k = dev(d.number);
      byDevice.set(k, [...(byDevice.get(k) ?? []), `${key}=${d.value}`]);
    }
  };
  add(l.deviceReadBps, 'rbps');
  add(l.deviceWriteBps, 'wbps');
  add(l.deviceReadIops, 'riops');
  add(l.deviceWriteIops, 'wiops');
  return [...byDevice].map(([k, keys]) => `${k} ${keys.join(' ')}`);
}

export function cgroupFilesFor(l: ResourceLimits): CgroupFiles {
  const writes: CgroupFileWrite[] = [];
  const used = new Set<Controller>();
  const w = (c: Controller, file: string, value: string, fallback?: CgroupFileWrite['fallback']) => {
    used.add(c);
    writes.push(fallback ? { file, value, fallback } : { file, value });
  };

  if (l.memoryReservation !== undefined) w('memory', 'memory.low', String(l.memoryReservation));
  if (l.memory !== undefined) {
    w('memory', 'memory.max', String(l.memory));
    // v2 accounts swap on its own: memory.swap.max = (memory+swap) - memory. Unset means
    // docker's default of as much swap as memory; -1 means unlimited.
    const swap = l.memorySwap === undefined ? l.memory : l.memorySwap === -1 ? 'max' : l.memorySwap - l.memory;
    w('memory', 'memory.swap.max', String(swap));
  }
  if (l.cpuShares !== undefined) w('cpu', 'cpu.weight', String(cpuSharesToWeight(l.cpuShares)));
  if (l.cpuQuota !== undefined || l.cpuPeriod !== undefined) {
    const quota = l.cpuQuota === undefined || l.cpuQuota === -1 ? 'max' : String(l.cpuQuota);
    w('cpu', 'cpu.max', `${quota} ${l.cpuPeriod ?? 100000}`);
  }
  // cpuset.cpus before .mems is order-free on v2, but both need the cpuset controller enabled.
  if (l.cpusetCpus !== undefined) w('cpuset', 'cpuset.cpus', l.cpusetCpus);
  if (l.cpusetMems !== undefined) w('cpuset', 'cpuset.mems', l.cpusetMems);
  if (l.blkioWeight !== undefined)
    w('io', 'io.bfq.weight', String(l.blkioWeight), { file: 'io.weight', value: `default ${blkioWeightToIoWeight(l.blkioWeight)}` });
  for (const d of l.blkioWeightDevice)
    w('io', 'io.bfq.weight', `${dev(d.number)} ${d.value}`, { file: 'io.weight', value: `${dev(d.number)} ${blkioWeightToIoWeight(d.value)}` });
  for (const line of ioMaxLines(l)) w('io', 'io.max', line);
  if (l.pidsLimit !== undefined) w('pids', 'pids.max', String(l.pidsLimit));

  // Always enable the controllers `stats` reads (memory, pids, cpu, io), even with no limits,
  // when the host delegates them; the caller intersects this with what is delegated.
  const order: Controller[] = ['cpu', 'cpuset', 'io', 'memory', 'pids'];
  return { controllers: order.filter((c) => used.has(c)), writes };
}

/** The systemd unit properties a scope could carry instead (youki's mapping), for `info` and docs. */
export function systemdPropertiesFor(l: ResourceLimits): [string, string | number | boolean][] {
  const p: [string, string | number | boolean][] = [];
  if (l.memory !== undefined) p.push(['MemoryMax', l.memory]);
  if (l.memoryReservation !== undefined) p.push(['MemoryLow', l.memoryReservation]);
  if (l.memory !== undefined) {
    const swap = l.memorySwap === undefined ? l.memory : l.memorySwap === -1 ? 'infinity' : l.memorySwap - l.memory;
    p.push(['MemorySwapMax', swap]);
  }
  if (l.cpuShares !== undefined) p.push(['CPUWeight', cpuSharesToWeight(l.cpuShares)]);
  if (l.cpuQuota !== undefined && l.cpuQuota !== -1) {
    const period = l.cpuPeriod ?? 100000;
    // systemd wants CPUQuotaPerSecUSec (quota normalised to a 1 s period) and the period apart
    p.push(['CPUQuotaPerSecUSec', Math.round((l.cpuQuota * 1000000) / period)], ['CPUQuotaPeriodUSec', period]);
  }
  if (l.cpusetCpus !== undefined) p.push(['AllowedCPUs', l.cpusetCpus]);
  if (l.cpusetMems !== undefined) p.push(['AllowedMemoryNodes', l.cpusetMems]);
  if (l.blkioWeight !== undefined) p.push(['IOWeight', blkioWeightToIoWeight(l.blkioWeight)]);
  if (l.pidsLimit !== undefined) p.push(['TasksMax', l.pidsLimit]);
  return p;
}
