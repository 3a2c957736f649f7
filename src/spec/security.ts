// --privileged, --security-opt, --device and --device-cgroup-rule -> the security part of the
// RunSpec, and what it means for the runtime config (masked paths, device binds). Pure: the
// profile file and the host's devices are read by src/security/host.ts.
import { SpecError } from '../errors.js';
import type { SeccompProfile } from '../security/seccomp-profile.js';
import type { Warning } from './types.js';

export type SeccompChoice =
  | { mode: 'default' }
  | { mode: 'unconfined' }
  /** `profile` is filled by loadSecurityFiles before the spec is completed. */
  | { mode: 'profile'; path: string; profile?: SeccompProfile };

export interface DeviceSpec {
  /** A host device node (char or block) this user can open. */
  host: string;
  /** Absolute path inside the container. */
  container: string;
  /** Docker's perms string, checked: 'r', 'rw', 'rm', 'rwm' (any order). */
  perms: string;
  /** 'm' written out by the user (not docker's implied default), worth a note. */
  mknodAsked: boolean;
}

export interface SecurityOptions {
  privileged: boolean;
  noNewPrivileges: boolean;
  seccomp: SeccompChoice;
  /** --security-opt mask=/a:/b: paths hidden in addition to the defaults. */
  mask: string[];
  /** --security-opt unmask=/a:/b or ALL: default masked/read-only paths left alone. */
  unmask: string[];
  devices: DeviceSpec[];
}

export interface SecurityInput {
  privileged?: boolean;
  securityOpt?: string[];
  device?: string[];
  deviceCgroupRule?: string[];
}

const absolute = (p: string) => p.startsWith('/') && !p.split('/').includes('..');

function badOpt(value: string, why: string): never {
  throw new SpecError(`invalid --security-opt '${value}': ${why}`);
}

function pathList(value: string, raw: string): string[] {
  const paths = raw.split(':').filter(Boolean);
  if (paths.length === 0) badOpt(value, 'give one or more absolute paths separated by ":"');
  for (const p of paths) if (p !== 'ALL' && !absolute(p)) badOpt(value, `'${p}' is not an absolute path`);
  return paths;
}

const BOOL: Record<string, boolean> = { '': true, true: true, '1': true, false: false, '0': false };

/** Docker's `seccomp=...`, `no-new-privileges[=bool]` (also `:bool`), `label=disable`,
 *  `apparmor=unconfined`, `systempaths=unconfined`; podman's `mask=` and `unmask=`. */
export function parseSecurityOpts(opts: string[], into: SecurityOptions): void {
  for (const value of opts) {
    const m = /^([a-z-]+)(?:([=:])(.*))?$/s.exec(value);
    if (!m) badOpt(value, 'want KEY=VALUE (seccomp, no-new-privileges, mask, unmask, systempaths)');
    const [, key, sep, rest = ''] = m as unknown as [string, string, string | undefined, string | undefined];
    if (sep === ':' && key !== 'no-new-privileges') badOpt(value, `write ${key}=VALUE`);
    switch (key) {
      case 'seccomp':
        if (rest === 'unconfined') into.seccomp = { mode: 'unconfined' };
        else if (rest === 'builtin' || rest === 'default') into.seccomp = { mode: 'default' };
        else if (rest !== '') into.seccomp = { mode: 'profile', path: rest };
        else badOpt(value, 'give seccomp=unconfined or seccomp=PROFILE.json');
        break;
      case 'no-new-privileges': {
        const on = BOOL[rest];
        if (on === undefined) badOpt(value, 'want no-new-privileges, no-new-privileges=true or =false');
        into.noNewPrivileges = on;
        break;
      }
      case 'mask':
        into.mask.push(...pathList(value, rest));
        break;
      case 'unmask':
        into.unmask.push(...pathList(value, rest));
        break;
      case 'systempaths':
        if (rest !== 'unconfined') badOpt(value, 'the only value is systempaths=unconfined');
        into.unmask.push('ALL');
        break;
      // We apply no LSM profile at all, so asking for none is honoured as given.
      case 'label':
        if (rest !== 'disable') badOpt(value, 'SELinux labels need a privileged runtime; only label=disable is accepted');
        break;
      case 'apparmor':
        if (rest !== 'unconfined') badOpt(value, 'loading an AppArmor profile needs root; only apparmor=unconfined is accepted');
        break;
      default:
        badOpt(value, 'unknown option (known: seccomp, no-new-privileges, mask, unmask, systempaths, label, apparmor)');
    }
  }
}

