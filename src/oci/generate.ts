// Completed spec -> runtime config for sandbox-monitor. Pure: paths and id maps come in.
import type { IdMaps } from '../runtime/idmap.js';
import type { CompletedSpec } from '../spec/types.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, defaultMounts } from './defaults.js';
import type { OciMount, OciRlimit, RuntimeConfig } from './types.js';
import type { MountRequest } from '../spec/mounts.js';
import { UNLIMITED } from '../spec/process-options.js';
import { join } from 'node:path';
import { deviceMounts, privilegedDefaultMounts, systemPaths } from '../spec/security.js';
import { containerSeccomp, seccompCacheFile } from '../security/container-seccomp.js';
import { cloneNamespaces, namespaceMounts } from '../spec/namespaces.js';

export interface ContainerDirs {
  /** containers/<id> */
  stateDir: string;
  /** The host directory of each volume request, by target (state/volumes resolves them). */
  volumeDirs?: Record<string, string>;
  /** The static sandbox-init executable, bound in read-only for --init. */
  initBinary?: string;
  /** Layer directories to stack instead of the image's own (keep-id's shifted copies), bottom first. */
  lowerDirs?: string[];
  /** Files we made that the image's root must own, with the container ids they show as until the init gives them to it (keep-id). */
  giveToRoot?: { uid: number; gid: number; paths: string[] };
}

/** Where --init's reaper appears in the container (docker's path, so scripts that look for it work). */
export const INIT_PATH = '/sbin/docker-init';

export function containerLayout(stateDir: string) {
  return {
    config: join(stateDir, 'config.json'),
    state: join(stateDir, 'state.json'),
    upper: join(stateDir, 'upper'),
    work: join(stateDir, 'work'),
    merged: join(stateDir, 'merged'),
    pid: join(stateDir, 'pid'),
    // Generated per container and bound in, as docker does: the image's own copies stay
    // untouched, and a --read-only root still gets them.
    hostname: join(stateDir, 'hostname'),
    hosts: join(stateDir, 'hosts'),
    resolvConf: join(stateDir, 'resolv.conf'),
    // --userns=keep-id when the image lacks your user or group (spec/userns.ts).
    passwd: join(stateDir, 'passwd'),
    group: join(stateDir, 'group'),
  };
}

/** OCI's "unlimited" is RLIM_INFINITY; the native side reads any value >= 2^53 as that. */
const RLIM_INFINITY = 18446744073709551615;

function toRlimits(c: CompletedSpec): OciRlimit[] {
  const v = (n: number) => (n === UNLIMITED ? RLIM_INFINITY : n);
  return c.spec.process.ulimits.map((u) => ({ type: u.type, soft: v(u.soft), hard: v(u.hard) }));
}

/** -v/--mount/--tmpfs requests as OCI mounts; binds are recursive and rprivate unless asked. */
export function userMounts(requests: MountRequest[], volumeDirs: Record<string, string> = {}): OciMount[] {
  return requests.map((m): OciMount => {
    if (m.type === 'tmpfs') return { destination: m.target, type: 'tmpfs', source: 'tmpfs', options: m.options };
    const source = m.type === 'bind' ? m.source : volumeDirs[m.target];
    if (source === undefined) throw new Error(`internal: no directory resolved for the volume at ${m.target}`);
    const recursive = m.type === 'volume' || m.recursive;
    const propagation = m.type === 'bind' ? m.propagation : 'rprivate';
    return { destination: m.target, type: 'bind', source, options: [recursive ? 'rbind' : 'bind', propagation, ...(m.readonly ? ['ro'] : [])] };
  });
}

/**
 * @param storageMaps the maps the image's layers were unpacked with, when the container's
 * maps differ (--userns=keep-id): the FUSE overlay then shows the image with its owners.
 */
