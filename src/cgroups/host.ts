// The I/O half of cgroup planning: read the facts planPlacement decides on, and resolve block
// devices for the io flags. Kept apart so limits.ts, files.ts and placement.ts stay pure.
import { statSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { cpus, userInfo } from 'node:os';
import { join } from 'node:path';
import { cgroupFacts } from '../runtime/host-info.js';
import type { DeviceNumber } from './limits.js';
import type { PlacementFacts } from './placement.js';

const words = (text: string) => text.trim().split(/\s+/).filter(Boolean);

export async function placementFacts(env: NodeJS.ProcessEnv): Promise<PlacementFacts> {
  const facts = await cgroupFacts(env);
  const uid = process.getuid?.() ?? 0;
  let user = String(uid);
  try {
    user = userInfo().username;
  } catch {
    /* a uid without a passwd entry: its number will do */
  }
  let ownSubtreeControl: string[] | undefined;
  let managerControllers: string[] = [];
  if (facts.version === 'v2') {
    if (facts.path !== undefined) {
      const dir = join('/sys/fs/cgroup', facts.path);
      const writable = await access(join(dir, 'cgroup.procs'), constants.W_OK).then(() => true, () => false);
      if (writable) ownSubtreeControl = words(await readFile(join(dir, 'cgroup.subtree_control'), 'utf8').catch(() => ''));
    }
    const manager = `/sys/fs/cgroup/user.slice/user-${uid}.slice/user@${uid}.service/cgroup.controllers`;
    managerControllers = words(await readFile(manager, 'utf8').catch(() => ''));
  }
  return { version: facts.version, path: facts.path, ownSubtreeControl, systemdUserManager: facts.systemdUserManager, managerControllers, user, uid };
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
