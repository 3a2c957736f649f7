// -p/-P/--expose/--network/--dns/--add-host -> the container's network, from plain strings.
import test from 'ava';
import { parseExposed, parseNetworkMode, parsePublish, resolveNetwork, type NetworkRequest } from '../../../src/network/options.js';
import { networkHosts, networkResolvConf } from '../../../src/network/etc.js';
import { formatPortLines, formatPortsColumn } from '../../../src/network/ports-format.js';

const tcp = (hostIp: string, hostPort: number, containerPort: number) => ({ hostIp, hostPort, containerPort, protocol: 'tcp' as const });

test('-p takes every form docker does', (t) => {
  t.deepEqual(parsePublish('80'), [tcp('', 0, 80)]);
  t.deepEqual(parsePublish('8080:80'), [tcp('', 8080, 80)]);
  t.deepEqual(parsePublish('127.0.0.1:8080:80'), [tcp('127.0.0.1', 8080, 80)]);
  t.deepEqual(parsePublish('127.0.0.1::80'), [tcp('127.0.0.1', 0, 80)]);
  t.deepEqual(parsePublish('[::1]:8080:80'), [tcp('::1', 8080, 80)]);
  t.deepEqual(parsePublish('8000-8001:80-81'), [tcp('', 8000, 80), tcp('', 8001, 81)]);
  t.deepEqual(parsePublish('80-81'), [tcp('', 0, 80), tcp('', 0, 81)]);
  t.deepEqual(parsePublish('53:53/udp'), [{ hostIp: '', hostPort: 53, containerPort: 53, protocol: 'udp' }]);
  t.deepEqual(parsePublish('8080:80/tcp'), [tcp('', 8080, 80)]);
});

test('bad -p values name the flag and the value', (t) => {
  const msg = (v: string) => t.throws(() => parsePublish(v))?.message;
  t.is(msg('80:http'), 'invalid argument "80:http" for "-p, --publish" flag: invalid containerPort "http"');
  t.is(msg('70000:80'), 'invalid argument "70000:80" for "-p, --publish" flag: hostPort 70000 is out of range 1-65535');
  t.is(msg('1.2.3:80:80'), 'invalid argument "1.2.3:80:80" for "-p, --publish" flag: invalid IP address "1.2.3"');
  t.is(msg('80/sctp'), 'invalid argument "80/sctp" for "-p, --publish" flag: invalid protocol "sctp" (want tcp or udp)');
  t.is(msg('8000-8002:80-81'), 'invalid argument "8000-8002:80-81" for "-p, --publish" flag: the host and container port ranges differ in length');
});

test('--expose and ExposedPorts keys', (t) => {
  t.deepEqual(parseExposed('8080/tcp'), [{ port: 8080, protocol: 'tcp' }]);
  t.deepEqual(parseExposed('7000-7001'), [{ port: 7000, protocol: 'tcp' }, { port: 7001, protocol: 'tcp' }]);
});

test('--network modes and slirp options', (t) => {
  t.deepEqual(parseNetworkMode([], true), { mode: 'slirp', allowHostLoopback: false, ipv6: true, userNetworks: [], bypass: true });
  t.deepEqual(parseNetworkMode(['none'], true), { mode: 'none', allowHostLoopback: false, ipv6: false, userNetworks: [], bypass: false });
  t.deepEqual(parseNetworkMode(['host'], true), { mode: 'host', allowHostLoopback: false, ipv6: false, userNetworks: [], bypass: false });
  t.deepEqual(parseNetworkMode(['slirp4netns:allow_host_loopback=true,enable_ipv6=false'], true), { mode: 'slirp', allowHostLoopback: true, ipv6: false, userNetworks: [], bypass: true });
  t.deepEqual(parseNetworkMode(['bridge'], false), { mode: 'slirp', allowHostLoopback: false, ipv6: false, userNetworks: [], bypass: true });
  t.deepEqual(parseNetworkMode(['slirp4netns:bypass=false'], false), { mode: 'slirp', allowHostLoopback: false, ipv6: false, userNetworks: [], bypass: false });
  t.is(t.throws(() => parseNetworkMode(['slirp4netns:color=blue'], true))?.message, 'invalid argument "slirp4netns:color=blue" for "--network" flag: option "color=blue" wants =true or =false');
});

const request = (over: Partial<NetworkRequest>): NetworkRequest => ({ network: [], publish: [], publishAll: false, expose: [], dns: [], dnsSearch: [], dnsOption: [], addHost: [], ...over });

test('-P publishes ExposedPorts and --expose on kernel-chosen ports, keeping explicit -p', (t) => {
  const { network } = resolveNetwork(request({ publishAll: true, publish: ['9000:8080'], expose: ['7000'] }), { '8080/tcp': {}, '9090/tcp': {} }, false);
  t.deepEqual(network.ports, [tcp('', 9000, 8080), tcp('', 0, 9090), tcp('', 0, 7000)]);
});

test('--network host discards published ports with docker\'s warning', (t) => {
  const { network, warnings } = resolveNetwork(request({ network: ['host'], publish: ['80:80'] }), undefined, false);
  t.deepEqual(network.ports, []);
  t.deepEqual(warnings, ['Published ports are discarded when using host network mode']);
});

test('resolv.conf: slirp DNS by default, the host\'s search kept; --dns* replace their kind', (t) => {
  const host = 'search corp.test\nnameserver 127.0.0.53\noptions edns0\n';
  const slirp = resolveNetwork(request({}), undefined, false).network;
  t.is(networkResolvConf(slirp, host), 'search corp.test\nnameserver 10.0.2.3\noptions edns0\n');
  const custom = resolveNetwork(request({ dns: ['192.0.2.1'], dnsSearch: ['a.test'], dnsOption: ['ndots:3'] }), undefined, false).network;
  t.is(networkResolvConf(custom, host), 'search a.test\nnameserver 192.0.2.1\noptions ndots:3\n');
  const hostMode = resolveNetwork(request({ network: ['host'] }), undefined, false).network;
  t.is(networkResolvConf(hostMode, host), host);
});

test('/etc/hosts: the container on its slirp address, then --add-host (host-gateway is 10.0.2.2)', (t) => {
  const net = resolveNetwork(request({ addHost: ['db:10.1.2.3', 'gw:host-gateway', 'v6=[::1]'] }), undefined, false).network;
  const text = networkHosts(net, 'box', undefined);
  t.true(text.endsWith('10.0.2.100\tbox\n10.1.2.3\tdb\n10.0.2.2\tgw\n::1\tv6\n'), text);
  t.is(t.throws(() => resolveNetwork(request({ addHost: ['nohost'] }), undefined, false))?.message, 'invalid argument "nohost" for "--add-host" flag: want HOST:IP');
});

test('port listings as docker prints them', (t) => {
  const ports = [tcp('', 32768, 8080), tcp('::1', 9000, 90)];
  t.deepEqual(formatPortLines(ports), ['8080/tcp -> 0.0.0.0:32768', '90/tcp -> [::1]:9000']);
  t.deepEqual(formatPortLines(ports, '90'), ['[::1]:9000']);
  t.is(formatPortsColumn(ports), '0.0.0.0:32768->8080/tcp, [::1]:9000->90/tcp');
});
