// --storage-opt and --volume-driver: what docker's local storage accepts, checked before
// anything is created. Pure: the store's filesystem is passed in by the caller.
import { SpecError } from '../errors.js';

/** statfs f_type -> name, for the filesystems a store is likely to sit on. */
const FS_NAMES: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlay',
  0x6969: 'nfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
};

export function filesystemName(type: number): string {
  return FS_NAMES[type] ?? `filesystem type 0x${type.toString(16)}`;
}

/**
 * docker's --storage-opt KEY=VALUE. Its one key for overlay, size=, is a project quota on the
 * store's filesystem (xfs with pquota, ext4 with the project feature), and setting a quota
 * limit needs CAP_SYS_ADMIN on the host (quotactl): no rootless runtime can enforce it, so it
 * is refused with what to use instead, never accepted and ignored.
 */
export function checkStorageOpts(values: string[], storeFs: string): void {
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new SpecError(`invalid value "${v}" for --storage-opt: invalid storage option, use KEY=VALUE (e.g. size=10G)`);
    const key = v.slice(0, eq).trim().toLowerCase();
    if (key === 'size') {
      throw new SpecError(
        `--storage-opt ${v}: a container size limit needs a project quota on the store's filesystem (${storeFs}; xfs with pquota or ext4 with the project feature), and only root can set quota limits, so a rootless container can't have one; put the data that must be capped on a --tmpfs with size= or a volume on a size-limited filesystem`,
      );
    }
    throw new SpecError(`--storage-opt ${v}: unknown storage option "${key}": the only option docker's overlay storage has is size=, and it needs root (project quotas)`);
  }
}

/** --volume-driver: docker's default for volumes the container creates; only `local` exists here. */
export function checkVolumeDriver(driver: string | undefined): void {
  if (driver === undefined || driver === '' || driver === 'local') return;
  throw new SpecError(`--volume-driver ${driver}: volume driver "${driver}" is not supported: only the local driver exists (leave the flag out, or use --volume-driver local)`);
}
