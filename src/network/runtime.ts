// The container's network in its runtime config (`sandbox.network`, docs/native-interface.md),
// and the host-side inputs the resolution needs.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeConfig } from '../oci/types.js';
import { networkHosts, networkResolvConf } from './etc.js';
import type { CompletedSpec } from '../spec/types.js';
import { resolveNetwork, type ContainerNetwork, type PortBinding } from './options.js';

export interface NetworkRuntimeConfig {
  mode: 'slirp' | 'none' | 'host';
  allowHostLoopback: boolean;
  ipv6: boolean;
  /** The outbound bypass (docs/networks.md): the init installs its connect notifier. */
  bypass: boolean;
  ports: PortBinding[];
}

/** Whether a seccomp profile may let the container create an io_uring (whose connect and send
 *  operations no seccomp filter sees). */
function seccompMayAllowIoUring(seccomp: NonNullable<RuntimeConfig['linux']['seccomp']>): boolean {
  const refuses = (action: string) => /^SCMP_ACT_(ERRNO|KILL|KILL_THREAD|KILL_PROCESS|TRAP)$/.test(action);
  const rules = seccomp.syscalls.filter((r) => r.names.includes('io_uring_setup'));
  if (rules.length === 0) return !refuses(seccomp.defaultAction);
  return rules.some((r) => !refuses(r.action));
}

/**
 * Whether outbound TCP may bypass libslirp (docs/networks.md, "Outbound TCP without libslirp"):
 * asked (the default on the default network), and safe for this container:
 * - a seccomp profile is on: --privileged and seccomp=unconfined mean no filter at all, and a
 *   notifier would also keep a nested runtime from installing its own (EBUSY);
 * - no CAP_NET_ADMIN in its bounding set: a container that can change its routes, addresses or
 *   firewall must have its connects go where its own namespace sends them;
 * - no io_uring: its connects would escape the notifier.
 */
export function outboundBypass(config: RuntimeConfig, net: Pick<ContainerNetwork, 'mode' | 'bypass'>): boolean {
  const seccomp = config.linux.seccomp;
  if (net.mode !== 'slirp' || !net.bypass || !seccomp) return false;
  if (config.process.capabilities.bounding.includes('CAP_NET_ADMIN')) return false;
  return !seccompMayAllowIoUring(seccomp);
}

/** Put the network into a generated config: --network host shares the host's namespace. */
export function applyNetwork(config: RuntimeConfig, net: ContainerNetwork): RuntimeConfig {
  const namespaces = net.mode === 'host' ? config.linux.namespaces.filter((n) => n.type !== 'network') : config.linux.namespaces;
  const network: NetworkRuntimeConfig = { mode: net.mode, allowHostLoopback: net.allowHostLoopback, ipv6: net.ipv6, bypass: outboundBypass(config, net), ports: net.ports };
  return { ...config, linux: { ...config.linux, namespaces }, sandbox: { ...config.sandbox, network } };
}

/** Whether the host has an IPv6 default route (then the container gets IPv6 too). */
export async function hostHasIpv6(): Promise<boolean> {
  const table = await readFile('/proc/net/ipv6_route', 'utf8').catch(() => '');
  // A default route: destination ::/0 (32 zeros, prefix 00) on a device other than lo.
  return table.split('\n').some((l) => /^0{32} 00 /.test(l) && !/\slo$/.test(l.trim()));
}

/** Overwrite the generated /etc/resolv.conf and /etc/hosts with the network's versions. */
export async function writeNetworkEtcFiles(net: ContainerNetwork, hostname: string, files: { hosts: string; resolvConf: string }): Promise<void> {
  const [resolv, hosts] = await Promise.all([readFile('/etc/resolv.conf', 'utf8').catch(() => undefined), readFile('/etc/hosts', 'utf8').catch(() => undefined)]);
  await Promise.all([
    writeFile(files.resolvConf, networkResolvConf(net, resolv), { mode: 0o644 }),
    writeFile(files.hosts, networkHosts(net, hostname, hosts), { mode: 0o644 }),
  ]);
}

/** The ports the monitor actually bound (it writes them before the container starts). */
export async function readPublishedPorts(stateDir: string): Promise<PortBinding[]> {
  const text = await readFile(join(stateDir, 'ports.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  return JSON.parse(text) as PortBinding[];
}

/** The container's network from its completed spec (the image's ExposedPorts feed -P). */
export async function containerNetwork(c: CompletedSpec): Promise<{ network: ContainerNetwork; warnings: string[] }> {
  return resolveNetwork(c.spec.network, c.imageConfig.config?.ExposedPorts, await hostHasIpv6());
}
