// --link NAME[:ALIAS] and --link-local-ip. docker's legacy links belong to its default bridge
// (an /etc/hosts line and env vars for a container the linking one reaches by address); here
// each default-network container has its own user-mode network, so nothing there could reach
// the linked container: refused with the way that works. On a user-defined network docker's
// --link is a container-local alias for the linked container; we give the same as an
// /etc/hosts line in the linking container (the linked one's address on the network they
// share, fixed for as long as it is a member; docs/networks.md).
import { isIP } from 'node:net';
import { SpecError } from '../errors.js';
import type { ContainerStore } from '../state/containers.js';
import type { SandboxPaths } from '../state/paths.js';
import { listMembers } from './members.js';
import type { NetworkMode } from './options.js';
import type { NetworkRecord } from './store.js';

export interface Link {
  container: string;
  alias: string;
}

/** A resolved link: one /etc/hosts line of the linking container. */
export interface LinkHost {
  ip: string;
  names: string[];
}

/** docker's ParseLink: NAME or NAME:ALIAS (a leading / on either is dropped). Pure. */
export function parseLink(value: string): Link {
  const parts = value.split(':');
  const strip = (s: string) => s.replace(/^\//, '');
  if (parts.length > 2 || parts.some((p) => strip(p) === '')) throw new SpecError(`invalid value "${value}" for --link: bad format for links: ${value} (use NAME or NAME:ALIAS)`);
  return { container: strip(parts[0]!), alias: strip(parts[1] ?? parts[0]!) };
}

/** --link is refused off user-defined networks, with the way that works. Pure. */
export function checkLinkNetwork(values: string[], mode: NetworkMode): void {
  if (values.length === 0 || mode === 'switch') return;
  const first = values[0]!;
  const where = mode === 'slirp' ? 'on the default network each rootless container has its own user-mode network, so a linked container is not reachable by address' : `--network ${mode} has no network to share with another container`;
  throw new SpecError(
    `--link ${first}: ${where}; put both containers on a user-defined network (sandbox network create NET, then --network NET for each), where names resolve without links and --link adds an alias`,
  );
}

/** Each link as a hosts line: the linked container's address on the first network both are on. */
export async function resolveLinks(values: string[], networks: NetworkRecord[], store: ContainerStore, paths: SandboxPaths): Promise<LinkHost[]> {
  const out: LinkHost[] = [];
  for (const value of values) {
    const link = parseLink(value);
    const rec = await store.find(link.container).catch(() => {
      throw new SpecError(`--link ${value}: could not get container for ${link.container}: No such container: ${link.container}`);
    });
    let ip: string | undefined;
    for (const net of networks) {
      ip = (await listMembers(paths, net)).find((m) => m.ContainerId === rec.id)?.IPv4Address;
      if (ip) break;
    }
    if (!ip) {
      throw new SpecError(`--link ${value}: container ${rec.name} is not on ${networks.map((n) => n.Name).join(' or ')}; connect it first (sandbox network connect ${networks[0]!.Name} ${rec.name})`);
    }
    out.push({ ip, names: [...new Set([link.alias, rec.name])] });
  }
  return out;
}

export function linkHostsLines(links: LinkHost[]): string {
  return links.map((l) => `${l.ip}\t${l.names.join(' ')}\n`).join('');
}

/**
 * --link-local-ip: refused. The switch forwards a member's frames only from its own address
 * (no member can pose as another), so an extra address would reach no one.
 */
export function checkLinkLocalIps(values: string[]): void {
  for (const v of values) {
    if (isIP(v) === 0) throw new SpecError(`invalid argument "${v}" for "--link-local-ip" flag: ${v} is not an IP address`);
    throw new SpecError(
      `--link-local-ip ${v}: not supported: a user-defined network's switch forwards a member's traffic only from its own address, so an extra link-local address would reach no one; use --ip on a user-defined network, or --network-alias`,
    );
  }
}
