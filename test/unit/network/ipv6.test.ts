// IPv6 on user-defined networks, the pure parts: v6 subnet math, `network create --ipv6`
// records (given or random ULA subnets, gateways, overlaps), members' IPv6 addresses (--ip6 or
// the next free) with docker's refusals, --ip6 on the built-in networks, the runtime entry
// and /etc/hosts.
import test from 'ava';
import { chooseAddress6 } from '../../../src/network/members.js';
import { resolveNetwork, type NetworkRequest } from '../../../src/network/options.js';
import { networkHosts } from '../../../src/network/etc.js';
import { switchNetworkConfig } from '../../../src/network/runtime.js';
import { config4, config6, planNetwork, type CreateRequest, type NetworkRecord } from '../../../src/network/store.js';
import { bigToV6, canonicalV6, contains6, defaultGateway6, nextFreeV6, overlaps6, parseSubnet6, randomUlaSubnet, v6ToBig } from '../../../src/network/subnet6.js';
import type { SandboxPaths } from '../../../src/state/paths.js';

const now = new Date('2026-01-02T03:04:05Z');
const req = (over: Partial<CreateRequest>): CreateRequest => ({ name: 'v6', subnets: [], gateways: [], ipv6: true, internal: false, labels: {}, ...over });
const plan = (over: Partial<CreateRequest>, existing: NetworkRecord[] = []) => planNetwork(req(over), existing, `${over.name ?? 'v6'}-id`.padEnd(64, '0'), now);
const request = (over: Partial<NetworkRequest>): NetworkRequest => ({ network: [], publish: [], publishAll: false, expose: [], dns: [], dnsSearch: [], dnsOption: [], addHost: [], ...over });

