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
  | { manager: 'cgroupfs'; parent: string; name: string; controllers: Controller[]; writes: CgroupFileWrite[] };

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
  const refuse = (why: string, fix: string) => {
    if (!asked) return undefined; // no limit asked: run without a cgroup of our own, as before
    throw new HostError(`${what} cgroup v2 delegation, and ${why}`, `Fix: ${fix}. Or run without limits: --cgroups=disabled.`);
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
  return { manager: 'systemd', unit: `sandbox-${req.containerId}.scope`, slice: 'user.slice', controllers, writes: req.writes };
}
