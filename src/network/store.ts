// User-defined networks as files (docs/networks.md): networks/<name>.json in the data dir,
// written atomically under one lock. No daemon: a network is its file until containers use it.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic.js';
import { withLock } from '../state/lock.js';
import type { SandboxPaths } from '../state/paths.js';
import { contains, defaultGateway, firstFreeSubnet, formatSubnet, overlaps, parseSubnet, type Subnet } from './subnet.js';

/** docker's `network inspect` shape, the fields we have. */
export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge';
  EnableIPv6: false;
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
  subnet: string | undefined;
  gateway: string | undefined;
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
  const taken: Subnet[] = existing.flatMap((n) => n.IPAM.Config.map((c) => parseSubnet(c.Subnet)));
  let subnet: Subnet;
  if (req.subnet !== undefined) {
    subnet = parseSubnet(req.subnet);
    const clash = existing.find((n) => n.IPAM.Config.some((c) => overlaps(parseSubnet(c.Subnet), subnet)));
    if (clash) throw new SpecError(`invalid pool request: Pool overlaps with other one on this address space (network ${clash.Name})`);
  } else {
    if (req.gateway !== undefined) throw new SpecError('--gateway needs --subnet');
    subnet = firstFreeSubnet(taken);
  }
  const gateway = req.gateway ?? defaultGateway(subnet);
  if (!contains(subnet, gateway)) throw new SpecError(`invalid argument "${gateway}" for "--gateway" flag: not a host address of ${formatSubnet(subnet)}`);
  return {
    Name: req.name,
    Id: id,
    Created: now.toISOString(),
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: formatSubnet(subnet), Gateway: gateway }] },
    Internal: req.internal,
    Attachable: false,
    Ingress: false,
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: req.labels,
  };
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
