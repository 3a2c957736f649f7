// The run command's host-side I/O around the pure spec stages: files named by options, bind
// sources, the cidfile, volumes and the --init binary (the /etc files: network/runtime.ts). Kept apart
// from run.ts so the command reads as the pipeline it is.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NativeError, SpecError } from '../errors.js';
import type { HostInputs } from '../spec/fill.js';
import type { CompletedSpec, RunSpec } from '../spec/types.js';
import { monitorPath } from '../runtime/paths.js';
import type { SandboxPaths } from '../state/paths.js';
import type { IdShift } from '../storage/id-shift.js';

/** The caller's cwd and the text of every --env-file / --label-file (a missing file: one line, 125). */
export async function readHostInputs(opts: { envFile: string[]; labelFile: string[] }): Promise<HostInputs> {
  const files: Record<string, string> = {};
  for (const [flag, list] of [['--env-file', opts.envFile], ['--label-file', opts.labelFile]] as const) {
    for (const f of list) {
      try {
        files[f] = await readFile(f, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new SpecError(`open ${f}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message} (${flag})`);
      }
    }
  }
  return { cwd: process.cwd(), files };
}

/**
 * Checks that need the disk, made before anything is created: --mount bind sources must exist
 * (docker's message); -v sources are created as docker does; the cidfile must not exist;
 * oom_score_adj may only be raised without privilege.
 */
export async function checkHostSide(spec: RunSpec): Promise<void> {
  for (const m of spec.storage.mounts) {
    if (m.type !== 'bind') continue;
    const st = await stat(m.source).catch(() => undefined);
    if (st) continue;
    if (!m.createSource) throw new SpecError(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
  }
  if (spec.lifecycle.cidfile !== undefined && existsSync(spec.lifecycle.cidfile)) {
    throw new SpecError(`Container ID file found, make sure the other container isn't running or delete ${spec.lifecycle.cidfile}`);
  }
  const adj = spec.process.oomScoreAdj;
  if (adj !== undefined) {
    const current = Number((await readFile('/proc/self/oom_score_adj', 'utf8').catch(() => '0')).trim());
    // Lowering needs CAP_SYS_RESOURCE in the host's namespace, which a rootless run never has.
    if (adj < current) throw new SpecError(`invalid value "${adj}" for --oom-score-adj: a rootless container may only raise it (yours is ${current}); lowering it needs root`);
  }
  if (spec.process.init) initBinary();
}

/** The name of the filesystem the store is on (its nearest existing directory), for messages. */
export async function storeFilesystem(dir: string): Promise<string> {
  const { filesystemName } = await import('../spec/storage-options.js');
  for (let d = dir; ; d = dirname(d)) {
    const st = await statfs(d).catch(() => undefined);
    if (st) return filesystemName(st.type);
    if (d === '/') return 'unknown filesystem';
  }
}

/**
 * --pid/--ipc container:NAME|ID: the host pid of that container's init, whose namespaces the
 * new one joins. It must be running (docker's message otherwise).
 */
export async function joinedContainerPid(spec: RunSpec, paths: SandboxPaths): Promise<number | undefined> {
  const ns = spec.namespaces;
  const ref = ns.pidContainer ?? ns.ipcContainer;
  if (ref === undefined) return undefined;
  const what = ns.pidContainer !== undefined ? 'PID' : 'IPC';
  const { ContainerStore } = await import('../state/containers.js');
  const { gatherFacts, effectiveRecord } = await import('../state/observe.js');
  const store = new ContainerStore(paths);
  const rec = await store.find(ref).catch(() => {
    throw new SpecError(`No such container: ${ref} (--${what.toLowerCase()} container:${ref})`);
  });
  const facts = await gatherFacts(rec, store.dir(rec.id));
  const pid = facts.pidFromFile;
  if (effectiveRecord(rec, facts).status !== 'running' || !facts.monitorAlive || pid === undefined) {
    throw new SpecError(`cannot join ${what} of a non running container: ${ref}`);
  }
  return pid;
}

/** The host's GPU device nodes (--gpus says what it would need with them). */
export async function gpuDevices(): Promise<string[]> {
  const names = await readdir('/dev').catch(() => [] as string[]);
  return names.filter((n) => n.startsWith('nvidia')).map((n) => `/dev/${n}`).sort();
}

/** sandbox-init sits next to sandbox-monitor (same CMake build). */
export function initBinary(): string {
  const p = join(dirname(monitorPath()), 'sandbox-init');
  if (!existsSync(p)) throw new NativeError(`--init needs ${p}, which is missing`, { hint: 'Build the native part with `npm run build:native`.' });
  return p;
}

/** Create the -v bind sources that don't exist yet (docker creates them as directories). */
export async function createBindSources(spec: RunSpec): Promise<void> {
  for (const m of spec.storage.mounts) {
    if (m.type !== 'bind' || !m.createSource || existsSync(m.source)) continue;
    try {
      await mkdir(m.source, { recursive: true, mode: 0o755 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOTDIR' ? 'not a directory' : e.message;
      throw new SpecError(`error while creating mount source path '${m.source}': mkdir ${e.path ?? m.source}: ${why}`);
    }
  }
}

/** Each volume request's host directory, by target; new volumes seeded from the image. */
export async function resolveVolumes(c: CompletedSpec, paths: SandboxPaths, shift?: IdShift): Promise<{ dirs: Record<string, string>; anonymous: string[] }> {
  const requests = c.spec.storage.mounts.filter((m) => m.type === 'volume');
  if (requests.length === 0) return { dirs: {}, anonymous: [] };
  const { VolumeStore, seedVolume, isEmptyDir } = await import('../state/volumes.js');
  const store = new VolumeStore(paths);
  const dirs: Record<string, string> = {};
  const anonymous: string[] = [];
  for (const m of requests) {
    if (m.type !== 'volume') continue;
    const { volume, created } = await store.ensure(m.source);
    if (m.source === undefined) anonymous.push(volume.Name);
    dirs[m.target] = volume.Mountpoint;
    if (created && !m.nocopy && (await isEmptyDir(volume.Mountpoint))) await seedVolume(volume.Mountpoint, c.layerDirs, m.target, shift);
  }
  return { dirs, anonymous };
}
