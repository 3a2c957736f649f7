// Run options -> the container's network (issue 6). Pure: the image's ExposedPorts and the
// host's IPv6 status come in. Every bad value is one SpecError line naming the flag (exit 125).
import { isIP } from 'node:net';
import { SpecError } from '../errors.js';
import { parseMac } from './members.js';
import { findNetwork, type NetworkRecord } from './store.js';

export type NetworkMode = 'slirp' | 'none' | 'host' | 'switch';

export interface PortBinding {
  /** '' = every host address (0.0.0.0 and [::]), as docker. */
  hostIp: string;
  /** 0 = one the kernel picks (-P, or `-p 80`). */
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** What the user asked for, as given (RunSpec.network). */
export interface NetworkRequest {
  network: string[];
  publish: string[];
  publishAll: boolean;
  expose: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  addHost: string[];
  /** --network-alias, --ip, --ip6, --mac-address: for user-defined networks only. */
  aliases?: string[];
  ip?: string | undefined;
  ip6?: string | undefined;
  mac?: string | undefined;
}

/** The resolved network of one container. */
export interface ContainerNetwork {
  mode: NetworkMode;
  allowHostLoopback: boolean;
  ipv6: boolean;
  /** Outbound TCP on host sockets instead of libslirp (docs/networks.md); `slirp4netns:bypass=false` asks for libslirp. */
  bypass: boolean;
  ports: PortBinding[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: { name: string; ip: string }[];
  /** mode 'switch': the user-defined networks joined, in order (eth0, eth1...). */
  userNetworks: NetworkRecord[];
  aliases: string[];
  ip: string | undefined;
  /** --ip6: the first network's (checked against it when the container joins: src/network/members.ts). */
  ip6?: string | undefined;
  mac: string | undefined;
}

/** The slirp plan (addon/net/spec.h holds the same numbers). */
export const SLIRP = {
  guest4: '10.0.2.100',
  gateway4: '10.0.2.2',
  dns4: '10.0.2.3',
  guest6: 'fd5b:6f9e:c0de::100',
  gateway6: 'fd5b:6f9e:c0de::2',
  dns6: 'fd5b:6f9e:c0de::3',
} as const;

function bad(flag: string, value: string, why: string): SpecError {
  return new SpecError(`invalid argument "${value}" for "${flag}" flag: ${why}`);
}

function parsePortNumber(text: string, flag: string, value: string, what: string): number {
  if (!/^\d+$/.test(text)) throw bad(flag, value, `invalid ${what} "${text}"`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw bad(flag, value, `${what} ${text} is out of range 1-65535`);
  return n;
}

/** "80" or "8000-8010" -> [first, last]. */
function parseRange(text: string, flag: string, value: string, what: string): [number, number] {
  const [a, b, ...rest] = text.split('-');
  if (rest.length > 0 || a === undefined) throw bad(flag, value, `invalid ${what} "${text}"`);
  const first = parsePortNumber(a, flag, value, what);
  const last = b === undefined ? first : parsePortNumber(b, flag, value, what);
  if (last < first) throw bad(flag, value, `invalid ${what} range "${text}": end before start`);
  return [first, last];
}

function parseProtocol(text: string | undefined, flag: string, value: string): 'tcp' | 'udp' {
  const p = (text ?? 'tcp').toLowerCase();
  if (p !== 'tcp' && p !== 'udp') throw bad(flag, value, `invalid protocol "${text}" (want tcp or udp)`);
  return p;
}

/**
 * One -p value in any of docker's forms: `80`, `8080:80`, `127.0.0.1:8080:80`,
 * `127.0.0.1::80`, `[::1]:8080:80`, ranges (`8000-8001:80-81`), with `/tcp` or `/udp`.
 */
export function parsePublish(value: string): PortBinding[] {
  const flag = '-p, --publish';
  const slash = value.lastIndexOf('/');
  const body = slash >= 0 ? value.slice(0, slash) : value;
  const protocol = parseProtocol(slash >= 0 ? value.slice(slash + 1) : undefined, flag, value);
  let hostIp = '';
  let rest = body;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(body);
  if (v6) {
    hostIp = v6[1]!;
    rest = v6[2]!;
  } else {
    const parts = body.split(':');
    if (parts.length === 3) {
      hostIp = parts[0]!;
      rest = `${parts[1]}:${parts[2]}`;
    } else if (parts.length > 3) throw bad(flag, value, 'too many colons (write an IPv6 address as [addr])');
  }
  if (hostIp !== '' && isIP(hostIp) === 0) throw bad(flag, value, `invalid IP address "${hostIp}"`);
  const colon = rest.lastIndexOf(':');
  const hostPart = colon >= 0 ? rest.slice(0, colon) : '';
  const containerPart = colon >= 0 ? rest.slice(colon + 1) : rest;
  const [c0, c1] = parseRange(containerPart, flag, value, 'containerPort');
  if (hostPart === '') {
    const out: PortBinding[] = [];
    for (let p = c0; p <= c1; p++) out.push({ hostIp, hostPort: 0, containerPort: p, protocol });
    return out;
  }
  const [h0, h1] = parseRange(hostPart, flag, value, 'hostPort');
  if (c0 === c1) return [{ hostIp, hostPort: h0, containerPort: c0, protocol }];
  if (h1 - h0 !== c1 - c0) throw bad(flag, value, 'the host and container port ranges differ in length');
  const out: PortBinding[] = [];
  for (let i = 0; i <= c1 - c0; i++) out.push({ hostIp, hostPort: h0 + i, containerPort: c0 + i, protocol });
  return out;
}

/** `--expose 80`, `80/udp`, `8000-8010` and ExposedPorts keys ("8080/tcp") -> ports. */
export function parseExposed(value: string, flag = '--expose'): { port: number; protocol: 'tcp' | 'udp' }[] {
  const [range, proto, ...rest] = value.split('/');
  if (rest.length > 0 || range === undefined) throw bad(flag, value, 'want PORT[-PORT][/PROTOCOL]');
  const protocol = parseProtocol(proto, flag, value);
  const [a, b] = parseRange(range, flag, value, 'port');
  const out: { port: number; protocol: 'tcp' | 'udp' }[] = [];
  for (let p = a; p <= b; p++) out.push({ port: p, protocol });
  return out;
}

const BUILTIN_NAMES = ['default', 'bridge', 'slirp4netns', 'slirp', 'none', 'host'];

/**
 * `--network` values -> mode and slirp options (podman's `slirp4netns:allow_host_loopback=true`),
 * or the user-defined networks named (one or more, docker 25's repeated --network).
 */
export function parseNetworkMode(values: string[], hostHasIpv6: boolean, known: NetworkRecord[] = []): Pick<ContainerNetwork, 'mode' | 'allowHostLoopback' | 'ipv6' | 'userNetworks' | 'bypass'> {
  const flag = '--network';
  const isBuiltin = (v: string) => BUILTIN_NAMES.includes(v.split(':')[0]!) || v.startsWith('container:') || v === 'container';
  if (values.length > 0 && !values.some(isBuiltin)) {
    const userNetworks = values.map((v) => findNetwork(known, v));
    const dup = userNetworks.find((n, i) => userNetworks.findIndex((m) => m.Id === n.Id) !== i);
    if (dup) throw new SpecError(`--network ${dup.Name} given twice`);
    return { mode: 'switch', allowHostLoopback: false, ipv6: false, userNetworks, bypass: false };
  }
  if (values.length > 1) throw new SpecError(`--network: ${values.filter(isBuiltin)[0]} can't be combined with other networks`);
  const value = values[0] ?? 'default';
  const [name = '', opts = ''] = value.split(/:(.*)/s);
  if (name === 'none' || name === 'host') {
    if (opts) throw bad(flag, value, `"${name}" takes no options`);
    return { mode: name, allowHostLoopback: false, ipv6: false, userNetworks: [], bypass: false };
  }
  if (name.startsWith('container')) throw new SpecError(`--network ${value}: joining another container's network is not supported yet`);
  let allowHostLoopback = false;
  let ipv6 = hostHasIpv6;
  let bypass = true;
  for (const opt of opts ? opts.split(',') : []) {
    const [k, v] = opt.split('=');
    const on = v === 'true' ? true : v === 'false' ? false : undefined;
    if (on === undefined) throw bad(flag, value, `option "${opt}" wants =true or =false`);
    if (k === 'allow_host_loopback') allowHostLoopback = on;
    else if (k === 'enable_ipv6') ipv6 = on && hostHasIpv6;
    else if (k === 'bypass') bypass = on;
    else throw bad(flag, value, `unknown option "${k}" (known: allow_host_loopback, enable_ipv6, bypass)`);
  }
  return { mode: 'slirp', allowHostLoopback, ipv6, userNetworks: [], bypass };
}

function parseAddHost(value: string): { name: string; ip: string } {
  // docker accepts host:ip and host=ip; an IPv6 address contains colons, so split at the first.
  const m = /^([^:=]+)[:=](.+)$/.exec(value);
  if (!m) throw bad('--add-host', value, 'want HOST:IP');
  const name = m[1]!;
  let ip = m[2]!.replace(/^\[(.*)\]$/, '$1');
  if (ip === 'host-gateway') ip = SLIRP.gateway4;
  if (isIP(ip) === 0) throw bad('--add-host', value, `invalid IP address "${ip}"`);
  return { name, ip };
}

/** The whole network of one container, from the request and the image's ExposedPorts. */
export function resolveNetwork(req: NetworkRequest, exposedPorts: Record<string, unknown> | undefined, hostHasIpv6: boolean, known: NetworkRecord[] = []): { network: ContainerNetwork; warnings: string[] } {
  const warnings: string[] = [];
  const mode = parseNetworkMode(req.network, hostHasIpv6, known);
  const aliases = req.aliases ?? [];
  // docker's refusals, for the built-in networks.
  if (mode.mode !== 'switch') {
    if (aliases.length > 0) throw new SpecError('network-scoped alias is supported only for containers in user defined networks');
    if (req.ip !== undefined || req.ip6 !== undefined) throw new SpecError('user specified IP address is supported on user defined networks only');
    if (req.mac !== undefined && mode.mode !== 'slirp') throw new SpecError(`conflicting options: mac-address and the network mode ${mode.mode}`);
  }
  const mac = req.mac === undefined ? undefined : parseMac(req.mac);
  if (mac !== undefined && mode.mode === 'slirp') throw new SpecError('--mac-address is supported on user defined networks only (the default network\'s tap0 has a fixed address)');
  let ports = req.publish.flatMap(parsePublish);
  if (req.publishAll) {
    const exposed = [...Object.keys(exposedPorts ?? {}).flatMap((k) => parseExposed(k, 'image ExposedPorts')), ...req.expose.flatMap((e) => parseExposed(e))];
    for (const e of exposed)
      if (!ports.some((p) => p.containerPort === e.port && p.protocol === e.protocol)) ports.push({ hostIp: '', hostPort: 0, containerPort: e.port, protocol: e.protocol });
  } else req.expose.forEach((e) => parseExposed(e));
  if (ports.length > 0 && mode.mode !== 'slirp' && mode.mode !== 'switch') {
    // docker: published ports are discarded with --network host (and none); say so, don't fail.
    warnings.push(`Published ports are discarded when using ${mode.mode} network mode`);
    ports = [];
  }
  for (const d of req.dns) if (isIP(d) === 0) throw bad('--dns', d, 'not an IP address');
  const network = { ...mode, ports, dns: req.dns, dnsSearch: req.dnsSearch, dnsOptions: req.dnsOption, extraHosts: req.addHost.map(parseAddHost), aliases, ip: req.ip, ...(req.ip6 === undefined ? {} : { ip6: req.ip6 }), mac };
  return { network, warnings };
}
