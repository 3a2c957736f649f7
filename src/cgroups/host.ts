// The I/O half of cgroup planning: read the facts planPlacement decides on, and resolve block
// devices for the io flags. Kept apart so limits.ts, files.ts and placement.ts stay pure.
import { statSync } from 'node:fs';
import { cpus, userInfo } from 'node:os';
import { cgroupFacts, ownCgroupSubtreeControl } from '../runtime/host-info.js';
import type { DeviceNumber } from './limits.js';
import type { PlacementFacts } from './placement.js';

/**
 * Synchronous (a few tiny /sys files on the path of every `run`): see cgroupFacts. The user's
 * name is looked up only when a refusal message needs it (getpwuid reads /etc/passwd).
 */
export function placementFacts(env: NodeJS.ProcessEnv): PlacementFacts {
  const facts = cgroupFacts(env);
  const uid = process.getuid?.() ?? 0;
  const ownSubtreeControl = facts.version === 'v2' && facts.path !== undefined ? ownCgroupSubtreeControl(facts.path) : undefined;
  let user: string | undefined;
  return {
    version: facts.version,
    path: facts.path,
    ownSubtreeControl,
    systemdUserManager: facts.systemdUserManager,
    managerControllers: facts.managerControllers,
    get user() {
      return (user ??= userName(uid));
    },
    uid,
  };
}

function userName(uid: number): string {
  try {
    return userInfo().username;
  } catch {
    return String(uid); // a uid without a passwd entry: its number will do
  }
}

/** major:minor of a block device node, as io.max names it. */
export function resolveBlockDevice(path: string): DeviceNumber {
  const st = statSync(path);
  if (!st.isBlockDevice()) throw new Error('not a block device');
  const rdev = st.rdev;
  // glibc's gnu_dev_major/minor split of a 64-bit dev_t
  const major = ((rdev >>> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return { major, minor: minor >>> 0 };
}

export function onlineCpuCount(): number {
  return cpus().length;
}
