// Where a container's cgroup goes, or why it can't have one: a pure decision over the host's
// cgroup facts (runtime/host-info's cgroupFacts plus the controllers the user's manager
// delegates). The refusal names the missing piece and the fix, before anything is created.
import { HostError } from '../errors.js';
import type { CgroupFileWrite, Controller } from './files.js';

export interface PlacementFacts {
  version: 'v2' | 'hybrid' | 'v1' | 'none';
  /** Our own cgroup (unified hierarchy), e.g. /user.slice/user-1000.slice/session-2.scope. */
  path: string | undefined;
  /** Controllers our own cgroup hands to children (its cgroup.subtree_control), when we may write there. */
  ownSubtreeControl: string[] | undefined;
  systemdUserManager: boolean;
  /** Controllers available to the user's systemd manager (user@UID.service/cgroup.controllers). */
  managerControllers: string[];
  user: string;
  uid: number;
}

/** config.json's sandbox.cgroup (docs/native-interface.md). */
export type CgroupPlacement =
  | { manager: 'systemd'; unit: string; slice: string; controllers: Controller[]; writes: CgroupFileWrite[] }
  | {
      manager: 'cgroupfs';
      parent: string;
      name: string;
      controllers: Controller[];
      writes: CgroupFileWrite[];
      /** --cgroup-parent: the delegated cgroup the parent is under; the monitor creates the levels between. */
      parentBase?: string;
    };

/** What `stats` wants enabled even without limits, when the host delegates it. */
const STATS_CONTROLLERS: Controller[] = ['cpu', 'io', 'memory', 'pids'];

export const DELEGATE_FIX =
  "as root: mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload, then log in again";

export interface PlacementRequest {
  containerId: string;
  /** The flags the user gave that need enforcement, e.g. ['--memory']; [] = no limits asked. */
  flags: string[];
  needed: Controller[];
  writes: CgroupFileWrite[];
  disabled: boolean;
  /** --cgroup-parent as given: a slice (NAME.slice, for the systemd user manager) or a cgroup path. */
  parent?: string | undefined;
}

/**
 * The placement, or undefined for "no cgroup of our own" (nothing asked and nothing possible,
 * or --cgroups=disabled). Throws HostError when limits were asked and can't be enforced.
 */
export function planPlacement(req: PlacementRequest, host: PlacementFacts): CgroupPlacement | undefined {
  const asked = req.flags.length > 0;
  const what = `${req.flags.join(', ')} ${req.flags.length > 1 ? 'need' : 'needs'}`;
  if (req.disabled) {
    if (asked) throw new HostError(`${what} a cgroup, but --cgroups=disabled was given`, 'Drop --cgroups=disabled, or the resource flags.');
    return undefined;
  }
  if (req.parent !== undefined && req.parent.endsWith('.slice')) checkSliceName(req.parent);
  const refuse = (why: string, fix: string) => {
    if (!asked) return undefined; // no limit asked: run without a cgroup of our own, as before
    const instead = req.flags.includes('--cgroup-parent') ? 'Or run without --cgroup-parent and limits.' : 'Or run without limits: --cgroups=disabled.';
    throw new HostError(`${what} cgroup v2 delegation, and ${why}`, `Fix: ${fix}. ${instead}`);
  };
  if (host.version !== 'v2')
    return refuse(
      `this host has ${host.version === 'hybrid' ? 'hybrid cgroups (v1 controllers, v2 without any)' : `cgroup ${host.version}`}: resource limits cannot be enforced`,
      'boot the host with systemd as init and systemd.unified_cgroup_hierarchy=1 on the kernel command line (cgroup v2)',
    );

  // Already inside a delegated cgroup that hands out what we need (a delegated scope, a job
  // step, a container): a child of it, no systemd needed.
  const own = host.ownSubtreeControl;
  const wants = (have: string[]) => req.needed.every((c) => have.includes(c));
  if (req.parent !== undefined && !req.parent.endsWith('.slice')) return underParentPath(req, host, req.parent);
  if (host.path !== undefined && own !== undefined && req.needed.length > 0 && wants(own)) {
    return {
      manager: 'cgroupfs',
      parent: `/sys/fs/cgroup${host.path === '/' ? '' : host.path}`,
      name: `sandbox-${req.containerId}`,
      controllers: STATS_CONTROLLERS.filter((c) => own.includes(c)).concat(req.needed.filter((c) => !STATS_CONTROLLERS.includes(c))),
      writes: req.writes,
    };
  }
  if (!host.systemdUserManager)
    return refuse(
      `no systemd user manager is reachable for ${host.user} (no $XDG_RUNTIME_DIR/bus)`,
      `as root: loginctl enable-linger ${host.user}; then use a real login session (ssh, login or machinectl shell, not su or sudo) so XDG_RUNTIME_DIR and the user bus exist`,
    );
  const missing = req.needed.filter((c) => !host.managerControllers.includes(c));
  if (missing.length > 0)
    return refuse(
      `the ${missing.join(', ')} controller${missing.length > 1 ? 's are' : ' is'} not delegated to ${host.user} (user@${host.uid}.service has: ${host.managerControllers.join(' ') || 'none'})`,
      DELEGATE_FIX,
    );
  const controllers = [...new Set<Controller>([...STATS_CONTROLLERS.filter((c) => host.managerControllers.includes(c)), ...req.needed])];
  // --cgroup-parent NAME.slice: the user manager creates the slice (and its parents, a-b.slice
  // under a.slice) when the scope names it, inside the user's own delegated tree.
  const slice = req.parent ?? 'user.slice';
  return { manager: 'systemd', unit: `sandbox-${req.containerId}.scope`, slice, controllers, writes: req.writes };
}

