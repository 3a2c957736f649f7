// The I/O half of the driver choice (./driver.ts): the user's settings, and the probe of the
// store's filesystem, cached so a run pays for it once per kernel and store device.
import { readFileSync, statSync } from 'node:fs';
import { homedir, release } from 'node:os';
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import { currentIdMaps } from '../runtime/idmap.js';
import { probeHost } from '../runtime/probe.js';
import type { ProbeReport } from '../runtime/protocol.js';
import { writeJsonAtomic } from '../state/atomic.js';
import type { SandboxPaths } from '../state/paths.js';
import { autoDriver, driverReport, requestedDriver, type DriverChoice, type DriverFacts, type DriverStatus } from './driver.js';

export function storageConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'sandbox', 'storage.json');
}

// The config file and the probe cache are read synchronously: small files on the path of every
// `run`, where each fs/promises call would be a thread-pool round trip.
function configSetting(env: NodeJS.ProcessEnv): { driver: string; path: string } | undefined {
  const path = storageConfigPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;  // no config file: nothing forced
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const driver = (doc as { driver?: unknown } | null)?.driver;
  if (driver === undefined) return undefined;
  if (typeof driver !== 'string') throw new SpecError(`${path}: "driver" must be a string`);
  return { driver, path };
}

/** The probe's storage facts; `filesystem` is a name when the caller knows it. */
export function factsFromProbe(p: ProbeReport, filesystem: string): DriverFacts {
  const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  return { filesystem, overlay: p.overlay, overlayError: text(p.overlayError), fuse: p.fuse, fuseError: text(p.fuseError) };
}

interface CachedFacts extends DriverFacts {
  kernel: string;
  dev: number;
}

/** Probe results for the store's filesystem, cached in the store. */
export async function storeFacts(paths: SandboxPaths): Promise<DriverFacts> {
  const cacheFile = join(paths.data, 'storage-probe.json');
  const dev = statSync(paths.data).dev;
  try {
    const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as CachedFacts;
    if (c.kernel === release() && c.dev === dev) return c;
  } catch {
    /* no cache yet, or unreadable: probe again */
  }
  const report = await probeHost(currentIdMaps(), join(paths.tmp, 'probe'));
  const facts: CachedFacts = { ...factsFromProbe(report, `the store's filesystem (${paths.data})`), kernel: release(), dev };
  await writeJsonAtomic(cacheFile, facts).catch(() => undefined);  // a cache, never a reason to fail
  return facts;
}

/** The driver forced by --storage-driver, SANDBOX_STORAGE_DRIVER or the config file, if any. */
export async function forcedStorageDriver(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<DriverChoice | undefined> {
  return requestedDriver({ flag, env: env.SANDBOX_STORAGE_DRIVER, config: configSetting(env) });
}

/** The driver for a new container: --storage-driver, SANDBOX_STORAGE_DRIVER, the config file, else the probe. */
export async function chooseStorageDriver(flag: string | undefined, env: NodeJS.ProcessEnv, paths: SandboxPaths): Promise<DriverChoice> {
  const forced = requestedDriver({ flag, env: env.SANDBOX_STORAGE_DRIVER, config: configSetting(env) });
  return forced ?? autoDriver(await storeFacts(paths));
}

/** For `sandbox info`: every driver and whether it works here, and what a run would pick. */
export async function describeStorage(probe: ProbeReport | undefined, filesystem: string, env: NodeJS.ProcessEnv): Promise<{ drivers: DriverStatus[]; choice: DriverChoice | { error: string } }> {
  const facts = probe ? factsFromProbe(probe, filesystem) : undefined;
  const drivers = facts ? driverReport(facts) : [];
  try {
    const forced = requestedDriver({ env: env.SANDBOX_STORAGE_DRIVER, config: configSetting(env) });
    if (forced) return { drivers, choice: forced };
    if (!facts) return { drivers, choice: { error: 'not probed' } };
    return { drivers, choice: autoDriver(facts) };
  } catch (err) {
    return { drivers, choice: { error: (err as Error).message } };
  }
}
