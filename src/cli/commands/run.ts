// `sandbox run`: the whole pipeline of ARCHITECTURE.md section 1, in order. Each stage is a
// function of its own module; this file only sequences them and owns the container's
// lifetime (created -> running -> exited, and removal with --rm). The foreground flow is
// runForeground(); a detached flow (issue 5) shares everything before it.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname as hostHostname } from 'node:os';
import { existsSync, mkdirSync } from 'node:fs';
import type { CommandContext } from '../context.js';
import { parseRunArgs } from '../parse.js';
import { fillRunSpec } from '../../spec/fill.js';
import { completeRunSpec } from '../../spec/complete.js';
import { validateRunSpec } from '../../spec/validate.js';
import type { CompletedSpec } from '../../spec/types.js';
import { toRuntimeConfig, containerLayout } from '../../oci/generate.js';
import { sandboxPaths, type SandboxPaths } from '../../state/paths.js';
import { ContainerStore, type ContainerRecord } from '../../state/containers.js';
import { newContainerId } from '../../state/names.js';
import { isoTimestamp } from '../../state/clock.js';
import { writeJsonAtomic } from '../../state/atomic.js';
import { currentIdMaps } from '../../runtime/idmap.js';
import { containerMaps, keepIdDriver, ownUserName } from '../../runtime/keep-id.js';
import { withOwnIds } from '../../spec/userns.js';
import { launchDetached, launchForeground, removalCommand } from '../../runtime/launch.js';
import { mark } from '../timing.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys.js';
import { SpecError } from '../../errors.js';
import { healthcheckFrom } from '../../spec/health.js';
import { parseRestartPolicy } from '../../spec/restart.js';
import { ImageStore } from '../../image/store.js';
import { readImageFile } from '../../image/layer-files.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { loadSecurityFiles } from '../../security/host.js';
import { planContainerCgroup, readCgroupRecord } from '../../cgroups/plan.js';
import { chooseStorageDriver } from '../../storage/select.js';
import { vfsCopy } from '../../storage/vfs.js';
import { idShift } from '../../storage/id-shift.js';
import { shiftedLayerDirs } from '../../storage/shifted-layers.js';
import { applyNetwork, containerNetwork, joinUserNetworks, readPublishedPorts, writeNetworkEtcFiles } from '../../network/runtime.js';
import { forgetContainer } from '../../network/members.js';
import type { ContainerNetwork } from '../../network/options.js';
import type { LogSettings } from '../../spec/logging.js';
import { checkLinkLocalIps, checkLinkNetwork, linkHostsLines, parseLink, resolveLinks } from '../../network/links.js';
import { mergeVolumesFrom, volumesFromMounts, volumesRootOf } from '../../spec/volumes-from.js';
import { checkStorageOpts, checkVolumeDriver } from '../../spec/storage-options.js';
import { checkGpus } from '../../spec/run-choices.js';
import { checkHostSide, createBindSources, gpuDevices, initBinary, joinedContainerPid, readHostInputs, resolveVolumes, storeFilesystem } from '../run-host.js';

