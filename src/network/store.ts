// User-defined networks as files (docs/networks.md): networks/<name>.json in the data dir,
// written atomically under one lock. No daemon: a network is its file until containers use it.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { withLock } from '../state/lock.js';
import type { SandboxPaths } from '../state/paths.js';
import { contains, defaultGateway, firstFreeSubnet, formatSubnet, overlaps, parseSubnet, type Subnet } from './subnet.js';
import { canonicalV6, contains6, defaultGateway6, formatSubnet6, overlaps6, parseSubnet6, randomUlaSubnet, type Subnet6 } from './subnet6.js';

/** docker's `network inspect` shape, the fields we have. */
export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge';
  EnableIPv6: boolean;
  /** The IPv4 config first, then (EnableIPv6) the IPv6 one, as docker lists them. */
  IPAM: { Driver: 'default'; Options: Record<string, string>; Config: { Subnet: string; Gateway: string }[] };
  Internal: boolean;
  Attachable: false;
  Ingress: false;
  ConfigOnly: false;
  Containers: Record<string, unknown>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface CreateRequest {
  name: string;
  /** --subnet and --gateway, repeatable: at most one of each family (docker's dual stack). */
  subnets: string[];
  gateways: string[];
  /** --ipv6: an IPv6 subnet too (the one given, else a random unique-local /64). */
  ipv6: boolean;
  internal: boolean;
  labels: Record<string, string>;
}

