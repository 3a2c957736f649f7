// User-defined networks, the pure parts: addresses (--ip or the next free), docker's derived
// MAC, --mac-address checks, --network with network records, and the container's resolv.conf.
import test from 'ava';
import { chooseAddress, macFromIp, parseMac } from '../../../src/network/members.js';
import { parseNetworkMode, resolveNetwork, type NetworkRequest } from '../../../src/network/options.js';
import { networkHosts, networkResolvConf } from '../../../src/network/etc.js';
import { planNetwork } from '../../../src/network/store.js';

const net = (name: string, subnet?: string, gateway?: string) => planNetwork({ name, subnets: subnet === undefined ? [] : [subnet], gateways: gateway === undefined ? [] : [gateway], ipv6: false, internal: false, labels: {} }, [], `${name}-id`.padEnd(64, '0'), new Date(0));
const request = (over: Partial<NetworkRequest>): NetworkRequest => ({ network: [], publish: [], publishAll: false, expose: [], dns: [], dnsSearch: [], dnsOption: [], addHost: [], ...over });

test('addresses: the first free host address, never the gateway; --ip inside the subnet and free', (t) => {
  const n = net('a', '10.50.0.0/29');
  t.is(chooseAddress(n, [], undefined), '10.50.0.2');
  t.is(chooseAddress(n, ['10.50.0.2', '10.50.0.4'], undefined), '10.50.0.3');
  t.is(chooseAddress(n, ['10.50.0.2', '10.50.0.3', '10.50.0.4', '10.50.0.5'], undefined), '10.50.0.6');
  t.is(t.throws(() => chooseAddress(n, ['10.50.0.2', '10.50.0.3', '10.50.0.4', '10.50.0.5', '10.50.0.6'], undefined))?.message, 'no available IPv4 addresses on network a');
  t.is(chooseAddress(n, ['10.50.0.2'], '10.50.0.5'), '10.50.0.5');
  t.is(t.throws(() => chooseAddress(n, ['10.50.0.5'], '10.50.0.5'))?.message, 'Address already in use: 10.50.0.5 on network a');
  t.is(t.throws(() => chooseAddress(n, [], '10.50.0.1'))?.message, 'Address already in use: 10.50.0.1 on network a');
  t.is(t.throws(() => chooseAddress(n, [], '10.50.0.7'))?.message, "Invalid address 10.50.0.7: It does not belong to any of this network's subnets");
  t.is(t.throws(() => chooseAddress(n, [], '10.51.0.2'))?.message, "Invalid address 10.51.0.2: It does not belong to any of this network's subnets");
  t.is(t.throws(() => chooseAddress(n, [], 'x'))?.message, 'invalid argument "x" for "--ip" flag: not an IPv4 address');
  // A gateway elsewhere in the subnet: .1 is then a member's.
  t.is(chooseAddress(net('b', '10.52.0.0/24', '10.52.0.254'), [], undefined), '10.52.0.1');
});

test("MACs: docker's 02:42 + the IPv4 address; --mac-address unicast, any case", (t) => {
  t.is(macFromIp('10.89.0.2'), '02:42:0a:59:00:02');
  t.is(macFromIp('172.18.255.10'), '02:42:ac:12:ff:0a');
  t.is(parseMac('02:AA:bb:CC:dd:01'), '02:aa:bb:cc:dd:01');
  t.is(t.throws(() => parseMac('02:aa:bb:cc:dd'))?.message, 'invalid argument "02:aa:bb:cc:dd" for "--mac-address" flag: 02:aa:bb:cc:dd is not a valid mac address');
  t.is(t.throws(() => parseMac('01:00:5e:00:00:01'))?.message, 'invalid argument "01:00:5e:00:00:01" for "--mac-address" flag: 01:00:5e:00:00:01 is a multicast address, want a unicast one');
});

test('--network NAME finds the record (name, id, id prefix); unknown names are docker\'s one line', (t) => {
  const known = [net('my-net', '10.89.0.0/24'), net('other', '10.89.1.0/24')];
  t.deepEqual(parseNetworkMode(['my-net'], false, known).userNetworks.map((n) => n.Name), ['my-net']);
  t.is(parseNetworkMode(['my-net', 'other'], false, known).mode, 'switch');
  t.deepEqual(parseNetworkMode([known[1]!.Id.slice(0, 8)], false, known).userNetworks.map((n) => n.Name), ['other']);
  t.is(t.throws(() => parseNetworkMode(['nope'], false, known))?.message, 'network nope not found');
  t.is(t.throws(() => parseNetworkMode(['my-net', 'my-net'], false, known))?.message, '--network my-net given twice');
  t.is(t.throws(() => parseNetworkMode(['none', 'my-net'], false, known))?.message, "--network: none can't be combined with other networks");
});

test('--network-alias, --ip, --mac-address: on user-defined networks only, as docker', (t) => {
  const known = [net('my-net', '10.89.0.0/24')];
  const { network } = resolveNetwork(request({ network: ['my-net'], aliases: ['db'], ip: '10.89.0.9', mac: '02:00:00:00:00:09', publish: ['8080:80'] }), undefined, false, known);
  t.deepEqual([network.mode, network.aliases, network.ip, network.mac, network.ports.length], ['switch', ['db'], '10.89.0.9', '02:00:00:00:00:09', 1]);
  const msg = (over: Partial<NetworkRequest>) => t.throws(() => resolveNetwork(request(over), undefined, false, known))?.message;
  t.is(msg({ aliases: ['db'] }), 'network-scoped alias is supported only for containers in user defined networks');
  t.is(msg({ ip: '10.0.2.7' }), 'user specified IP address is supported on user defined networks only');
  t.is(msg({ network: ['host'], mac: '02:00:00:00:00:01' }), 'conflicting options: mac-address and the network mode host');
});

test("the container's resolv.conf and hosts on a user-defined network: the gateway, ndots:0, its own address", (t) => {
  const known = [net('my-net', '10.89.0.0/24')];
  const { network } = resolveNetwork(request({ network: ['my-net'] }), undefined, false, known);
  t.is(networkResolvConf(network, 'search corp.test\nnameserver 127.0.0.53\noptions edns0\n', '10.89.0.1'), 'search corp.test\nnameserver 10.89.0.1\noptions edns0\noptions ndots:0\n');
  const own = resolveNetwork(request({ network: ['my-net'], dnsOption: ['ndots:2'] }), undefined, false, known).network;
  t.is(networkResolvConf(own, '', '10.89.0.1'), 'nameserver 10.89.0.1\noptions ndots:2\n');
  t.true(networkHosts(network, 'box', undefined, '10.89.0.2').endsWith('10.89.0.2\tbox\n'));
});
