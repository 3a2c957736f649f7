// --userns=keep-id at run time: the container's maps, and how its rootfs shows the image with
// the image's own owners under them (docs/storage.md, "keep-id"). The layers stay as they were
// unpacked (container 0 = you). Two ways: the FUSE overlay remaps owners on the fly (no copy at
// all), or, where FUSE can't be used or another driver is asked for, each layer is copied once
// per id map with its owners shifted and the kernel overlay (or a vfs copy) is built on those.
import { userInfo } from 'node:os';
import { SpecError } from '../errors.js';
import type { DriverChoice } from '../storage/driver.js';
import { forcedStorageDriver, storeFacts } from '../storage/select.js';
import type { SandboxPaths } from '../state/paths.js';
import type { CompletedSpec } from '../spec/types.js';
import { currentIdMaps, keepIdMaps, subordinateRanges, type IdMaps } from './idmap.js';

/** Your login name for keep-id's passwd line; your uid as text when the libc can't name you. */
export function ownUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 0);
  }
}

const HOW: Record<DriverChoice['driver'], string> = {
  'fuse-overlay': 'the FUSE overlay shows the image under the keep-id map, no copy',
  overlay: 'the kernel overlay over copies of the layers with their owners shifted, made once per layer and id map and reused',
  vfs: "a full copy of the image per container, with its owners shifted",
};

/**
 * keep-id's storage driver. A driver asked for (--storage-driver, SANDBOX_STORAGE_DRIVER,
 * storage.json) is kept: fuse-overlay remaps on the fly; overlay means the kernel overlay, so
 * over id-shifted copies of the layers; vfs copies the image with its owners shifted. Else the
 * FUSE overlay where /dev/fuse works (nothing to copy, ever); else the kernel overlay over the
 * shifted copies; else vfs.
 */
export async function keepIdDriver(flag: string | undefined, env: NodeJS.ProcessEnv, paths: SandboxPaths): Promise<DriverChoice> {
  const forced = await forcedStorageDriver(flag, env);
  if (forced) return { driver: forced.driver, reason: `${forced.reason}; --userns=keep-id: ${HOW[forced.driver]}` };
  const facts = await storeFacts(paths);
  if (facts.fuse) return { driver: 'fuse-overlay', reason: `--userns=keep-id: ${HOW['fuse-overlay']}` };
  const noFuse = `/dev/fuse is not usable (${facts.fuseError ?? 'missing'})`;
  if (facts.overlay) return { driver: 'overlay', reason: `--userns=keep-id: ${noFuse}, so ${HOW.overlay}` };
  return { driver: 'vfs', reason: `--userns=keep-id: ${noFuse} and the kernel overlay is refused (${facts.overlayError ?? 'refused'}), so ${HOW.vfs}` };
}

/** The container's maps and, under keep-id, the maps its layers were unpacked with. */
export function containerMaps(c: CompletedSpec, defaults: IdMaps = currentIdMaps()): { maps: IdMaps; storageMaps?: IdMaps } {
  if (!c.keepId) return { maps: defaults };
  const { subuid, subgid } = subordinateRanges(defaults);
  const own = (r: IdMaps['uidMappings']) => r.find((m) => m.containerID === 0)!.hostID;
  const keep = keepIdMaps(own(defaults.uidMappings), own(defaults.gidMappings), subuid, subgid, c.keepId);
  if (!keep)
    throw new SpecError(
      '--userns=keep-id needs subordinate ids (the container\'s root and every other id come from them), and you have none in /etc/subuid and /etc/subgid',
      'as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER',
    );
  return { maps: keep, storageMaps: defaults };
}