/** The names docker reserves for its built-in networks. */
export const PREDEFINED = ['bridge', 'host', 'none', 'default', 'slirp4netns', 'slirp'];

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Pure: the record of a new network, given the existing ones. */
export function planNetwork(req: CreateRequest, existing: NetworkRecord[], id: string, now: Date): NetworkRecord {
  if (!NAME.test(req.name)) throw new SpecError(`invalid network name "${req.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (PREDEFINED.includes(req.name)) throw new SpecError(`${req.name} is a pre-defined network and cannot be created`);
  if (existing.some((n) => n.Name === req.name)) throw new SpecError(`network with name ${req.name} already exists`);
  const isV6 = (text: string) => isIPv6(text.split('/')[0]!);
  const [sub4, ...more4] = req.subnets.filter((t) => !isV6(t));
  const [sub6, ...more6] = req.subnets.filter(isV6);
  if (more4.length > 0 || more6.length > 0) throw new SpecError(`--subnet: one IPv4 and one IPv6 subnet at most, got ${req.subnets.join(', ')}`);
  if (sub6 !== undefined && !req.ipv6) throw new SpecError(`invalid argument "${sub6}" for "--subnet" flag: an IPv6 subnet needs --ipv6`);
  const [gw4, ...moreGw4] = req.gateways.filter((g) => !isV6(g));
  const [gw6, ...moreGw6] = req.gateways.filter(isV6);
  if (moreGw4.length > 0 || moreGw6.length > 0) throw new SpecError(`--gateway: one IPv4 and one IPv6 gateway at most, got ${req.gateways.join(', ')}`);
  const v4 = planSubnet4(existing, sub4, gw4);
  const config = [v4];
  if (req.ipv6) config.push(planSubnet6(existing, sub6, gw6));
  else if (gw6 !== undefined) throw new SpecError(`invalid argument "${gw6}" for "--gateway" flag: an IPv6 gateway needs --ipv6`);
  return {
    Name: req.name,
    Id: id,
    Created: now.toISOString(),
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: req.ipv6,
    IPAM: { Driver: 'default', Options: {}, Config: config },
    Internal: req.internal,
    Attachable: false,
    Ingress: false,
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: req.labels,
  };
}

/** The IPv4 subnets of every network (an IPv6 config is skipped). */
const subnets4 = (existing: NetworkRecord[]) => existing.flatMap((n) => n.IPAM.Config.filter((c) => !isIPv6(c.Subnet.split('/')[0]!)).map((c) => ({ net: n, subnet: parseSubnet(c.Subnet) })));
const subnets6 = (existing: NetworkRecord[]) => existing.flatMap((n) => n.IPAM.Config.filter((c) => isIPv6(c.Subnet.split('/')[0]!)).map((c) => ({ net: n, subnet: parseSubnet6(c.Subnet) })));

function planSubnet4(existing: NetworkRecord[], text: string | undefined, gw: string | undefined): { Subnet: string; Gateway: string } {
  let subnet: Subnet;
  if (text !== undefined) {
    subnet = parseSubnet(text);
    const clash = subnets4(existing).find((t) => overlaps(t.subnet, subnet));
    if (clash) throw new SpecError(`invalid pool request: Pool overlaps with other one on this address space (network ${clash.net.Name})`);
  } else {
    if (gw !== undefined) throw new SpecError('--gateway needs --subnet');
    subnet = firstFreeSubnet(subnets4(existing).map((t) => t.subnet));
  }
  const gateway = gw ?? defaultGateway(subnet);
  if (!contains(subnet, gateway)) throw new SpecError(`invalid argument "${gateway}" for "--gateway" flag: not a host address of ${formatSubnet(subnet)}`);
  return { Subnet: formatSubnet(subnet), Gateway: gateway };
}

function planSubnet6(existing: NetworkRecord[], text: string | undefined, gw: string | undefined): { Subnet: string; Gateway: string } {
  let subnet: Subnet6;
  if (text !== undefined) {
    subnet = parseSubnet6(text);
    const clash = subnets6(existing).find((t) => overlaps6(t.subnet, subnet));
    if (clash) throw new SpecError(`invalid pool request: Pool overlaps with other one on this address space (network ${clash.net.Name})`);
  } else {
    if (gw !== undefined) throw new SpecError('--gateway needs --subnet');
    subnet = randomUlaSubnet(subnets6(existing).map((t) => t.subnet), () => randomBytes(5));
  }
  const gateway = gw === undefined ? defaultGateway6(subnet) : canonicalV6(gw);
  if (!contains6(subnet, gateway)) throw new SpecError(`invalid argument "${gw}" for "--gateway" flag: not a host address of ${formatSubnet6(subnet)}`);
  return { Subnet: formatSubnet6(subnet), Gateway: gateway };
}

/** A network's IPv4 config (every network has one). */
export function config4(net: NetworkRecord): { Subnet: string; Gateway: string } {
  return net.IPAM.Config.find((c) => !isIPv6(c.Subnet.split('/')[0]!)) ?? net.IPAM.Config[0]!;
}

/** A network's IPv6 config, if it has IPv6 enabled. */
export function config6(net: NetworkRecord): { Subnet: string; Gateway: string } | undefined {
  return net.EnableIPv6 ? net.IPAM.Config.find((c) => isIPv6(c.Subnet.split('/')[0]!)) : undefined;
}

/** Pure: which record `ref` names (full name, full id, or a unique id prefix, as docker). */
export function findNetwork(all: NetworkRecord[], ref: string): NetworkRecord {
  const exact = all.find((n) => n.Name === ref || n.Id === ref);
  if (exact) return exact;
  const byPrefix = all.filter((n) => n.Id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  throw new SpecError(`network ${ref} not found`);
}

export class NetworkStore {
  constructor(private readonly paths: SandboxPaths) {}

  get dir(): string {
    return join(this.paths.data, 'networks');
  }

  private lockPath(): string {
    return join(this.paths.data, 'locks', 'networks');
  }

  async list(): Promise<NetworkRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: NetworkRecord[] = [];
    for (const f of names.filter((n) => n.endsWith('.json')).sort()) {
      const text = await readFile(join(this.dir, f), 'utf8').catch(() => undefined);
      if (text !== undefined) out.push(JSON.parse(text) as NetworkRecord);
    }
    return out;
  }

  async create(req: CreateRequest): Promise<NetworkRecord> {
    return withLock(this.lockPath(), async () => {
      const rec = planNetwork(req, await this.list(), randomBytes(32).toString('hex'), new Date());
      await writeJsonAtomic(join(this.dir, `${rec.Name}.json`), rec);
      return rec;
    });
  }

  async remove(ref: string): Promise<NetworkRecord> {
    return withLock(this.lockPath(), async () => {
      const rec = findNetwork(await this.list(), ref);
      await rm(join(this.dir, `${rec.Name}.json`));
      return rec;
    });
  }
}
