// What this host offers this user, gathered once for `sandbox info`: kernel, user namespaces,
// subordinate ids, the id-map helpers, overlay in a user namespace, FUSE, tun, cgroups, paths.
// Gathering is I/O; every check carries the one-line fix a user needs when it fails.
import { stat, statfs } from 'node:fs/promises';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { release, userInfo, arch } from 'node:os';
import { join } from 'node:path';
import { currentIdMaps, type IdMaps } from './idmap.js';
import { probeHost } from './probe.js';
import type { ProbeReport } from './protocol.js';
import type { DriverChoice, DriverStatus } from '../storage/driver.js';
import { describeStorage } from '../storage/select.js';
import type { SandboxPaths } from '../state/paths.js';

export interface HostCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export interface CgroupFacts {
  version: 'v2' | 'hybrid' | 'v1' | 'none';
  path: string | undefined;
  /** Controllers enabled in our own v2 cgroup (what a child could get). */
  controllers: string[];
  /** Can we create a child cgroup and move processes (delegated to us)? */
  delegated: boolean;
  systemdUserManager: boolean;
  /** Controllers the user's systemd manager can delegate to a container's scope (issue 7). */
  managerControllers: string[];
}

export interface HostInfo {
  version: string;
  kernel: string;
  os: string;
  arch: string;
  user: { name: string; uid: number; gid: number };
  idMaps: IdMaps;
  probe: ProbeReport | { error: string };
  cgroups: CgroupFacts;
  storage: {
    dataDir: string;
    runtimeDir: string;
    filesystem: string;
    /** Rootfs drivers and whether each works on the store's filesystem (src/storage). */
    drivers?: DriverStatus[];
    /** What `run` picks with no --storage-driver, and why. */
    driver?: DriverChoice | { error: string };
  };
  checks: HostCheck[];
}

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x01021994: 'tmpfs', 0x6969: 'nfs',
  0x794c7630: 'overlay', 0x65735546: 'fuse', 0x2fc12fc1: 'zfs', 0xff534d42: 'cifs', 0x47504653: 'gpfs', 0x0bd00bd0: 'lustre',
};

async function nearestExisting(p: string): Promise<string> {
  for (let cur = p; ; cur = join(cur, '..')) {
    try {
      await stat(cur);
      return cur;
    } catch {
      if (cur === '/') return '/';
    }
  }
}

async function filesystemOf(p: string): Promise<string> {
  try {
    const s = await statfs(await nearestExisting(p));
    return FS_TYPES[Number(s.type)] ?? `0x${Number(s.type).toString(16)}`;
  } catch {
    return 'unknown';
  }
}

/**
 * Synchronous: a handful of tiny /sys and /proc files, read on the path of every `run` (through
 * cgroups/host.ts), where each fs/promises call would be a thread-pool round trip.
 */
export function cgroupFacts(env: NodeJS.ProcessEnv): CgroupFacts {
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const hybrid = !unified && existsSync('/sys/fs/cgroup/unified/cgroup.controllers');
  const v1 = !unified && !hybrid && existsSync('/sys/fs/cgroup/memory');
  const version = unified ? 'v2' : hybrid ? 'hybrid' : v1 ? 'v1' : 'none';
  let path: string | undefined;
  let controllers: string[] = [];
  let delegated = false;
  if (unified) {
    path = readOr('/proc/self/cgroup')
      .split('\n')
      .find((l) => l.startsWith('0::'))
      ?.slice(3);
    if (path !== undefined) {
      const dir = join('/sys/fs/cgroup', path);
      controllers = words(readOr(join(dir, 'cgroup.controllers')));
      delegated = writable(join(dir, 'cgroup.subtree_control'));
    }
  }
  const bus = env.DBUS_SESSION_BUS_ADDRESS ?? (env.XDG_RUNTIME_DIR ? `unix:path=${env.XDG_RUNTIME_DIR}/bus` : undefined);
  const busPath = bus?.match(/unix:path=([^,;]+)/)?.[1];
  const systemdUserManager = busPath !== undefined && existsSync(busPath) && existsSync(join(env.XDG_RUNTIME_DIR ?? '/nonexistent', 'systemd'));
  const uid = process.getuid?.() ?? 0;
  const managerControllers = unified ? words(readOr(`/sys/fs/cgroup/user.slice/user-${uid}.slice/user@${uid}.service/cgroup.controllers`)) : [];
  return { version, path, controllers, delegated, systemdUserManager, managerControllers };
}

/** The controllers our own v2 cgroup hands to children, when we may move processes into it. */
export function ownCgroupSubtreeControl(path: string): string[] | undefined {
  const dir = join('/sys/fs/cgroup', path);
  return writable(join(dir, 'cgroup.procs')) ? words(readOr(join(dir, 'cgroup.subtree_control'))) : undefined;
}

/** A small file's text, '' when it can't be read. */
function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const words = (text: string) => text.trim().split(/\s+/).filter(Boolean);

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function rangeText(maps: IdMaps, which: 'uidMappings' | 'gidMappings'): string {
  const r = maps[which][1];
  return r ? `${r.hostID}-${r.hostID + r.size - 1} (${r.size} ids)` : 'none';
}