/** `mode` 'create' (sandbox create) stops after the container exists; `start` runs it. */
export async function command(args: string[], ctx: CommandContext, mode: 'run' | 'create' = 'run'): Promise<number> {
  const parsed = parseRunArgs(args);
  mark('run: parsed');
  // Checked first, like every bad value: nothing is created for a run that can't go ahead.
  const detachKeys = parseDetachKeys(parsed.options.detachKeys || DEFAULT_DETACH_KEYS);
  const host = await readHostInputs(parsed.options);
  const spec = fillRunSpec(parsed.options, parsed.image, parsed.command, ctx.env, host);
  // Loaded only when asked (it brings the template engine for --log-opt tag): start-up stays lean.
  const logModule = parsed.options.logDriver !== undefined || parsed.options.logOpt.length > 0 ? await import('../../spec/logging.js') : undefined;
  const logging = logModule?.parseLogSettings(parsed.options.logDriver, parsed.options.logOpt);
  checkVolumeDriver(parsed.options.volumeDriver);
  checkLinkLocalIps(parsed.options.linkLocalIp);
  parsed.options.link.forEach(parseLink);
  if (parsed.options.gpus.length > 0) checkGpus(parsed.options.gpus, await gpuDevices());
  // --userns=keep-id: your own ids and name, unless keep-id:uid=,gid= chose others.
  if (spec.userns?.mode === 'keep-id') spec.userns = withOwnIds(spec.userns, process.getuid?.() ?? 0, process.getgid?.() ?? 0, ownUserName());
  // The seccomp profile file, --device nodes and --privileged's host devices, before the image:
  // a bad option is reported without touching the store.
  await loadSecurityFiles(spec.security);
  mark('run: security files');

  const paths = sandboxPaths(ctx.env);
  if (parsed.options.storageOpt.length > 0) checkStorageOpts(parsed.options.storageOpt, await storeFilesystem(paths.data));
  // --volumes-from: the other containers' volumes and binds, under the run's own mounts.
  if (parsed.options.volumesFrom.length > 0) {
    const imported = await volumesFromMounts(parsed.options.volumesFrom, new ContainerStore(paths), volumesRootOf(paths.data));
    spec.storage.mounts = mergeVolumesFrom(spec.storage.mounts, imported);
  }
  const image = await imageFor(spec.image, parsed.options, paths, ctx);
  mark('run: image');
  const [passwd, group] = await Promise.all([readImageFile(image.layerDirs, '/etc/passwd'), readImageFile(image.layerDirs, '/etc/group')]);

  // Complete and validate before anything is created, so bad input leaves nothing behind.
  const id = newContainerId();
  const imageInputs = { id: image.id, name: spec.image, config: image.config, layerDirs: image.layerDirs, passwd, group };
  const { completed, warnings } = completeRunSpec(spec, imageInputs, id);
  // --uts=host: the container shares the host's name; /etc/hostname and /etc/hosts say it too.
  if (spec.namespaces.uts === 'host') completed.hostname = hostHostname();
  if (spec.namespaces.ipc === 'host') spec.namespaces.hostMqueue = existsSync('/dev/mqueue');
  validateRunSpec(completed);
  mark('run: completed');
  await checkHostSide(spec);
  // --pid/--ipc container:X: X's init, whose namespaces (and user namespace) the init joins.
  const joinPid = await joinedContainerPid(spec, paths);
  if (joinPid !== undefined) spec.namespaces.joinPid = joinPid;
  // The network is resolved before anything exists (bad -p/--network values are refused, its
  // warnings printed) and handed on to createContainer, which builds the config from it.
  const resolvedNet = await containerNetwork(completed, paths);
  warnings.push(...resolvedNet.warnings);
  checkLinkNetwork(parsed.options.link, resolvedNet.network.mode);
  mark('run: network resolved');
  if (parsed.options.link.length > 0) completed.links = await resolveLinks(parsed.options.link, resolvedNet.network.userNetworks, new ContainerStore(paths), paths);
  // Resource limits (issue 7): validated, mapped to cgroup files, and refused here when this
  // host can't enforce them, before anything is created.
  const cgroup = planContainerCgroup(parsed.options, id, ctx.env);
  mark('run: cgroup plan');
  completed.cgroup = cgroup.placement;
  // The rootfs driver (issue 9): forced by flag, SANDBOX_STORAGE_DRIVER or the config file,
  // else the kernel overlay where the probe says it works on the store's filesystem.
  // keep-id takes the FUSE overlay (it remaps the image's owners) unless it can't or another
  // driver is asked for: then id-shifted copies of the layers, made once (runtime/keep-id.ts).
  completed.rootfs = completed.keepId ? await keepIdDriver(parsed.options.storageDriver, ctx.env, paths) : await chooseStorageDriver(parsed.options.storageDriver, ctx.env, paths);
  for (const w of [...warnings, ...cgroup.warnings]) ctx.stderr.write(`WARNING: ${w}\n`);
  mark('run: storage driver');

  // --health-* over the image's HEALTHCHECK (issue 5): run by the monitor.
  const healthcheck = healthcheckFrom(parsed.options, image.config.config?.Healthcheck);
  if (healthcheck) completed.healthcheck = healthcheck;
  const restart = parseRestartPolicy(parsed.options.restart, spec.lifecycle.rm);
  if (restart.name !== 'no') completed.restart = restart;
  if (logging) completed.logging = logging;

  if (mode === 'create') {
    const { rec } = await createContainer(completed, paths, new ContainerStore(paths), resolvedNet.network);
    ctx.stdout.write(`${rec.id}\n`);
    return 0;
  }
  if (spec.lifecycle.detach) return runDetached(completed, paths, ctx, resolvedNet.network);
  return runForeground(completed, paths, detachKeys, resolvedNet.network);
}