const PERMS_RE = /^(?!.*(.).*\1)[rwm]+$/;

/** `HOST[:CONTAINER[:PERMS]]`, docker's parsing: a second part that is a perms string is perms. */
export function parseDevice(value: string): DeviceSpec {
  const parts = value.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new SpecError(`invalid --device '${value}': want HOST[:CONTAINER[:PERMS]]`);
  const host = parts[0]!;
  let container = host;
  let perms = 'rwm';
  if (parts.length === 3) [container, perms] = [parts[1]!, parts[2]!];
  else if (parts.length === 2) {
    if (PERMS_RE.test(parts[1]!)) perms = parts[1]!;
    else container = parts[1]!;
  }
  if (!absolute(host)) throw new SpecError(`invalid --device '${value}': the host path '${host}' must be absolute`);
  if (!absolute(container)) throw new SpecError(`invalid --device '${value}': the container path '${container}' must be absolute`);
  if (!PERMS_RE.test(perms)) throw new SpecError(`invalid --device '${value}': perms '${perms}' must be made of r, w and m`);
  if (perms.includes('w') && !perms.includes('r')) {
    throw new SpecError(`invalid --device '${value}': write-only access can't be enforced without root (a bind is read-write or read-only); use 'rw' or 'r'`);
  }
  return { host, container, perms, mknodAsked: perms.includes('m') && parts.length > 1 && PERMS_RE.test(parts[parts.length - 1]!) };
}

export function fillSecurity(input: SecurityInput): SecurityOptions {
  if ((input.deviceCgroupRule ?? []).length > 0) {
    throw new SpecError(`--device-cgroup-rule '${input.deviceCgroupRule![0]}' is not supported: device cgroup rules are BPF programs only root can attach; pass the device itself with --device`);
  }
  const out: SecurityOptions = {
    privileged: input.privileged ?? false,
    noNewPrivileges: false,
    seccomp: { mode: 'default' },
    mask: [],
    unmask: [],
    devices: (input.device ?? []).map(parseDevice),
  };
  parseSecurityOpts(input.securityOpt ?? [], out);
  return out;
}

/** What the user should know before the container starts. */
export function securityWarnings(s: SecurityOptions): Warning[] {
  const asked = s.devices.filter((d) => d.mknodAsked).map((d) => d.host);
  if (asked.length === 0) return [];
  return [`--device ${asked.join(', ')}: perms 'm' (mknod) has no effect rootless: without root no one can create device nodes`];
}

/** The masked and read-only paths after --privileged, mask= and unmask=. */
export function systemPaths(s: SecurityOptions, masked: readonly string[], readonly: readonly string[]): { masked: string[]; readonly: string[] } {
  if (s.privileged || s.unmask.includes('ALL')) return { masked: [...s.mask], readonly: [] };
  const keep = (p: string) => !s.unmask.includes(p);
  return { masked: [...new Set([...masked.filter(keep), ...s.mask])], readonly: readonly.filter(keep) };
}

interface MountLike {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** --privileged: /sys as writable as the user namespace lets it be (docker's privileged /sys). */
export function privilegedDefaultMounts<M extends MountLike>(s: SecurityOptions, mounts: M[]): M[] {
  if (!s.privileged) return mounts;
  return mounts.map((m) => (m.type === 'sysfs' ? { ...m, options: m.options.filter((o) => o !== 'ro') } : m));
}

/** Each device as a bind of the host node: read-only unless 'w' (rootless can't mknod). */
export function deviceMounts(s: SecurityOptions): MountLike[] {
  return s.devices.map((d) => ({ destination: d.container, type: 'bind', source: d.host, options: ['bind', 'nosuid', 'noexec', ...(d.perms.includes('w') ? [] : ['ro'])] }));
}
