// IPv6 on user-defined networks, as a user sees it: `network create --ipv6` (a given subnet or
// a unique-local /64), containers with an IPv6 address next to their IPv4 one, names that
// resolve to AAAA records, container-to-container IPv6 (ping, nc, wget), --ip6 on run and on
// `network connect`, inspect's fields, and docker's refusals. Nothing leaves the machine: only
// member names are looked up, and only members' and gateways' addresses are contacted.
import test from 'ava';
import { existsSync } from 'node:fs';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged', 'tun'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers on IPv6 user-defined networks as an unprivileged user');
const itCli = needs(test, ['cli', 'unprivileged'], 'runs the CLI as an unprivileged user');

let home: SandboxHome;
test.before(async () => {
  home = await makeSandboxHome();
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const unique = (base: string) => `${base}-${Math.random().toString(36).slice(2, 8)}`;

interface NetworkJson {
  EnableIPv6: boolean;
  IPAM: { Config: { Subnet: string; Gateway: string }[] };
  Containers: Record<string, { Name: string; IPv4Address: string; IPv6Address: string }>;
}
async function inspectNetwork(name: string): Promise<NetworkJson> {
  const r = await sandbox('network', 'inspect', name);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as NetworkJson[])[0]!;
}

itCli('network create --ipv6 --subnet: EnableIPv6 and both IPAM configs; --ipv6 alone: a unique-local /64', async (t) => {
  const given = unique('v6-given');
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:1::/64', '--subnet', '10.131.0.0/24', '--gateway', 'fd5b:1e57:1::fe', given)).code, 0);
  const g = await inspectNetwork(given);
  t.true(g.EnableIPv6);
  t.deepEqual(g.IPAM.Config, [
    { Subnet: '10.131.0.0/24', Gateway: '10.131.0.1' },
    { Subnet: 'fd5b:1e57:1::/64', Gateway: 'fd5b:1e57:1::fe' },
  ]);
  t.is((await sandbox('network', 'inspect', '-f', '{{.EnableIPv6}} {{range .IPAM.Config}}{{.Subnet}} {{end}}', given)).stdout, 'true 10.131.0.0/24 fd5b:1e57:1::/64 \n');

  const auto = unique('v6-auto');
  t.is((await sandbox('network', 'create', '--ipv6', auto)).code, 0);
  const a = await inspectNetwork(auto);
  t.true(a.EnableIPv6);
  t.is(a.IPAM.Config.length, 2);
  t.regex(a.IPAM.Config[1]!.Subnet, /^fd[0-9a-f]{2}:[0-9a-f:]+\/64$/);

  // docker's spelling of the switch, =false included.
  const plain = unique('v4-only');
  t.is((await sandbox('network', 'create', '--ipv6=false', plain)).code, 0);
  t.false((await inspectNetwork(plain)).EnableIPv6);
  t.regex((await sandbox('network', 'create', '--help')).stdout, /^ {6}--ipv6 {3,}Enable or disable IPv6 networking$/m);
  t.regex((await sandbox('network', 'connect', '--help')).stdout, /^ {6}--ip6 string {3,}IPv6 address/m);
  t.is((await sandbox('network', 'rm', given, auto, plain)).code, 0);
});

itCli('network create: an IPv6 subnet without --ipv6, two IPv6 subnets, an overlap: exit 125, one line, no network', async (t) => {
  const name = unique('v6-bad');
  const cases: [string[], string][] = [
    [['--subnet', 'fd5b:1e57:2::/64'], 'sandbox: invalid argument "fd5b:1e57:2::/64" for "--subnet" flag: an IPv6 subnet needs --ipv6\n'],
    [['--ipv6', '--subnet', 'fd5b:1e57:2::/64', '--subnet', 'fd5b:1e57:3::/64'], 'sandbox: --subnet: one IPv4 and one IPv6 subnet at most, got fd5b:1e57:2::/64, fd5b:1e57:3::/64\n'],
    [['--ipv6', '--subnet', 'fd5b:1e57:2::/129'], 'sandbox: invalid argument "fd5b:1e57:2::/129" for "--subnet" flag: want an IPv6 CIDR such as fd00:db8::/64 (prefix 8-120)\n'],
  ];
  for (const [flags, message] of cases) {
    const r = await sandbox('network', 'create', ...flags, name);
    t.is(r.code, 125, flags.join(' '));
    t.is(r.stderr, message);
  }
  const first = unique('v6-first');
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:4::/48', first)).code, 0);
  const clash = await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:4:1::/64', name);
  t.is(clash.code, 125);
  t.is(clash.stderr, `sandbox: invalid pool request: Pool overlaps with other one on this address space (network ${first})\n`);
  t.is((await sandbox('network', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter((n) => n === name).length, 0);
  t.is((await sandbox('network', 'rm', first)).code, 0);
});

it('two containers on an IPv6 network: AAAA answers, ping -6 by name, nc and wget over IPv6, inspect shows the addresses', async (t) => {
  const net = unique('v6-net');
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:10::/64', '--subnet', '10.132.0.0/24', net)).code, 0);
  const server = unique('v6-server');
  const run = await sandbox('run', '-d', '--name', server, '--network', net, 'lab/busybox', 'sh', '-c', 'mkdir /www && echo hello-over-v6 > /www/index.html && httpd -p 80 -h /www && exec nc -l -p 7777 -e echo nc-over-v6');
  t.is(run.code, 0, run.stderr);

  // The first member's address is the one after the gateway (::1), as docker's.
  const f = '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}/{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}} {{.IPAddress}}{{end}}';
  t.is((await sandbox('inspect', '-f', f, server)).stdout, 'fd5b:1e57:10::2/64 fd5b:1e57:10::1 10.132.0.2\n');
  const n = await inspectNetwork(net);
  t.deepEqual(Object.values(n.Containers).map((c) => [c.Name, c.IPv4Address, c.IPv6Address]), [[server, '10.132.0.2/24', 'fd5b:1e57:10::2/64']]);

  const script = [
    // The server answers (and its httpd listens) once its own start-up is done.
    'for i in $(seq 50); do wget -qO- http://[fd5b:1e57:10::2]/ 2>/dev/null && break; sleep 0.1; done',
    `nslookup ${server} | grep -A1 "^Name:" | grep Address`,
    `ping -6 -c1 ${server} | head -1`,
    'ping -6 -c1 fd5b:1e57:10::1 | grep -c "bytes from fd5b:1e57:10::1"',
    `for i in $(seq 50); do echo | nc ${server} 7777 2>/dev/null && break; sleep 0.1; done`,
    'grep fd5b /etc/hosts | cut -f1',
    'ip -6 route | grep -c default',
  ].join('; ');
  const r = await sandbox('run', '--rm', '--network', net, 'lab/busybox', 'sh', '-c', script);
  t.is(r.code, 1, r.stderr); // the last grep: no IPv6 default route (no IPv6 uplink)
  t.is(
    r.stdout,
    [
      'hello-over-v6',
      'Address: 10.132.0.2',
      'Address: fd5b:1e57:10::2',
      `PING ${server} (fd5b:1e57:10::2): 56 data bytes`,
      '1',
      'nc-over-v6',
      'fd5b:1e57:10::3',
      '0',
      '',
    ].join('\n'),
  );
  t.is((await sandbox('rm', '-f', server)).code, 0);
  t.is((await sandbox('network', 'rm', net)).code, 0);
});

it('--ip6 picks the address; another member finds it by name; a taken or outside address is refused with nothing left behind', async (t) => {
  const net = unique('v6-static');
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:20::/64', net)).code, 0);
  const fixed = unique('v6-fixed');
  t.is((await sandbox('run', '-d', '--name', fixed, '--network', net, '--ip6', 'fd5b:1e57:20::abc', 'lab/busybox', 'sleep', '300')).code, 0);
  t.is((await sandbox('exec', fixed, 'sh', '-c', 'ip -6 addr show dev eth0 scope global | grep -o "inet6 [^ ]*"')).stdout, 'inet6 fd5b:1e57:20::abc/64\n');
  const r = await sandbox('run', '--rm', '--network', net, 'lab/busybox', 'ping', '-6', '-c1', fixed);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.startsWith(`PING ${fixed} (fd5b:1e57:20::abc)`), r.stdout);

  const name = unique('v6-refused');
  const v4net = unique('v4-net');
  t.is((await sandbox('network', 'create', v4net)).code, 0);
  const cases: [string[], string][] = [
    [['--network', net, '--ip6', 'fd5b:1e57:20::abc'], `sandbox: Address already in use: fd5b:1e57:20::abc on network ${net}\n`],
    [['--network', net, '--ip6', 'fd5b:1e57:21::5'], `sandbox: invalid config for network ${net}: invalid endpoint settings: no configured subnet or ip-range contain the IP address fd5b:1e57:21::5\n`],
    [['--network', net, '--ip6', '10.89.0.9'], `sandbox: invalid config for network ${net}: invalid endpoint settings: invalid IPv6 address: 10.89.0.9\n`],
    [['--network', v4net, '--ip6', 'fd5b:1e57:20::5'], `sandbox: invalid config for network ${v4net}: invalid endpoint settings: user specified IP address is supported only when connecting to networks with user configured subnets\n`],
    [['--ip6', 'fd5b:1e57:20::5'], 'sandbox: user specified IP address is supported on user defined networks only\n'],
    [['--network', 'host', '--ip6', 'fd5b:1e57:20::5'], 'sandbox: user specified IP address is supported on user defined networks only\n'],
    [['--network', 'none', '--ip6', 'fd5b:1e57:20::5'], 'sandbox: user specified IP address is supported on user defined networks only\n'],
  ];
  for (const [flags, message] of cases) {
    const c = await sandbox('run', '--name', name, ...flags, 'lab/busybox', 'true');
    t.is(c.code, 125, flags.join(' '));
    t.is(c.stderr, message);
  }
  t.is((await sandbox('ps', '-aq', '--filter', `name=${name}`)).stdout, '');
  t.is((await sandbox('network', 'inspect', '-f', '{{len .Containers}}', net)).stdout, '1\n');
  t.is((await sandbox('rm', '-f', fixed)).code, 0);
  t.is((await sandbox('network', 'rm', net, v4net)).code, 0);
});

it('network connect --ip6 gives a running container an IPv6 address on the network it joins', async (t) => {
  const net = unique('v6-connect');
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:30::/64', net)).code, 0);
  const late = unique('v6-late');
  t.is((await sandbox('run', '-d', '--name', late, 'lab/busybox', 'sleep', '300')).code, 0);
  const c = await sandbox('network', 'connect', '--ip6', 'fd5b:1e57:30::42', net, late);
  t.is(c.code, 0, c.stderr);
  t.is((await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").GlobalIPv6Address}}`, late)).stdout, 'fd5b:1e57:30::42\n');
  const r = await sandbox('run', '--rm', '--network', net, 'lab/busybox', 'ping', '-6', '-c1', late);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.startsWith(`PING ${late} (fd5b:1e57:30::42)`), r.stdout);

  const other = unique('v6-other');
  t.is((await sandbox('run', '-d', '--name', other, 'lab/busybox', 'sleep', '300')).code, 0);
  const bad = await sandbox('network', 'connect', '--ip6', 'fd5b:1e57:31::1', net, other);
  t.is(bad.code, 125);
  t.is(bad.stderr, `sandbox: invalid config for network ${net}: invalid endpoint settings: no configured subnet or ip-range contain the IP address fd5b:1e57:31::1\n`);
  t.is((await sandbox('rm', '-f', late, other)).code, 0);
  t.is((await sandbox('network', 'rm', net)).code, 0);
});

it("the switch drops IPv6 packets from an address that is not the member's own (spoofing)", async (t) => {
  const net = unique('v6-spoof');
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:40::/64', net)).code, 0);
  const target = unique('v6-target');
  t.is((await sandbox('run', '-d', '--name', target, '--network', net, '--ip6', 'fd5b:1e57:40::10', 'lab/busybox', 'sleep', '300')).code, 0);
  // NET_ADMIN in its own namespace lets the container add an address; the switch still knows
  // the one it joined with: it drops packets from the added address and neighbour
  // advertisements for it (either alone keeps the ping from being answered). The added address
  // is usable once its duplicate-address check ends.
  const script = [
    'ping -6 -c1 -W2 fd5b:1e57:40::10 >/dev/null; echo "own $?"',
    'ip -6 addr add fd5b:1e57:40::99/64 dev eth0',
    'for i in $(seq 100); do ip -6 addr show dev eth0 | grep -q "::99/64.*tentative" || break; sleep 0.1; done',
    'ping -6 -c1 -W1 -I fd5b:1e57:40::99 fd5b:1e57:40::10 >/dev/null 2>&1; echo "other ip $?"',
  ].join('; ');
  const r = await sandbox('run', '--rm', '--cap-add', 'NET_ADMIN', '--network', net, 'lab/busybox', 'sh', '-c', script);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'own 0\nother ip 1\n');
  t.is((await sandbox('rm', '-f', target)).code, 0);
  t.is((await sandbox('network', 'rm', net)).code, 0);
});

it("a container on two IPv6 networks resolves the other network's members to both addresses; one on the first only does not", async (t) => {
  const [first, second] = [unique('v6-first'), unique('v6-second')];
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:50::/64', '--subnet', '10.133.0.0/24', first)).code, 0);
  t.is((await sandbox('network', 'create', '--ipv6', '--subnet', 'fd5b:1e57:51::/64', '--subnet', '10.134.0.0/24', second)).code, 0);
  const far = unique('v6-far');
  t.is((await sandbox('run', '-d', '--name', far, '--network', second, 'lab/busybox', 'sleep', '300')).code, 0);
  // Its resolv.conf names the first network's gateway: that switch asks the second's.
  const both = await sandbox('run', '--rm', '--network', first, '--network', second, 'lab/busybox', 'sh', '-c', `nslookup ${far} | grep "^Address: 10\\.\\|^Address: fd"; ping -6 -c1 ${far} | head -1`);
  t.is(both.code, 0, both.stderr);
  t.is(both.stdout, `Address: 10.134.0.2\nAddress: fd5b:1e57:51::2\nPING ${far} (fd5b:1e57:51::2): 56 data bytes\n`);
  const one = await sandbox('run', '--rm', '--network', first, 'lab/busybox', 'nslookup', far);
  t.not(one.code, 0);
  t.false(one.stdout.includes('fd5b:1e57:51'), one.stdout);
  t.is((await sandbox('rm', '-f', far)).code, 0);
  t.is((await sandbox('network', 'rm', first, second)).code, 0);
});
