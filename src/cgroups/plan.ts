// `sandbox run`'s one call into this folder: the host's facts read, then the pure request.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onlineCpuCount, placementFacts, resolveBlockDevice } from './host.js';
import { cgroupRequest, type CgroupRequest, type CgroupRequestInput } from './request.js';

export function planContainerCgroup(opts: CgroupRequestInput, containerId: string, env: NodeJS.ProcessEnv): CgroupRequest {
  // The CPU count bounds --cpus and --cpuset-cpus only; os.cpus() reads /proc/stat and /proc/cpuinfo.
  const onlineCpus = opts.cpus !== undefined || opts.cpusetCpus !== undefined ? onlineCpuCount() : undefined;
  return cgroupRequest(opts, containerId, placementFacts(env), resolveBlockDevice, onlineCpus);
}

/** What the monitor recorded in `<state-dir>/cgroup.json` (addon/cgroup/record.cc). */
export interface CgroupRecord {
  path: string;
  oomKilled: boolean;
}

export async function readCgroupRecord(stateDir: string): Promise<CgroupRecord | undefined> {
  try {
    const v = JSON.parse(await readFile(join(stateDir, 'cgroup.json'), 'utf8')) as Partial<CgroupRecord>;
    return typeof v.path === 'string' ? { path: v.path, oomKilled: v.oomKilled === true } : undefined;
  } catch {
    return undefined;
  }
}
