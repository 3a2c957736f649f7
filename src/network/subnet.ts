// IPv4 subnets of user-defined networks: parsing, the gateway, and the first free default
// subnet. Pure.
import { isIPv4 } from 'node:net';
import { SpecError } from '../errors.js';

export interface Subnet {
  /** Network address, e.g. 10.89.0.0 */
  address: string;
  prefix: number;
}

const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function parseSubnet(text: string, flag = '--subnet'): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m || !isIPv4(m[1]!) || Number(m[2]) > 30 || Number(m[2]) < 8) throw new SpecError(`invalid argument "${text}" for "${flag}" flag: want an IPv4 CIDR such as 10.89.0.0/24 (prefix 8-30)`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const base = toInt(m[1]!) - (toInt(m[1]!) % size);
  return { address: toIp(base), prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${s.address}/${s.prefix}`;
}

export function contains(s: Subnet, ip: string): boolean {
  const size = 2 ** (32 - s.prefix);
  const n = toInt(ip);
  return isIPv4(ip) && n > toInt(s.address) && n < toInt(s.address) + size - 1;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const [a0, a1] = [toInt(a.address), toInt(a.address) + 2 ** (32 - a.prefix)];
  const [b0, b1] = [toInt(b.address), toInt(b.address) + 2 ** (32 - b.prefix)];
  return a0 < b1 && b0 < a1;
}

/** docker's default: the first host of the subnet. */
export function defaultGateway(s: Subnet): string {
  return toIp(toInt(s.address) + 1);
}

/** podman's default pool: 10.89.N.0/24, the first one no existing network overlaps. */
export function firstFreeSubnet(taken: Subnet[]): Subnet {
  for (let n = 0; n < 256; n++) {
    const s = { address: `10.89.${n}.0`, prefix: 24 };
    if (!taken.some((t) => overlaps(t, s))) return s;
  }
  throw new SpecError('no free subnet left in 10.89.0.0/16: give one with --subnet');
}