test('addresses <-> numbers: canonical text (RFC 5952), embedded IPv4, all-zero and all-one', (t) => {
  t.is(canonicalV6('2001:DB8:0:0:0::5'), '2001:db8::5');
  t.is(canonicalV6('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1');
  t.is(canonicalV6('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1'); // the first of two equal runs
  t.is(canonicalV6('1:0:1:1:1:1:1:1'), '1:0:1:1:1:1:1:1'); // one zero group stays
  t.is(canonicalV6('::'), '::');
  t.is(canonicalV6('::ffff:10.1.2.3'), '::ffff:a01:203');
  t.is(bigToV6((1n << 128n) - 1n), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  t.is(v6ToBig('::1'), 1n);
});

test('v6 subnets: host bits cleared, membership, overlap, the ::1 gateway', (t) => {
  const s = parseSubnet6('fd00:dead:beef::77/64');
  t.deepEqual(s, { address: 'fd00:dead:beef::', prefix: 64 });
  t.true(contains6(s, 'fd00:dead:beef::2'));
  t.true(contains6(s, 'fd00:dead:beef:0:ffff:ffff:ffff:ffff'));
  t.false(contains6(s, 'fd00:dead:beef::')); // the subnet-router anycast address
  t.false(contains6(s, 'fd00:dead:beef:1::2'));
  t.false(contains6(s, '10.0.0.1'));
  t.is(defaultGateway6(s), 'fd00:dead:beef::1');
  t.true(overlaps6(parseSubnet6('fd00:dead::/32'), s));
  t.false(overlaps6(parseSubnet6('fd00:dead:beef:1::/64'), s));
  t.deepEqual(parseSubnet6('2001:db8:1:2:3::/80'), { address: '2001:db8:1:2:3::', prefix: 80 });
  for (const bad of ['fd00::/7', 'fd00::/121', '10.0.0.0/24', 'fd00::', 'fd00::/x'])
    t.is(t.throws(() => parseSubnet6(bad))?.message, `invalid argument "${bad}" for "--subnet" flag: want an IPv6 CIDR such as fd00:db8::/64 (prefix 8-120)`);
});

test('a random unique-local /64 (fd + 40 random bits), never one already taken', (t) => {
  const bytes = [Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]), Uint8Array.from([1, 2, 3, 4, 5])];
  let i = 0;
  t.deepEqual(randomUlaSubnet([], () => bytes[0]!), { address: 'fd12:3456:789a::', prefix: 64 });
  t.deepEqual(randomUlaSubnet([parseSubnet6('fd12:3456:789a::/48')], () => bytes[i++]!), { address: 'fd01:203:405::', prefix: 64 });
  t.is(t.throws(() => randomUlaSubnet([parseSubnet6('fd00::/8')], () => bytes[0]!))?.message, 'no free IPv6 subnet found: give one with --subnet');
});

test('the next free IPv6 address: after the gateway, skipping taken ones in any spelling', (t) => {
  const s = parseSubnet6('fd00:1::/120');
  t.is(nextFreeV6(s, ['fd00:1::1']), 'fd00:1::2');
  t.is(nextFreeV6(s, ['fd00:1::1', 'FD00:1:0::2', 'fd00:1::3']), 'fd00:1::4');
  const full = Array.from({ length: 254 }, (_, k) => `fd00:1::${(k + 1).toString(16)}`);
  t.is(nextFreeV6(s, full), undefined); // ::ff, the last address, is left alone
});

test('network create --ipv6: the IPv4 config first, then the IPv6 one (given or a ULA /64)', (t) => {
  const given = plan({ subnets: ['fd00:dead:beef::/64'] });
  t.true(given.EnableIPv6);
  t.deepEqual(given.IPAM.Config, [
    { Subnet: '10.89.0.0/24', Gateway: '10.89.0.1' },
    { Subnet: 'fd00:dead:beef::/64', Gateway: 'fd00:dead:beef::1' },
  ]);
  const both = plan({ name: 'both', subnets: ['2001:db8:1::/64', '172.31.0.0/24'], gateways: ['2001:DB8:1::fe', '172.31.0.254'] });
  t.deepEqual(both.IPAM.Config, [
    { Subnet: '172.31.0.0/24', Gateway: '172.31.0.254' },
    { Subnet: '2001:db8:1::/64', Gateway: '2001:db8:1::fe' },
  ]);
  const auto = plan({ name: 'auto' });
  t.regex(config6(auto)!.Subnet, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
  t.is(config6(auto)!.Gateway, defaultGateway6(parseSubnet6(config6(auto)!.Subnet)));
  // An IPv4-only network: one config, EnableIPv6 false; its IPv4 config is found either way.
  const v4 = plan({ name: 'v4', ipv6: false });
  t.false(v4.EnableIPv6);
  t.is(config6(v4), undefined);
  t.is(config4(both).Subnet, '172.31.0.0/24');
  // The next network's IPv4 pool skips the IPv6 configs (they are not IPv4 subnets).
  t.is(config4(plan({ name: 'next', ipv6: false }, [given])).Subnet, '10.89.1.0/24');
});

test('network create --ipv6: refusals with one line naming the flag', (t) => {
  const first = plan({ subnets: ['fd00:dead:beef::/64'] });
  const msg = (over: Partial<CreateRequest>, existing: NetworkRecord[] = []) => t.throws(() => plan({ name: 'x', ...over }, existing))?.message;
  t.is(msg({ subnets: ['fd00:dead:beef:0:1::/80'] }, [first]), 'invalid pool request: Pool overlaps with other one on this address space (network v6)');
  t.is(msg({ ipv6: false, subnets: ['fd00::/64'] }), 'invalid argument "fd00::/64" for "--subnet" flag: an IPv6 subnet needs --ipv6');
  t.is(msg({ ipv6: false, gateways: ['fd00::1'] }), 'invalid argument "fd00::1" for "--gateway" flag: an IPv6 gateway needs --ipv6');
  t.is(msg({ subnets: ['fd00::/64', 'fd01::/64'] }), '--subnet: one IPv4 and one IPv6 subnet at most, got fd00::/64, fd01::/64');
  t.is(msg({ subnets: ['fd00::/64'], gateways: ['fd01::1'] }), 'invalid argument "fd01::1" for "--gateway" flag: not a host address of fd00::/64');
  t.is(msg({ gateways: ['fd01::1'] }), '--gateway needs --subnet');
});

test('members: --ip6 inside the IPv6 subnet and free, else the next free; docker\'s refusals', (t) => {
  const n = plan({ subnets: ['fd00:dead:beef::/64'] });
  t.is(chooseAddress6(n, [], undefined), 'fd00:dead:beef::2');
  t.is(chooseAddress6(n, ['fd00:dead:beef::2'], undefined), 'fd00:dead:beef::3');
  t.is(chooseAddress6(n, [], 'FD00:DEAD:BEEF:0::99'), 'fd00:dead:beef::99');
  t.is(t.throws(() => chooseAddress6(n, ['fd00:dead:beef::99'], 'fd00:dead:beef::99'))?.message, 'Address already in use: fd00:dead:beef::99 on network v6');
  t.is(t.throws(() => chooseAddress6(n, [], 'fd00:dead:beef::1'))?.message, 'Address already in use: fd00:dead:beef::1 on network v6');
  t.is(t.throws(() => chooseAddress6(n, [], 'fd00:dead:bee1::99'))?.message, 'invalid config for network v6: invalid endpoint settings: no configured subnet or ip-range contain the IP address fd00:dead:bee1::99');
  for (const bad of ['10.89.0.9', 'x', '::', 'fd00:dead:beef::5%eth0'])
    t.is(t.throws(() => chooseAddress6(n, [], bad))?.message, `invalid config for network v6: invalid endpoint settings: invalid IPv6 address: ${bad}`);
  const v4 = plan({ name: 'v4', ipv6: false });
  t.is(chooseAddress6(v4, [], undefined), undefined);
  t.is(t.throws(() => chooseAddress6(v4, [], 'fd00::5'))?.message, 'invalid config for network v4: invalid endpoint settings: user specified IP address is supported only when connecting to networks with user configured subnets');
});

test('--ip6 on the default network, host or none: refused as docker refuses --ip there', (t) => {
  const known = [plan({ subnets: ['fd00:dead:beef::/64'] })];
  for (const network of [[], ['bridge'], ['host'], ['none']])
    t.is(t.throws(() => resolveNetwork(request({ network, ip6: 'fd00::5' }), undefined, false, known))?.message, 'user specified IP address is supported on user defined networks only');
  t.is(resolveNetwork(request({ network: ['v6'], ip6: 'fd00:dead:beef::5' }), undefined, false, known).network.ip6, 'fd00:dead:beef::5');
});

test('the runtime entry and /etc/hosts carry the IPv6 address (inspect: test/integration/network/ipv6-networks)', (t) => {
  const n = plan({ subnets: ['fd00:dead:beef::/64'] });
  const paths = { data: '/d', runtime: '/r' } as SandboxPaths;
  const member = { ContainerId: 'c'.repeat(64), Name: 'web', Aliases: [], IPv4Address: '10.89.0.2', IPv6Address: 'fd00:dead:beef::2', MacAddress: '02:42:0a:59:00:02' };
  const entry = switchNetworkConfig(paths, n, member);
  t.like(entry, { subnet: '10.89.0.0', prefix: 24, ip: '10.89.0.2', subnet6: 'fd00:dead:beef::', prefix6: 64, gateway6: 'fd00:dead:beef::1', ip6: 'fd00:dead:beef::2' });
  const v4entry = switchNetworkConfig(paths, plan({ name: 'v4', ipv6: false }), { ...member, IPv6Address: undefined });
  t.is(v4entry.ip6, undefined);

  const { network } = resolveNetwork(request({ network: ['v6'] }), undefined, false, [n]);
  t.true(networkHosts(network, 'web', undefined, '10.89.0.2', 'fd00:dead:beef::2').endsWith('10.89.0.2\tweb\nfd00:dead:beef::2\tweb\n'));
});
