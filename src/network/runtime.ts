// The container's network in its runtime config (`sandbox.network`, docs/native-interface.md),
// and the host-side inputs the resolution needs.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeConfig } from '../oci/types.js';
import { networkHosts, networkResolvConf } from './etc.js';
import { hostnameFile } from '../oci/etc-files.js';
import type { CompletedSpec } from '../spec/types.js';
import { resolveNetwork, type ContainerNetwork, type PortBinding } from './options.js';
import { addMember, networkFiles, type Member } from './members.js';
import { NetworkStore, config4, config6, type NetworkRecord } from './store.js';
import { parseSubnet } from './subnet.js';
import { parseSubnet6 } from './subnet6.js';
import type { SandboxPaths } from '../state/paths.js';

/** One user-defined network as the monitor and the init need it (addon/net/spec.h SwitchNetwork). */
export interface SwitchNetworkConfig {
  name: string;
  id: string;
  socket: string;
  lock: string;
  /** The directory of network records: the switch never sends other networks' addresses out. */
  records: string;
  subnet: string;
  prefix: number;
  gateway: string;
  internal: boolean;
  ip: string;
  mac: string;
  /** On a network with IPv6 enabled: its IPv6 subnet, gateway and this member's address. */
  subnet6?: string;
  prefix6?: number;
  gateway6?: string;
  ip6?: string;
  /** What the embedded DNS answers with ip besides the container's name: --network-alias, short id. */
  aliases: string[];
}

export interface NetworkRuntimeConfig {
  mode: 'slirp' | 'none' | 'host' | 'switch';
  allowHostLoopback: boolean;
  ipv6: boolean;
  /** The outbound bypass (docs/networks.md): the init installs its connect notifier. */
  bypass: boolean;
  ports: PortBinding[];
  /** mode 'switch' (and networks connected later): eth0, eth1... */
  networks?: SwitchNetworkConfig[];
  containerId?: string;
  containerName?: string;
}

/** A member's entry in the runtime config. Pure. */
export function switchNetworkConfig(paths: SandboxPaths, net: NetworkRecord, member: Member): SwitchNetworkConfig {
  const files = networkFiles(paths, net);
  const cfg = config4(net);
  const subnet = parseSubnet(cfg.Subnet);
  const cfg6 = config6(net);
  const v6 = cfg6 !== undefined && member.IPv6Address !== undefined ? { subnet: parseSubnet6(cfg6.Subnet), gateway: cfg6.Gateway, ip: member.IPv6Address } : undefined;
  return {
    name: net.Name,
    id: net.Id,
    socket: files.socket,
    lock: files.switchLock,
    records: join(paths.data, 'networks'),
    subnet: subnet.address,
    prefix: subnet.prefix,
    gateway: cfg.Gateway,
    internal: net.Internal,
    ip: member.IPv4Address,
    mac: member.MacAddress,
    ...(v6 ? { subnet6: v6.subnet.address, prefix6: v6.subnet.prefix, gateway6: v6.gateway, ip6: v6.ip } : {}),
    aliases: [...member.Aliases, member.ContainerId.slice(0, 12)],
  };
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
export function applyNetwork(config: RuntimeConfig, net: ContainerNetwork, joined: SwitchNetworkConfig[] = [], who?: { id: string; name: string }): RuntimeConfig {
  const namespaces = net.mode === 'host' ? config.linux.namespaces.filter((n) => n.type !== 'network') : config.linux.namespaces;
  const network: NetworkRuntimeConfig = { mode: net.mode, allowHostLoopback: net.allowHostLoopback, ipv6: net.ipv6, bypass: outboundBypass(config, net), ports: net.ports };
  if (joined.length > 0) Object.assign(network, { networks: joined, containerId: who?.id ?? '', containerName: who?.name ?? '' });
  return { ...config, linux: { ...config.linux, namespaces }, sandbox: { ...config.sandbox, network } };
}

/** Record the container on each user-defined network it names; the entries for its config. */
export async function joinUserNetworks(paths: SandboxPaths, net: ContainerNetwork, containerId: string, name: string): Promise<SwitchNetworkConfig[]> {
  const out: SwitchNetworkConfig[] = [];
  for (const [i, n] of net.userNetworks.entries()) {
    // --ip and --mac-address are the first network's, as docker's single-endpoint flags.
    const member = await addMember(paths, n, { containerId, name, aliases: net.aliases, ip: i === 0 ? net.ip : undefined, ip6: i === 0 ? net.ip6 : undefined, mac: i === 0 ? net.mac : undefined });
    out.push(switchNetworkConfig(paths, n, member));
  }
  if (out.length > 0) await mkdir(networkFiles(paths, net.userNetworks[0]!).runDir, { recursive: true, mode: 0o700 });
  return out;
}

/** Whether the host has an IPv6 default route (then the container gets IPv6 too). */
export async function hostHasIpv6(): Promise<boolean> {
  const table = readOr('/proc/net/ipv6_route') ?? '';
  // A default route: destination ::/0 (32 zeros, prefix 00) on a device other than lo.
  return table.split('\n').some((l) => /^0{32} 00 /.test(l) && !/\slo$/.test(l.trim()));
}

/** A small host file's text, or undefined when it can't be read. */
function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The container's /etc/hostname, /etc/resolv.conf and /etc/hosts for its network, written once
 * each (the host's resolv.conf and hosts read once). Synchronous: a few hundred bytes each, on
 * the path of every `run`, where each fs/promises call is a thread-pool round trip.
 */
export async function writeNetworkEtcFiles(net: ContainerNetwork, hostname: string, files: { hostname: string; hosts: string; resolvConf: string }, joined: SwitchNetworkConfig[] = [], extraHosts = ''): Promise<void> {
  writeFileSync(files.hostname, hostnameFile(hostname), { mode: 0o644 });
  writeFileSync(files.resolvConf, networkResolvConf(net, readOr('/etc/resolv.conf'), joined[0]?.gateway), { mode: 0o644 });
  writeFileSync(files.hosts, networkHosts(net, hostname, readOr('/etc/hosts'), joined[0]?.ip, joined[0]?.ip6) + extraHosts, { mode: 0o644 });
}

/** The ports the monitor actually bound (it writes them before the container starts). */
export async function readPublishedPorts(stateDir: string): Promise<PortBinding[]> {
  const text = readOr(join(stateDir, 'ports.json'));
  if (text === undefined) return [];
  return JSON.parse(text) as PortBinding[];
}

/** The container's network from its completed spec (the image's ExposedPorts feed -P). */
export async function containerNetwork(c: CompletedSpec, paths: SandboxPaths): Promise<{ network: ContainerNetwork; warnings: string[] }> {
  const named = c.spec.network.network.length > 0;
  const known = named ? await new NetworkStore(paths).list() : [];
  return resolveNetwork(c.spec.network, c.imageConfig.config?.ExposedPorts, await hostHasIpv6(), known);
}
