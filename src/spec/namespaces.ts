// --pid, --ipc, --uts, --cgroupns, --domainname, --sysctl: which namespaces the container gets
// of its own and what is set in them. Pure: options in, a NamespaceSpec (or SpecError) out;
// oci/generate turns it into linux.namespaces, mounts and the sysctl/domainname fields.
//
// Rootless, a namespace the host owns can't be mounted for: /proc needs a pid namespace owned
// by our user namespace, mqueue an ipc one, cgroup2 a cgroup one. So "host" modes bind the
// host's own mounts instead (podman's rootless answer): /proc, /dev/shm and /dev/mqueue,
// /sys/fs/cgroup.
import { SpecError } from '../errors.js';

export type PidMode = 'private' | 'host' | 'container';
export type IpcMode = 'private' | 'shareable' | 'none' | 'host' | 'container';
export type UtsMode = 'private' | 'host';
export type CgroupnsMode = 'private' | 'host';

export interface NamespaceSpec {
  pid: PidMode;
  ipc: IpcMode;
  uts: UtsMode;
  cgroupns: CgroupnsMode;
  /** --domainname: set in the container's uts namespace; '' leaves it as the kernel's "(none)". */
  domainname: string;
  /** --sysctl, in the order given, each checked to be namespaced (dockerSysctlProblem). */
  sysctls: Record<string, string>;
  /** --pid/--ipc container:NAME|ID: the other container, as typed. */
  pidContainer?: string;
  ipcContainer?: string;
  /**
   * The host pid of that container's init, resolved by `run` (it must be running): its user
   * namespace is joined too, since only its owner's members may enter its pid/ipc namespace.
   */
  joinPid?: number;
  /** --ipc=host: whether the host has a /dev/mqueue to bind (set by `run`, which may look). */
  hostMqueue?: boolean;
}

export interface NamespaceInput {
  pid?: string | undefined;
  ipc?: string | undefined;
  uts?: string | undefined;
  cgroupns?: string | undefined;
  domainname?: string | undefined;
  sysctl?: string[];
}

function mode<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T, fix: string): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  if (value.startsWith('container:') && (allowed as readonly string[]).includes('container') && value.length > 'container:'.length) return 'container' as T;
  throw new SpecError(`invalid value "${value}" for ${flag}: ${fix}`);
}

const containerRef = (value: string | undefined) => (value?.startsWith('container:') ? value.slice('container:'.length) : undefined);

// docker's allow-list (opts.ValidateSysctl): the IPC ones, and the net.* and fs.mqueue.*
// families. kernel.hostname/kernel.domainname are namespaced too, but have flags of their own.
const IPC_SYSCTLS = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
const SYSCTL_NAME_RE = /^[a-zA-Z0-9_]+(\.[a-zA-Z0-9_-]+)+$/;

