// Who is on a user-defined network (docs/networks.md): one file per member,
// networks/<id>/members/<container-id>.json in the data dir, written under the network's own
// lock by run/create/connect and removed by disconnect and rm. The switch process never reads
// these: a member tells it its names and address when it joins; these files are what
// `network inspect`, `network rm`, address allocation and a stopped container's next start see.
import { readdirSync, rmSync, type Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { withLock } from '../state/lock.js';
import type { SandboxPaths } from '../state/paths.js';
import { config4, config6, type NetworkRecord } from './store.js';
import { contains, parseSubnet } from './subnet.js';
import { canonicalV6, contains6, nextFreeV6, parseSubnet6 } from './subnet6.js';

/** One container's endpoint on a network (docker's EndpointSettings, the fields we have). */
export interface Member {
  ContainerId: string;
  Name: string;
  /** --network-alias values; the DNS also answers for Name and the 12-hex short id. */
  Aliases: string[];
  IPv4Address: string;
  /** On a network with IPv6 enabled (else absent). */
  IPv6Address?: string;
  MacAddress: string;
}

/** What a container asks for when it joins. */
export interface JoinRequest {
  containerId: string;
  name: string;
  aliases: string[];
  ip: string | undefined;
  /** --ip6 */
  ip6?: string | undefined;
  mac: string | undefined;
}

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** docker's derived MAC: 02:42 then the four bytes of the IPv4 address. Pure. */
export function macFromIp(ip: string): string {
  return ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** A unicast MAC address in any case -> lower case; else one line naming the flag. Pure. */
export function parseMac(value: string, flag = '--mac-address'): string {
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(value)) throw new SpecError(`invalid argument "${value}" for "${flag}" flag: ${value} is not a valid mac address`);
  const mac = value.toLowerCase();
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new SpecError(`invalid argument "${value}" for "${flag}" flag: ${value} is a multicast address, want a unicast one`);
  return mac;
}

/** The member's address: --ip if inside the subnet and free, else the first free one. Pure. */
export function chooseAddress(net: NetworkRecord, taken: string[], requested: string | undefined): string {
  const cfg = config4(net);
  const subnet = parseSubnet(cfg.Subnet);
  const used = new Set([...taken, cfg.Gateway]);
  if (requested !== undefined) {
    if (!isIPv4(requested)) throw new SpecError(`invalid argument "${requested}" for "--ip" flag: not an IPv4 address`);
    if (!contains(subnet, requested)) throw new SpecError(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
    if (used.has(requested)) throw new SpecError(`Address already in use: ${requested} on network ${net.Name}`);
    return requested;
  }
  const first = toInt(subnet.address) + 1;
  const last = toInt(subnet.address) + 2 ** (32 - subnet.prefix) - 2;
  for (let n = first; n <= last; n++) if (!used.has(toIp(n))) return toIp(n);
  throw new SpecError(`no available IPv4 addresses on network ${net.Name}`);
}

/** docker's refusal of an endpoint setting, as its daemon words it (on one line). */
const endpointError = (net: NetworkRecord, why: string) => new SpecError(`invalid config for network ${net.Name}: invalid endpoint settings: ${why}`);

/**
 * The member's IPv6 address on a network with IPv6 enabled: --ip6 if it is an address of the
 * network's IPv6 subnet and free, else the first free one; undefined on an IPv4-only network
 * (where --ip6 is refused). Pure.
 */
export function chooseAddress6(net: NetworkRecord, taken: string[], requested: string | undefined): string | undefined {
  const cfg = config6(net);
  if (requested !== undefined) {
    if (!isIPv6(requested) || requested.includes('%') || canonicalV6(requested) === '::') throw endpointError(net, `invalid IPv6 address: ${requested}`);
    // docker: a network without an IPv6 subnet has no "user configured subnet" for it.
    if (!cfg) throw endpointError(net, 'user specified IP address is supported only when connecting to networks with user configured subnets');
  }
  if (!cfg) return undefined;
  const subnet = parseSubnet6(cfg.Subnet);
  const used = [...taken, cfg.Gateway];
  if (requested !== undefined) {
    if (!contains6(subnet, requested)) throw endpointError(net, `no configured subnet or ip-range contain the IP address ${requested}`);
    const want = canonicalV6(requested);
    if (used.some((u) => isIPv6(u) && canonicalV6(u) === want)) throw new SpecError(`Address already in use: ${want} on network ${net.Name}`);
    return want;
  }
  const free = nextFreeV6(subnet, used);
  if (free === undefined) throw new SpecError(`no available IPv6 addresses on network ${net.Name}`);
  return free;
}

/** The files of one network: members, the membership lock; the switch's socket and lock. */
export function networkFiles(paths: SandboxPaths, net: Pick<NetworkRecord, 'Id'>) {
  const dir = join(paths.data, 'networks', net.Id);
  const run = join(paths.runtime, 'networks');
  const short = net.Id.slice(0, 12);
  return { dir, members: join(dir, 'members'), lock: join(dir, 'members.lock'), runDir: run, socket: join(run, `${short}.sock`), switchLock: join(run, `${short}.lock`), log: join(run, `${short}.log`) };
}

export async function listMembers(paths: SandboxPaths, net: NetworkRecord): Promise<Member[]> {
  const dir = networkFiles(paths, net).members;
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: Member[] = [];
  for (const f of names.filter((n) => n.endsWith('.json')).sort()) {
    const text = await readFile(join(dir, f), 'utf8').catch(() => undefined);
    if (text !== undefined) out.push(JSON.parse(text) as Member);
  }
  return out;
}

/** Record a container on a network, with an address and MAC no other member has. */
export async function addMember(paths: SandboxPaths, net: NetworkRecord, req: JoinRequest): Promise<Member> {
  const files = networkFiles(paths, net);
  await mkdir(files.members, { recursive: true, mode: 0o700 });
  return withLock(files.lock, async () => {
    const others = (await listMembers(paths, net)).filter((m) => m.ContainerId !== req.containerId);
    if (others.length < (await listMembers(paths, net)).length) throw new SpecError(`endpoint with name ${req.name} already exists in network ${net.Name}`);
    const ip = chooseAddress(net, others.map((m) => m.IPv4Address), req.ip);
    const ip6 = chooseAddress6(net, others.flatMap((m) => (m.IPv6Address === undefined ? [] : [m.IPv6Address])), req.ip6);
    const mac = req.mac ?? macFromIp(ip);
    if (others.some((m) => m.MacAddress === mac)) throw new SpecError(`MAC address ${mac} is already in use on network ${net.Name}`);
    const member: Member = { ContainerId: req.containerId, Name: req.name, Aliases: req.aliases, IPv4Address: ip, ...(ip6 === undefined ? {} : { IPv6Address: ip6 }), MacAddress: mac };
    await writeJsonAtomic(join(files.members, `${req.containerId}.json`), member, 0o600, { durable: false });
    return member;
  });
}

export async function removeMember(paths: SandboxPaths, net: NetworkRecord, containerId: string): Promise<boolean> {
  const files = networkFiles(paths, net);
  return withLock(files.lock, async () => {
    const path = join(files.members, `${containerId}.json`);
    const there = await readFile(path).then(() => true, () => false);
    await rm(path, { force: true });
    return there;
  });
}

/** `sandbox rename`: the member keeps its address and aliases under its new name. */
export async function renameMember(paths: SandboxPaths, net: Pick<NetworkRecord, 'Id'>, containerId: string, name: string): Promise<void> {
  const files = networkFiles(paths, net);
  await withLock(files.lock, async () => {
    const path = join(files.members, `${containerId}.json`);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return;
    await writeJsonAtomic(path, { ...(JSON.parse(text) as Member), Name: name }, 0o600, { durable: false });
  });
}

/** A removed container leaves every network it was on. */
export async function forgetContainer(paths: SandboxPaths, containerId: string): Promise<void> {
  const root = join(paths.data, 'networks');
  // Synchronous: on the path of every `run --rm` and `rm`, and most stores have no network.
  let dirs: Dirent[];
  try {
    dirs = readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const d of dirs) if (d.isDirectory()) rmSync(join(root, d.name, 'members', `${containerId}.json`), { force: true });
}