/**
 * run -d: start the container under a monitor that outlives us, print its id. (Issue 5 owns
 * this flow; it is here in the shape launchDetached gives it.)
 */
export async function runDetached(completed: CompletedSpec, paths: SandboxPaths, ctx: CommandContext, network?: ContainerNetwork): Promise<number> {
  const containers = new ContainerStore(paths);
  const prepared = await createContainer(completed, paths, containers, network);
  let rec = prepared.rec;
  // --rm: no daemon is there when it ends, so its monitor runs our `rm -v` then (docker
  // removes the container and its anonymous volumes).
  const autoRemove = completed.spec.lifecycle.rm;
  try {
    const started = await launchDetached(prepared.configPath, autoRemove ? removalCommand(rec.id) : [], false, {
      ...(prepared.log ? { log: prepared.log } : {}),
      openStdin: completed.spec.process.interactive,
      stdinOnce: false,
      terminal: completed.spec.process.tty,
    });
    const ports = await readPublishedPorts(containers.dir(rec.id));
    rec = await containers.transition(rec, 'running', { pid: started.pid, monitorPid: started.monitorPid, detached: true, startedAt: isoTimestamp(), ...(ports.length ? { ports } : {}) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const failed = await containers.transition(rec, 'exited', { error: message, finishedAt: isoTimestamp() }).catch(() => rec);
    // A container that never started has no monitor to remove it: --rm is ours here.
    if (autoRemove) await removeWithVolumes(containers, failed, prepared.anonymousVolumes, paths).catch(() => undefined);
    throw err;
  }
  ctx.stdout.write(`${rec.id}\n`);
  return 0;
}

interface PreparedContainer {
  rec: ContainerRecord;
  configPath: string;
  anonymousVolumes: string[];
  /** The config's log settings (run -d hands them to the monitor without reading the config back). */
  log: LogSettings | undefined;
}

/** The container's record, state dir, generated files, volumes and runtime config. */
async function createContainer(completed: CompletedSpec, paths: SandboxPaths, containers: ContainerStore, network?: ContainerNetwork): Promise<PreparedContainer> {
  const { spec, containerId: id } = completed;
  const rec = await containers.create({
    id,
    name: spec.identity.name,
    image: spec.image,
    imageId: completed.imageId,
    command: completed.args,
    autoRemove: spec.lifecycle.rm,
  });
  mark('create: record');
  try {
    return await prepareContainer(completed, paths, containers, rec, network ?? (await containerNetwork(completed, paths)).network);
  } catch (err) {
    // Nothing of a run that failed before its start is left behind: no record, no cidfile.
    await containers.remove(rec, (p) => nativeUnpacker().remove(p)).catch(() => undefined);
    await forgetContainer(paths, rec.id).catch(() => undefined);
    const cidfile = spec.lifecycle.cidfile;
    // Only a cidfile we wrote: another run's must stay.
    if (cidfile !== undefined && (await readFile(cidfile, 'utf8').catch(() => '')) === rec.id) await rm(cidfile, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The state dir's content: generated files, volumes and the runtime config. */
async function prepareContainer(completed: CompletedSpec, paths: SandboxPaths, containers: ContainerStore, rec: ContainerRecord, network: ContainerNetwork): Promise<PreparedContainer> {
  const { spec, containerId: id } = completed;
  // docker writes the cidfile as soon as the container exists (before it starts).
  if (spec.lifecycle.cidfile !== undefined) await writeFile(spec.lifecycle.cidfile, id, { flag: 'wx', mode: 0o644 });
  const stateDir = containers.dir(id);
  const layout = containerLayout(stateDir);
  // upper/ gives the container's "/" its attributes: 0755 like an image root; the 0700
  // container directory above it keeps other host users out.
  mkdirSync(layout.upper, { mode: 0o755 });
  mkdirSync(layout.work, { mode: 0o700 });
  mkdirSync(layout.merged, { mode: 0o700 });
  mark('create: dirs');
  const { maps, storageMaps } = containerMaps(completed, currentIdMaps());
  // --userns=keep-id without FUSE: the owners the image shows under the keep-id map come from
  // a shift; the kernel overlay stacks the layers' shifted copies (made once, kept in the store).
  const shift = storageMaps ? idShift(storageMaps, maps) : undefined;
  const driver = completed.rootfs?.driver;
  const lowerDirs = storageMaps && driver === 'overlay' ? await shiftedLayerDirs(completed.layerDirs, storageMaps, maps, paths) : undefined;
  // vfs (issue 9): upper/ becomes a full copy of the image, made once, here, so a failed copy
  // fails the run before anything starts and the container's changes survive a restart.
  if (driver === 'vfs') await vfsCopy(completed.layerDirs, layout.upper, { shift });
  await createBindSources(spec);
  // User-defined networks: an address on each, recorded before the container can start.
  const joined = await joinUserNetworks(paths, network, id, rec.name);
  await writeNetworkEtcFiles(network, completed.hostname, layout, joined, completed.links?.length ? linkHostsLines(completed.links) : '');
  mark('create: etc files');
  const volumes = await resolveVolumes(completed, paths, shift);
  const dirs = {
    stateDir,
    volumeDirs: volumes.dirs,
    ...(spec.process.init ? { initBinary: initBinary() } : {}),
    ...(lowerDirs ? { lowerDirs } : {}),
    // keep-id: what we made shows as your uid inside; the init gives the image's root its
    // /etc/passwd and /etc/group and, over shifted layers, "/" (upper/).
    ...(completed.keepId ? { giveToRoot: { uid: completed.keepId.uid, gid: completed.keepId.gid, paths: keepIdRootOwned(completed, layout, driver) } } : {}),
  };
  if (completed.keepId?.passwd !== undefined) await writeFile(layout.passwd, completed.keepId.passwd, { mode: 0o644 });
  if (completed.keepId?.group !== undefined) await writeFile(layout.group, completed.keepId.group, { mode: 0o644 });
  const runtimeConfig = applyNetwork(toRuntimeConfig(completed, dirs, maps, driver === 'fuse-overlay' ? storageMaps : undefined), network, joined, { id, name: rec.name });
  if (completed.healthcheck) runtimeConfig.sandbox.healthcheck = completed.healthcheck;
  if (completed.restart) runtimeConfig.sandbox.restart = completed.restart;
  // The log's attributes (tag, labels, env) need the name, known only now that the record exists.
  if (completed.logging) {
    const who = { id, name: rec.name, imageId: completed.imageId, imageName: completed.imageName, labels: spec.identity.labels, env: completed.env };
    const { logAttributes } = await import('../../spec/logging.js');
    runtimeConfig.sandbox.log = { ...completed.logging, attrs: logAttributes(completed.logging, who) };
  }
  await writeJsonAtomic(layout.config, runtimeConfig, 0o600, { durable: false });
  mark('create: config written');
  return { rec, configPath: layout.config, anonymousVolumes: volumes.anonymous, log: runtimeConfig.sandbox.log };
}

/** Under keep-id, the files we made that the container's root must own (see giveToRoot). */
function keepIdRootOwned(c: CompletedSpec, layout: ReturnType<typeof containerLayout>, driver: string | undefined): string[] {
  return [
    ...(driver === 'overlay' ? [layout.upper] : []),
    ...(c.keepId?.passwd !== undefined ? [layout.passwd] : []),
    ...(c.keepId?.group !== undefined ? [layout.group] : []),
  ];
}

/** Create the container, run it with our stdio, record its end; --rm removes it afterwards. */
export async function runForeground(completed: CompletedSpec, paths: SandboxPaths, detachKeys?: Buffer, network?: ContainerNetwork): Promise<number> {
  const { spec } = completed;
  // docker's check: with -it our input goes into the container's terminal, which has no EOF of
  // its own, so input from a pipe or file would leave the command waiting forever.
  if (spec.process.tty && spec.process.interactive && process.stdin.isTTY !== true) throw new SpecError('the input device is not a TTY');
  const containers = new ContainerStore(paths);
  let rec: ContainerRecord | undefined;
  let anonymousVolumes: string[] = [];
  let detached = false;
  try {
    const prepared = await createContainer(completed, paths, containers, network);
    rec = prepared.rec;
    anonymousVolumes = prepared.anonymousVolumes;
    const result = await launchForeground(prepared.configPath, {
      interactive: spec.process.interactive,
      sigProxy: spec.lifecycle.sigProxy,
      tty: spec.process.tty,
      ...(spec.lifecycle.attach ? { attach: spec.lifecycle.attach } : {}),
      ...(detachKeys ? { detachKeys } : {}),
      exitCommand: spec.lifecycle.rm ? removalCommand(completed.containerId) : [],
      autoRemove: spec.lifecycle.rm,
      log: completed.logging,
      onStarted: async (pid, monitorPid) => {
        const ports = await readPublishedPorts(containers.dir(rec!.id));
        rec = await containers.transition(rec!, 'running', { pid, monitorPid, startedAt: isoTimestamp(), ...(ports.length ? { ports } : {}) });
      },
    });
    // Detached (-it and the detach keys): the container runs on; its monitor records its end
    // (and removes it, with --rm).
    if (result.detached) {
      detached = true;
      return 0;
    }
    // --rm: the record goes right below; the monitor's exit.json already tells any reader in
    // between that it has exited (state/observe.ts), so it is not rewritten first.
    if (spec.lifecycle.rm) return result.exitCode;
    // The monitor read the OOM verdict from the cgroup before removing it (docker's OOMKilled).
    const oomKilled = (await readCgroupRecord(containers.dir(rec.id)))?.oomKilled ?? false;
    rec = await containers.transition(rec, 'exited', { exitCode: result.exitCode, oomKilled, finishedAt: isoTimestamp() });
  mark('run: exited recorded');
    return result.exitCode;
  } catch (err) {
    // The record tells the truth about a failed start (docker keeps such a container too).
    const message = err instanceof Error ? err.message : String(err);
    const failed = rec;
    if (failed) rec = await containers.transition(failed, 'exited', { error: message, finishedAt: isoTimestamp() }).catch(() => failed);
    throw err;
  } finally {
    if (spec.lifecycle.rm && rec && !detached) await removeWithVolumes(containers, rec, anonymousVolumes, paths);
    mark('run: removed');
  }
}

/** --rm: the container, and its anonymous volumes as docker does; named ones stay. */
async function removeWithVolumes(containers: ContainerStore, rec: ContainerRecord, anonymousVolumes: string[], paths: SandboxPaths): Promise<void> {
  const remove = (p: string[]) => nativeUnpacker().remove(p);
  mark('remove: start');
  await containers.remove(rec, remove);
  if (anonymousVolumes.length > 0) {
    const { VolumeStore } = await import('../../state/volumes.js');
    const store = new VolumeStore(paths);
    // Not forced: one another container took with --volumes-from stays (docker's volume in use).
    for (const v of anonymousVolumes) await store.remove(v, remove).catch(() => undefined);
  }
}

/**
 * The image to run: the local one when --pull=missing finds it (the common case, which loads
 * no registry code), else through ensureImage (docker's "Unable to find image ... locally",
 * then the pull output on stderr; --pull=never refuses; -q silences the pull).
 */
async function imageFor(ref: string, o: { pull: string | undefined; platform: string | undefined; quiet: boolean }, paths: SandboxPaths, ctx: CommandContext) {
  const store = new ImageStore(paths);
  if ((o.pull ?? 'missing') === 'missing' && o.platform === undefined) {
    const local = await store.resolveImage(ref).catch(() => undefined);
    if (local) return local;
  }
  const { ensureImage, parsePullPolicy } = await import('../../image/ensure.js');
  return ensureImage(ref, { pull: parsePullPolicy(o.pull), platform: o.platform, quiet: o.quiet, progress: ctx.stderr, env: ctx.env }, store);
}