export function toRuntimeConfig(c: CompletedSpec, dirs: ContainerDirs, maps: IdMaps, storageMaps?: IdMaps): RuntimeConfig {
  const layout = containerLayout(dirs.stateDir);
  const caps = c.capabilities;
  const seccomp = containerSeccomp(c.spec.security, caps);
  const ns = c.spec.namespaces;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: c.spec.process.tty,
      user: { uid: c.user.uid, gid: c.user.gid, additionalGids: c.user.additionalGids },
      // docker-init's form: the reaper, then `--`, then the command it runs as its child.
      args: c.spec.process.init ? [INIT_PATH, '--', ...c.args] : c.args,
      env: c.env,
      cwd: c.cwd,
      // Non-root users lose permitted/effective at execve unless ambient, exactly as with docker.
      capabilities: { bounding: caps, effective: caps, inheritable: [], permitted: caps, ambient: [] },
      noNewPrivileges: c.spec.security.noNewPrivileges,
      rlimits: toRlimits(c),
      ...(c.spec.process.oomScoreAdj !== undefined ? { oomScoreAdj: c.spec.process.oomScoreAdj } : {}),
    },
    root: { path: layout.merged, readonly: c.spec.security.readOnly },
    // --uts=host: the host's name, which the container can't set (no uts namespace of its own).
    hostname: ns.uts === 'host' ? '' : c.hostname,
    ...(ns.domainname ? { domainname: ns.domainname } : {}),
    mounts: [
      // The standard mounts as the namespaces want them (--pid/--ipc/--cgroupns=host bind the
      // host's own); a user's mounts below are left as given.
      ...namespaceMounts(ns, [
        ...privilegedDefaultMounts(c.spec.security, defaultMounts(c.spec.storage.shmSize)),
        // docker's view of its own cgroup (read-only, rooted there by the cgroup namespace): only
        // when the container has a cgroup of its own; on top of /sys, so after it. --cgroupns=host:
        // the host's hierarchy, bound in (namespaceMounts).
        ...(c.cgroup || ns.cgroupns === 'host' ? [{ destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }] : []),
      ]),
      // Right after /dev's own nodes: a user's -v can't then be shadowed by a device bind.
      ...deviceMounts(c.spec.security),
      ...[['/etc/hostname', layout.hostname], ['/etc/hosts', layout.hosts], ['/etc/resolv.conf', layout.resolvConf]].map(
        ([destination, source]) => ({ destination: destination!, type: 'bind', source: source!, options: ['bind', 'rprivate'] }),
      ),
      ...(c.keepId?.passwd !== undefined ? [{ destination: '/etc/passwd', type: 'bind', source: layout.passwd, options: ['bind', 'rprivate'] }] : []),
      ...(c.keepId?.group !== undefined ? [{ destination: '/etc/group', type: 'bind', source: layout.group, options: ['bind', 'rprivate'] }] : []),
      // After the generated files: a user's -v onto /etc/hosts wins, as in docker.
      ...userMounts(c.spec.storage.mounts, dirs.volumeDirs),
      ...(c.spec.process.init && dirs.initBinary ? [{ destination: INIT_PATH, type: 'bind', source: dirs.initBinary, options: ['bind', 'ro', 'nosuid', 'nodev'] }] : []),
    ],
    linux: {
      uidMappings: maps.uidMappings,
      gidMappings: maps.gidMappings,
      // 'cgroup' is unshared by the init once it sits in its own cgroup (setup.cc), not at clone.
      namespaces: [...cloneNamespaces(ns), ...(ns.cgroupns === 'host' ? [] : [{ type: 'cgroup' }])],
      ...(Object.keys(ns.sysctls).length ? { sysctl: ns.sysctls } : {}),
      maskedPaths: systemPaths(c.spec.security, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS).masked,
      readonlyPaths: systemPaths(c.spec.security, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS).readonly,
      ...(seccomp ? { seccomp } : {}),
    },
    annotations: {
      ...c.spec.identity.annotations,
      ...c.spec.identity.labels,
      'io.sandbox.image': c.imageName,
      'io.sandbox.image.id': c.imageId,
      ...(c.keepId ? { 'io.sandbox.userns': 'keep-id' } : {}),
      // The mode as given (shareable and private look alike in the namespaces), for inspect.
      ...(ns.ipc !== 'private' ? { 'io.sandbox.ipc': ns.ipc === 'container' ? `container:${ns.ipcContainer}` : ns.ipc } : {}),
      ...(ns.pid === 'container' ? { 'io.sandbox.pid': `container:${ns.pidContainer}` } : {}),
      ...(c.spec.lifecycle.stopSignal !== undefined ? { 'io.sandbox.stop-signal': c.spec.lifecycle.stopSignal } : {}),
      ...(c.spec.lifecycle.stopTimeout !== undefined ? { 'io.sandbox.stop-timeout': String(c.spec.lifecycle.stopTimeout) } : {}),
    },
    sandbox: {
      // overlay wants the top-most lower layer first.
      rootfs: {
        driver: c.rootfs?.driver ?? 'overlay',
        lowerdirs: [...(dirs.lowerDirs ?? c.layerDirs)].reverse(),
        upperdir: layout.upper,
        workdir: layout.work,
        ...(dirs.giveToRoot ? { giveToRoot: dirs.giveToRoot } : {}),
        ...(storageMaps ? { storageUidMappings: storageMaps.uidMappings, storageGidMappings: storageMaps.gidMappings } : {}),
      },
      stateDir: dirs.stateDir,
      ...(Object.keys(c.spec.identity.annotations).length ? { annotations: c.spec.identity.annotations } : {}),
      pidFile: layout.pid,
      ...(seccomp ? { seccompCache: seccompCacheFile(dirs.stateDir, seccomp) } : {}),
      ...(c.cgroup ? { cgroup: c.cgroup } : {}),
      // docker's client: -i opens stdin; attached (run -i, create -i) it closes with the client's.
      openStdin: c.spec.process.interactive,
      ...(c.spec.process.interactive ? { stdinOnce: !c.spec.lifecycle.detach } : {}),
    },
  };
}