export function hostChecks(info: Omit<HostInfo, 'checks'>): HostCheck[] {
  const p = 'error' in info.probe ? undefined : info.probe;
  const probeErr = 'error' in info.probe ? info.probe.error : undefined;
  const u = info.user.name;
  const checks: HostCheck[] = [
    {
      name: 'user namespaces',
      ok: p?.userns === true,
      detail: p ? (p.userns ? 'available' : String(p.usernsError ?? 'refused')) : `not probed: ${probeErr}`,
      fix: 'as root: sysctl -w user.max_user_namespaces=15000 (and kernel.unprivileged_userns_clone=1 where it exists)',
    },
    {
      name: 'subordinate uids',
      ok: info.idMaps.subordinate,
      detail: rangeText(info.idMaps, 'uidMappings'),
      fix: `as root: usermod --add-subuids 200000-265535 --add-subgids 200000-265535 ${u} (containers then get 65536 ids; without them only uid 0 exists inside)`,
    },
    { name: 'subordinate gids', ok: info.idMaps.subordinate, detail: rangeText(info.idMaps, 'gidMappings'), fix: `as root: usermod --add-subgids 200000-265535 ${u}` },
    {
      name: 'newuidmap/newgidmap',
      ok: p?.idmapHelpers === true,
      detail: p ? (p.idmapHelpers ? 'setuid helpers present' : String(p.idmapHelpersError ?? 'missing or not setuid')) : 'not probed',
      fix: 'as root: apt-get install uidmap (newuidmap and newgidmap must be setuid root)',
    },
    {
      name: 'overlay in user namespace',
      ok: p?.overlay === true,
      detail: p ? (p.overlay ? `works on ${info.storage.filesystem}` : String(p.overlayError ?? 'refused')) : 'not probed',
      fix: 'needs Linux >= 5.11 and a store on a local filesystem; otherwise the FUSE overlay is used (needs /dev/fuse)',
    },
    { name: 'FUSE', ok: p?.fuse === true, detail: p ? (p.fuse ? '/dev/fuse usable' : String(p.fuseError ?? '/dev/fuse not usable')) : 'not probed', fix: 'as root: apt-get install fuse3 && chmod 0666 /dev/fuse' },
    { name: 'tun', ok: p?.tun === true, detail: p ? (p.tun ? '/dev/net/tun usable' : String(p.tunError ?? '/dev/net/tun not usable')) : 'not probed', fix: 'as root: modprobe tun && chmod 0666 /dev/net/tun' },
    {
      // What `run` can enforce (src/cgroups/placement.ts decides the same way): a transient
      // systemd scope from the user's manager, else a child of our own delegated cgroup.
      name: 'cgroup v2 delegation',
      ok: info.cgroups.version === 'v2' && ((info.cgroups.systemdUserManager && info.cgroups.managerControllers.length > 0) || info.cgroups.delegated),
      detail:
        info.cgroups.version === 'v2'
          ? info.cgroups.systemdUserManager && info.cgroups.managerControllers.length > 0
            ? `limits enforced through a systemd scope: ${info.cgroups.managerControllers.join(' ')}${['cpu', 'cpuset', 'io', 'memory', 'pids'].every((c) => info.cgroups.managerControllers.includes(c)) ? '' : ' (other limits are refused)'}`
            : info.cgroups.delegated
              ? `limits enforced in a child of ${info.cgroups.path}: ${info.cgroups.controllers.join(' ') || 'no controllers'}`
              : `no systemd user manager reachable and cgroup ${info.cgroups.path ?? '?'} is not delegated to ${u}: resource limits are refused`
          : `cgroups are ${info.cgroups.version}: resource limits are refused (--cgroups=disabled runs without)`,
      fix:
        info.cgroups.version === 'v2'
          ? `as root: add Delegate=cpu cpuset io memory pids for user@.service (systemctl edit user@.service) and loginctl enable-linger ${u}`
          : 'boot with systemd as init and systemd.unified_cgroup_hierarchy=1 (cgroup v2); resource flags are refused until then',
    },
  ];
  return checks.map((c) => (c.ok ? { name: c.name, ok: c.ok, detail: c.detail } : c));
}

export async function gatherHostInfo(paths: SandboxPaths, env: NodeJS.ProcessEnv, version: string): Promise<HostInfo> {
  const idMaps = currentIdMaps();
  let name = String(process.getuid?.());
  try {
    name = userInfo().username;
  } catch {
    /* directory-service user unknown to libc */
  }
  const [probe, cgroups, filesystem] = await Promise.all([
    probeHost(idMaps, join(paths.tmp, 'probe')).catch((err: Error) => ({ error: err.message })),
    cgroupFacts(env),
    filesystemOf(paths.data),
  ]);
  const base = {
    version,
    kernel: release(),
    os: 'linux',
    arch: arch() === 'x64' ? 'amd64' : arch(),
    user: { name, uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 },
    idMaps,
    probe,
    cgroups,
    storage: {
      dataDir: paths.data,
      runtimeDir: paths.runtime,
      filesystem,
      ...(await describeStorage('error' in probe ? undefined : probe, filesystem, env).then((d) => ({ drivers: d.drivers, driver: d.choice }))),
    },
  };
  return { ...base, checks: hostChecks(base) };
}
