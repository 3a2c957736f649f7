// --userns=keep-id at run time: the driver that can show the image under the keep-id map, and
// the container's maps. The layers stay as they were unpacked (container 0 = you); rather
// than chown-copying the image as podman does, the FUSE overlay remaps owners on the fly.
import { userInfo } from 'node:os';
import { SpecError } from '../errors.js';
import type { DriverChoice } from '../storage/driver.js';
import { storeFacts } from '../storage/select.js';
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

/**
 * keep-id's storage driver: always the FUSE overlay. The kernel overlay would show the layers'
 * on-disk owners through the keep-id map (your files as uid U, the image's root as nobody),
 * and idmapped mounts are refused to unprivileged users. A --storage-driver other than
 * fuse-overlay is a contradiction and refused; SANDBOX_STORAGE_DRIVER and storage.json are
 * defaults and give way.
 */
export async function keepIdDriver(flag: string | undefined, paths: SandboxPaths): Promise<DriverChoice> {
  if (flag !== undefined && flag !== '' && flag.trim() !== 'fuse-overlay')
    throw new SpecError(`--userns=keep-id needs the fuse-overlay storage driver (it shows the image's owners under the keep-id map without copying the image), not --storage-driver ${flag}`);
  const facts = await storeFacts(paths);
  if (!facts.fuse)
    throw new SpecError(
      `--userns=keep-id needs the FUSE overlay (a chown copy of the image instead is not built), and /dev/fuse is not usable here (${facts.fuseError ?? 'missing'})`,
      'as root: apt-get install fuse3 && chmod 0666 /dev/fuse',
    );
  return { driver: 'fuse-overlay', reason: '--userns=keep-id: the FUSE overlay shows the image under the keep-id map, no copy' };
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