function sysctlFamily(key: string): 'ipc' | 'net' | undefined {
  if (IPC_SYSCTLS.includes(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'net';
  return undefined;
}

/** --sysctl KEY=VALUE list -> map; docker's wording for a bad one. */
export function parseSysctls(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    const bad = (why: string) => new SpecError(`invalid argument "${w}" for "--sysctl" flag: ${why}`);
    if (eq <= 0) throw bad('use KEY=VALUE, e.g. net.ipv4.ip_forward=1');
    if (!SYSCTL_NAME_RE.test(key)) throw bad(`sysctl '${key}' is not a sysctl name`);
    if (key === 'kernel.hostname' || key === 'kernel.domainname')
      throw bad(`sysctl '${key}' is not allowed: use --${key === 'kernel.hostname' ? 'hostname' : 'domainname'}`);
    // Not namespaced: it would be the host's, which a container must not change (docker's message).
    if (!sysctlFamily(key)) throw bad(`sysctl '${w}' is not allowed`);
    out[key] = w.slice(eq + 1);
  }
  return out;
}

export function fillNamespaces(o: NamespaceInput): NamespaceSpec {
  return {
    pid: mode('--pid', o.pid, ['host', 'private', 'container'] as const, 'private', 'use host or container:NAME|ID'),
    ipc: mode('--ipc', o.ipc, ['private', 'shareable', 'none', 'host', 'container'] as const, 'private', 'use private, shareable, none, host or container:NAME|ID'),
    uts: mode('--uts', o.uts, ['host', 'private'] as const, 'private', 'use host'),
    cgroupns: mode('--cgroupns', o.cgroupns, ['host', 'private'] as const, 'private', 'use host or private'),
    domainname: o.domainname ?? '',
    sysctls: parseSysctls(o.sysctl ?? []),
    ...(containerRef(o.pid) ? { pidContainer: containerRef(o.pid)! } : {}),
    ...(containerRef(o.ipc) ? { ipcContainer: containerRef(o.ipc)! } : {}),
  };
}

/**
 * Checks that need other options: a host namespace can't take settings, and a sysctl must
 * belong to a namespace the container has of its own.
 */
export function validateNamespaces(ns: NamespaceSpec, hostname: string | undefined, networks: readonly string[], userns?: string): void {
  // Both join through one user namespace: the other container's. Ours can't be another then.
  if (ns.pidContainer !== undefined && ns.ipcContainer !== undefined && ns.pidContainer !== ns.ipcContainer)
    throw new SpecError(`conflicting options: --pid container:${ns.pidContainer} and --ipc container:${ns.ipcContainer} (both join their container's user namespace; use the same container)`);
  if ((ns.pidContainer ?? ns.ipcContainer) !== undefined && userns !== undefined && userns !== 'default')
    throw new SpecError(`conflicting options: --userns and --${ns.pidContainer !== undefined ? 'pid' : 'ipc'} container:... (the container joins the other one's user namespace)`);
  if (ns.uts === 'host' && hostname !== undefined) throw new SpecError('conflicting options: hostname and the UTS mode (--uts=host uses the host\'s name; drop --hostname)');
  if (ns.uts === 'host' && ns.domainname !== '') throw new SpecError('conflicting options: domainname and the UTS mode (--uts=host uses the host\'s; drop --domainname)');
  if (ns.domainname.length > 64 || /[\0\s]/.test(ns.domainname)) throw new SpecError(`invalid value "${ns.domainname}" for --domainname: at most 64 characters, no spaces`);
  const hostNet = networks.includes('host');
  for (const key of Object.keys(ns.sysctls)) {
    const family = sysctlFamily(key);
    if (family === 'net' && hostNet) throw new SpecError(`invalid argument "${key}=${ns.sysctls[key]}" for "--sysctl" flag: sysctl '${key}' is not allowed in host network mode`);
    if (family === 'ipc' && ns.ipc === 'host') throw new SpecError(`invalid argument "${key}=${ns.sysctls[key]}" for "--sysctl" flag: sysctl '${key}' is not allowed in host IPC mode`);
    // The namespace is the other container's: a setting here would change it under that one.
    if (family === 'ipc' && ns.ipc === 'container') throw new SpecError(`invalid argument "${key}=${ns.sysctls[key]}" for "--sysctl" flag: sysctl '${key}' is not allowed with --ipc container:${ns.ipcContainer} (set it on that container)`);
  }
}

/**
 * The init's namespaces (ARCHITECTURE.md section 3, step 1): cloned, or, with a `path`, joined
 * (container:X, through its init's /proc/PID/ns; its user namespace with them).
 */
export function cloneNamespaces(ns: NamespaceSpec): { type: string; path?: string }[] {
  const join = (type: string) => {
    if (ns.joinPid === undefined) throw new Error(`internal: container:... for ${type} not resolved to a pid`);
    return { type, path: `/proc/${ns.joinPid}/ns/${type}` };
  };
  const joining = ns.pid === 'container' || ns.ipc === 'container';
  const own = (type: string) => ({ type });
  return [
    joining ? join('user') : own('user'),
    own('mount'),
    ...(ns.pid === 'host' ? [] : [ns.pid === 'container' ? join('pid') : own('pid')]),
    ...(ns.uts === 'host' ? [] : [own('uts')]),
    ...(ns.ipc === 'host' ? [] : [ns.ipc === 'container' ? join('ipc') : own('ipc')]),
    own('network'),
  ];
}

interface MountLike {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/**
 * The default mounts adjusted to the namespaces: a host namespace's filesystem is the host's
 * own, bound in (a fresh proc/mqueue/cgroup2 mount needs a namespace owned by our user
 * namespace); --ipc=none has no /dev/shm (docker).
 */
export function namespaceMounts<M extends MountLike>(ns: NamespaceSpec, mounts: M[]): M[] {
  const hostBind = (m: M, source: string, ro = false): M => ({ ...m, type: 'bind', source, options: ['rbind', 'nosuid', 'noexec', 'nodev', ...(ro ? ['ro'] : [])] });
  const out: M[] = [];
  for (const m of mounts) {
    if (ns.pid === 'host' && m.type === 'proc' && m.destination === '/proc') out.push(hostBind(m, '/proc'));
    else if (ns.ipc === 'host' && m.destination === '/dev/shm') out.push(hostBind(m, '/dev/shm'));
    else if (ns.ipc === 'host' && m.type === 'mqueue') {
      if (ns.hostMqueue) out.push(hostBind(m, '/dev/mqueue'));  // else: the host has none to share
    }
    else if (ns.ipc === 'none' && m.destination === '/dev/shm') continue;
    else if (ns.cgroupns === 'host' && m.type === 'cgroup2') out.push(hostBind(m, '/sys/fs/cgroup', true));
    else out.push(m);
  }
  return out;
}
