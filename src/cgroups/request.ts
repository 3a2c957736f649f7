// From parsed run options to what the runtime config carries: the limits, docker's warnings,
// and the placement (or the refusal). The one entry point `sandbox run` calls.
import { UsageError } from '../errors.js';
import { cgroupFilesFor, type Controller } from './files.js';
import { resourceLimitsFrom, type ResolveDevice, type ResourceFlags, type ResourceLimits } from './limits.js';
import { planPlacement, type CgroupPlacement, type PlacementFacts } from './placement.js';

export interface CgroupRequestInput extends ResourceFlags {
  cgroups: string | undefined;
  cgroupParent?: string | undefined;
}

/** The flags (as typed, long form) that ask the kernel to enforce something. */
export function enforcedFlags(l: ResourceLimits): string[] {
  const f: string[] = [];
  if (l.memory !== undefined) f.push('--memory');
  if (l.memorySwap !== undefined) f.push('--memory-swap');
  if (l.memoryReservation !== undefined) f.push('--memory-reservation');
  if (l.cpuShares !== undefined) f.push('--cpu-shares');
  if (l.cpuQuota !== undefined || l.cpuPeriod !== undefined) f.push('--cpus/--cpu-quota/--cpu-period');
  if (l.cpusetCpus !== undefined) f.push('--cpuset-cpus');
  if (l.cpusetMems !== undefined) f.push('--cpuset-mems');
  if (l.blkioWeight !== undefined) f.push('--blkio-weight');
  if (l.blkioWeightDevice.length) f.push('--blkio-weight-device');
  if (l.deviceReadBps.length) f.push('--device-read-bps');
  if (l.deviceWriteBps.length) f.push('--device-write-bps');
  if (l.deviceReadIops.length) f.push('--device-read-iops');
  if (l.deviceWriteIops.length) f.push('--device-write-iops');
  if (l.pidsLimit !== undefined) f.push('--pids-limit');
  return f;
}

export interface CgroupRequest {
  limits: ResourceLimits;
  warnings: string[];
  placement: CgroupPlacement | undefined;
  needed: Controller[];
}

export function cgroupRequest(opts: CgroupRequestInput, containerId: string, host: PlacementFacts, resolve: ResolveDevice, onlineCpus: number | undefined): CgroupRequest {
  const mode = opts.cgroups ?? 'enabled';
  if (mode !== 'enabled' && mode !== 'disabled')
    throw new UsageError(`invalid argument "${mode}" for "--cgroups" flag: expected "enabled" or "disabled"`, "See 'sandbox run --help'.");
  const { limits, warnings } = resourceLimitsFrom(opts, resolve, onlineCpus);
  const { controllers, writes } = cgroupFilesFor(limits);
  // --cgroup-parent asks for a placement even without limits: refused where there can be none.
  const parent = opts.cgroupParent === undefined || opts.cgroupParent === '' ? undefined : opts.cgroupParent;
  const flags = [...enforcedFlags(limits), ...(parent !== undefined ? ['--cgroup-parent'] : [])];
  const placement = planPlacement({ containerId, flags, needed: controllers, writes, disabled: mode === 'disabled', parent }, host);
  return { limits, warnings, placement, needed: controllers };
}
