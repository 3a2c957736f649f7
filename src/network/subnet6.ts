// IPv6 subnets of user-defined networks (`network create --ipv6`): parsing, containment,
// overlap, the gateway, a random unique-local /64 when none is given, and the next free
// address. Pure (the random bytes come in). Addresses are BigInts inside, text outside.
import { isIPv6 } from 'node:net';
import { SpecError } from '../errors.js';

export interface Subnet6 {
  /** Network address in canonical text (RFC 5952), e.g. fd12:3456:789a:1::. */
  address: string;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

/** Text -> 128-bit number. The text must be an IPv6 address (isIPv6). */
export function v6ToBig(ip: string): bigint {
  let text = ip.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) -> two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** 128-bit number -> canonical text: lower case, no leading zeros, the longest run of two or more zero groups as ::. */
export function bigToV6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** An address in canonical form (so `2001:DB8:0::5` and `2001:db8::5` compare equal). */
export function canonicalV6(ip: string): string {
  return bigToV6(v6ToBig(ip));
}

const mask = (prefix: number) => (ALL << BigInt(128 - prefix)) & ALL;

/** "2001:db8::/64" -> the subnet (host bits cleared). Prefix 8-120: room for a gateway and members. */
export function parseSubnet6(text: string, flag = '--subnet'): Subnet6 {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  if (!m || !isIPv6(m[1]!) || Number(m[2]) > 120 || Number(m[2]) < 8) throw new SpecError(`invalid argument "${text}" for "${flag}" flag: want an IPv6 CIDR such as fd00:db8::/64 (prefix 8-120)`);
  const prefix = Number(m[2]);
  return { address: bigToV6(v6ToBig(m[1]!) & mask(prefix)), prefix };
}

export function formatSubnet6(s: Subnet6): string {
  return `${s.address}/${s.prefix}`;
}

/** Whether ip is an address of s other than its network address (the subnet-router anycast). */
export function contains6(s: Subnet6, ip: string): boolean {
  if (!isIPv6(ip)) return false;
  const n = v6ToBig(ip);
  return (n & mask(s.prefix)) === v6ToBig(s.address) && n !== v6ToBig(s.address);
}

export function overlaps6(a: Subnet6, b: Subnet6): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (v6ToBig(a.address) & mask(p)) === (v6ToBig(b.address) & mask(p));
}

/** docker's default gateway: the first address after the network's. */
export function defaultGateway6(s: Subnet6): string {
  return bigToV6(v6ToBig(s.address) + 1n);
}

/**
 * A unique-local /64 (RFC 4193: fd00::/8, a random 40-bit global id, subnet 0) that overlaps
 * no taken subnet; `random` gives 5 bytes per call. docker 27+ allocates ULA /64s too.
 */
export function randomUlaSubnet(taken: Subnet6[], random: () => Uint8Array): Subnet6 {
  for (let i = 0; i < 16; i++) {
    const b = random();
    const id = [...b.slice(0, 5)].reduce((n, x) => (n << 8n) | BigInt(x), 0n);
    const s = { address: bigToV6((0xfdn << 120n) | (id << 80n)), prefix: 64 };
    if (!taken.some((t) => overlaps6(t, s))) return s;
  }
  throw new SpecError('no free IPv6 subnet found: give one with --subnet');
}

/**
 * A member's IPv6 address: the requested one (canonical), else the first free one after the
 * gateway's. `taken` holds the other members' addresses and the gateway, in any form.
 */
export function nextFreeV6(s: Subnet6, taken: string[]): string | undefined {
  const used = new Set(taken.filter(isIPv6).map((t) => v6ToBig(t)));
  const base = v6ToBig(s.address);
  // Enough for any network of containers one user runs; the last address is left alone.
  const last = base + (1n << BigInt(128 - s.prefix)) - 2n;
  for (let n = base + 1n, tries = 0; n <= last && tries < 65536; n++, tries++) if (!used.has(n)) return bigToV6(n);
  return undefined;
}
