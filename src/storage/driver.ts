// Which rootfs driver a container gets, and why. Pure: the facts (probe results, the user's
// settings) come in, a choice with its reason goes out. The I/O half is ./select.ts.
import { SpecError } from '../errors.js';

export const STORAGE_DRIVERS = ['overlay', 'fuse-overlay', 'vfs'] as const;
export type StorageDriver = (typeof STORAGE_DRIVERS)[number];
/** The drivers the native side can mount (all of them; kept as the gate for any new name). */
export const BUILT_DRIVERS: readonly StorageDriver[] = ['overlay', 'fuse-overlay', 'vfs'];

/** Where a forced driver came from, strongest first. */
export interface DriverRequests {
  /** --storage-driver */
  flag?: string | undefined;
  /** SANDBOX_STORAGE_DRIVER (how the test suite runs under one driver) */
  env?: string | undefined;
  /** "driver" in $XDG_CONFIG_HOME/sandbox/storage.json, with that file's path for messages */
  config?: { driver: string; path: string } | undefined;
}

/** What the probe (sandbox-monitor probe) found on the store's filesystem. */
export interface DriverFacts {
  filesystem: string;
  overlay: boolean;
  overlayError?: string | undefined;
  fuse: boolean;
  fuseError?: string | undefined;
}

export interface DriverChoice {
  driver: StorageDriver;
  /** One line for `sandbox info` and --log-level debug: why this driver. */
  reason: string;
}

export function parseDriverName(value: string, source: string): StorageDriver {
  const v = value.trim();
  if ((STORAGE_DRIVERS as readonly string[]).includes(v)) {
    const d = v as StorageDriver;
    if (!BUILT_DRIVERS.includes(d)) throw new SpecError(`storage driver "${d}" (from ${source}) is not supported yet; use ${BUILT_DRIVERS.join(' or ')}`);
    return d;
  }
  throw new SpecError(`invalid storage driver "${value}" (from ${source}): want one of ${STORAGE_DRIVERS.join(', ')}`);
}

/** The forced driver, if any: flag over environment over config file. */
export function requestedDriver(r: DriverRequests): DriverChoice | undefined {
  if (r.flag !== undefined && r.flag !== '') return { driver: parseDriverName(r.flag, '--storage-driver'), reason: 'chosen with --storage-driver' };
  if (r.env !== undefined && r.env !== '') return { driver: parseDriverName(r.env, 'SANDBOX_STORAGE_DRIVER'), reason: 'chosen by SANDBOX_STORAGE_DRIVER' };
  if (r.config) return { driver: parseDriverName(r.config.driver, r.config.path), reason: `chosen in ${r.config.path}` };
  return undefined;
}

/** No driver forced: the kernel overlay where it works, else ours over FUSE, else the copy (vfs). */
export function autoDriver(f: DriverFacts): DriverChoice {
  if (f.overlay) return { driver: 'overlay', reason: `the kernel overlay works in a user namespace on ${f.filesystem}` };
  if (f.fuse)
    return {
      driver: 'fuse-overlay',
      reason: `the kernel overlay is refused on ${f.filesystem} (${f.overlayError ?? 'refused'}), so the FUSE overlay serves the rootfs`,
    };
  // The last resort: a full copy of the image per container needs nothing but the user
  // namespace. Slow to create and heavy on disk, so the reason says how to get an overlay back.
  return {
    driver: 'vfs',
    reason:
      `the kernel overlay is refused on ${f.filesystem} (${f.overlayError ?? 'refused'}) and /dev/fuse is not usable (${f.fuseError ?? 'missing'}), ` +
      'so each container gets a full copy of its image (vfs); to use the FUSE overlay instead, as root: apt-get install fuse3 && chmod 0666 /dev/fuse',
  };
}

export interface DriverStatus {
  driver: StorageDriver;
  works: boolean;
  detail: string;
}

/** Every driver and whether it works here, for `sandbox info`. */
export function driverReport(f: DriverFacts): DriverStatus[] {
  return [
    { driver: 'overlay', works: f.overlay, detail: f.overlay ? `kernel overlay in a user namespace on ${f.filesystem}` : (f.overlayError ?? 'refused') },
    { driver: 'fuse-overlay', works: f.fuse, detail: f.fuse ? 'our FUSE overlay (needs /dev/fuse)' : (f.fuseError ?? '/dev/fuse not usable') },
    // Needs nothing but the user namespace the unpacker already uses: it works wherever images
    // can be pulled. Picked only when neither overlay works (each container costs a full copy).
    { driver: 'vfs', works: true, detail: 'a full copy of the image per container (slow to create, uses disk: the last resort)' },
  ];
}
