// Every resource flag absent, as the parser gives it when none is typed.
import type { ResourceFlags } from '../../../src/cgroups/limits.js';

export const none: ResourceFlags = {
  memory: undefined, memorySwap: undefined, memoryReservation: undefined, memorySwappiness: undefined, kernelMemory: undefined,
  oomKillDisable: false, cpuShares: undefined, cpus: undefined, cpuPeriod: undefined, cpuQuota: undefined, cpuRtPeriod: undefined,
  cpuRtRuntime: undefined, cpusetCpus: undefined, cpusetMems: undefined, blkioWeight: undefined, blkioWeightDevice: [],
  deviceReadBps: [], deviceWriteBps: [], deviceReadIops: [], deviceWriteIops: [], pidsLimit: undefined,
};