/** A slice name the systemd user manager takes (unit name characters, no leading dash). */
export function checkSliceName(value: string): void {
  if (!/^[A-Za-z0-9:_.][A-Za-z0-9:_.-]*\.slice$/.test(value) || value.includes('--') || /-\.slice$/.test(value)) {
    throw new HostError(`invalid value "${value}" for --cgroup-parent: not a valid slice name`, 'Use a systemd slice name such as sandbox.slice or sandbox-web.slice, or a cgroup path under your delegated cgroup.');
  }
}

/**
 * --cgroup-parent as a path (docker's cgroupfs driver): relative to our own delegated cgroup,
 * or absolute but inside it; a rootless user may not create cgroups anywhere else.
 */
function underParentPath(req: PlacementRequest, host: PlacementFacts, value: string): CgroupPlacement {
  const segments = value.split('/').filter(Boolean);
  if (segments.length === 0 || segments.some((s) => s === '.' || s === '..'))
    throw new HostError(`invalid value "${value}" for --cgroup-parent: want a cgroup path without . or .. (or a slice, NAME.slice)`);
  const own = host.path === undefined ? undefined : host.path === '/' ? '' : host.path;
  const delegated = own !== undefined && host.ownSubtreeControl !== undefined && req.needed.every((c) => host.ownSubtreeControl!.includes(c));
  if (own === undefined || !delegated) {
    throw new HostError(
      `--cgroup-parent ${value} is a cgroup path, and your own cgroup (${host.path ?? 'unknown'}) is not delegated to you${host.ownSubtreeControl !== undefined ? ` with the ${req.needed.join(', ')} controller${req.needed.length > 1 ? 's' : ''}` : ''}, so nothing can be created under it`,
      `Fix: give a slice instead (--cgroup-parent NAME.slice) for the systemd user manager, or run inside a delegated cgroup: systemd-run --user --scope -p Delegate=yes sandbox run ...`,
    );
  }
  const inside = value.startsWith('/') ? `/${segments.join('/')}` : `${own}/${segments.join('/')}`;
  if (!inside.startsWith(`${own}/`))
    throw new HostError(`--cgroup-parent ${value} is outside the cgroup delegated to you (${host.path})`, `Fix: give a path under it, or a relative one such as ${segments[segments.length - 1]}.`);
  const have = host.ownSubtreeControl!;
  return {
    manager: 'cgroupfs',
    parent: `/sys/fs/cgroup${inside}`,
    parentBase: `/sys/fs/cgroup${own}`,
    name: `sandbox-${req.containerId}`,
    controllers: STATS_CONTROLLERS.filter((c) => have.includes(c)).concat(req.needed.filter((c) => !STATS_CONTROLLERS.includes(c))),
    writes: req.writes,
  };
}
