// Issue 6 part 3, as a user sees it: containers on user-defined networks (a user-space switch
// per network, docs/networks.md). The reference's my-net example as written, names and
// aliases from the embedded DNS, --ip and --mac-address, isolation between networks,
// connect/disconnect of a running container, `network rm` while in use, the switch gone with
// its last member, --internal, and the refusals. Only member names are ever looked up: a
// query for anything else could leave the machine through the host's resolvers.
import test from 'ava';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { runSandbox } from '../../helpers/cli.js';
import { useBusyboxHome } from '../../helpers/busybox-home.js';
import { needs } from '../../helpers/facility.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged', 'tun'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers on user-defined networks as an unprivileged user');

const home = useBusyboxHome(test);

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = (base: string) => `${base}-${Math.random().toString(36).slice(2, 8)}`;

async function until<T>(what: () => Promise<T | undefined>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('gave up waiting');
    await sleep(100);
  }
}

/** A detached busybox httpd serving TEXT, answering once this returns. */
async function startHttpd(name: string, network: string, text: string, ...extra: string[]): Promise<void> {
  const r = await sandbox('run', '-d', '--name', name, '--network', network, ...extra, 'lab/busybox', 'sh', '-c', `mkdir /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`);
  if (r.code !== 0) throw new Error(`httpd ${name}: ${r.stderr}`);
  await until(async () => ((await sandbox('exec', name, 'wget', '-qO-', 'http://127.0.0.1/')).code === 0 ? true : undefined));
}

/** GET http://127.0.0.1:PORT/ from the host. */
function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

async function networkId(name: string): Promise<string> {
  return (await sandbox('network', 'inspect', '-f', '{{.Id}}', name)).stdout.trim();
}

const switchSocket = (id: string) => join(home.runtimeDir, 'networks', `${id.slice(0, 12)}.sock`);

it.serial("the reference's my-net example: ping web answers and wget -qO- http://web/ works", async (t) => {
  t.is((await sandbox('network', 'create', 'my-net')).code, 0);
  await startHttpd('web', 'my-net', 'hello-from-web');
  const r = await sandbox('run', '--rm', '--network', 'my-net', 'lab/busybox', 'sh', '-c', 'ping -c1 web && wget -qO- http://web/');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^PING web \(10\.\d+\.\d+\.\d+\): 56 data bytes\n64 bytes from /);
  t.regex(r.stdout, /1 packets transmitted, 1 packets received/);
  t.true(r.stdout.endsWith('hello-from-web\n'), r.stdout);

  // -t, as the reference's -it (no terminal on our side, so without -i).
  const tty = await sandbox('run', '--rm', '-t', '--network', 'my-net', 'lab/busybox', 'sh', '-c', 'ping -c1 web && wget -qO- http://web/');
  t.is(tty.code, 0, tty.stderr);
  t.regex(tty.stdout, /hello-from-web\r\n$/);

  // Only lo and eth0: no slirp of its own; the gateway is its DNS and its way out.
  const inside = await sandbox('run', '--rm', '--network', 'my-net', 'lab/busybox', 'sh', '-c', 'ls /sys/class/net; ip route show default; cat /etc/resolv.conf');
  const gateway = (await sandbox('network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', 'my-net')).stdout.trim();
  t.is(inside.code, 0, inside.stderr);
  t.true(inside.stdout.startsWith(`eth0\nlo\ndefault via ${gateway} dev eth0`), inside.stdout);
  t.true(inside.stdout.includes(`nameserver ${gateway}\noptions ndots:0\n`), inside.stdout);

  // network inspect lists web; rm is refused while it is there, and works once it is gone.
  const members = await sandbox('network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{end}}', 'my-net');
  t.is(members.stdout, 'web \n');
  const refused = await sandbox('network', 'rm', 'my-net');
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^sandbox: error while removing network: network my-net id [0-9a-f]{64} has active endpoints\n$/);
  t.is((await sandbox('rm', '-f', 'web')).code, 0);
  const rm = await sandbox('network', 'rm', 'my-net');
  t.is(rm.code, 0, rm.stderr);
});

it('--network-alias, the container name and its short id resolve on the network', async (t) => {
  const net = unique('alias-net');
  t.is((await sandbox('network', 'create', net)).code, 0);
  const name = unique('db');
  const run = await sandbox('run', '-d', '--name', name, '--network', net, '--network-alias', 'database', '--net-alias', 'cache', 'lab/busybox', 'sleep', '300');
  t.is(run.code, 0, run.stderr);
  const short = run.stdout.trim().slice(0, 12);
  const ip = (await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name)).stdout.trim();
  t.regex(ip, /^10\.\d+\.\d+\.\d+$/);
  const r = await sandbox('run', '--rm', '--network', net, '--dns-search', '.', 'lab/busybox', 'sh', '-c', `for n in ${name} database cache ${short} DataBase; do nslookup $n | grep -A1 "^Name:" | tail -1; done`);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `Address: ${ip}\n`.repeat(5));
  t.is((await sandbox('rm', '-f', name)).code, 0);
});

it('--ip and --mac-address show in ip addr inside, in inspect and in network inspect', async (t) => {
  const net = unique('ip-net');
  t.is((await sandbox('network', 'create', '--subnet', '10.123.7.0/24', net)).code, 0);
  const name = unique('fixed');
  const run = await sandbox('run', '-d', '--name', name, '--network', net, '--ip', '10.123.7.77', '--mac-address', '02:AA:bb:cc:dd:01', 'lab/busybox', 'sleep', '300');
  t.is(run.code, 0, run.stderr);
  const addr = await sandbox('exec', name, 'ip', 'addr', 'show', 'eth0');
  t.regex(addr.stdout, /link\/ether 02:aa:bb:cc:dd:01 /);
  t.regex(addr.stdout, /inet 10\.123\.7\.77\/24 /);
  const inspect = await sandbox('inspect', '-f', `{{json (index .NetworkSettings.Networks "${net}")}}`, name);
  const ep = JSON.parse(inspect.stdout) as { IPAddress: string; MacAddress: string; Gateway: string; NetworkID: string; IPPrefixLen: number };
  t.deepEqual([ep.IPAddress, ep.MacAddress, ep.Gateway, ep.IPPrefixLen, ep.NetworkID], ['10.123.7.77', '02:aa:bb:cc:dd:01', '10.123.7.1', 24, await networkId(net)]);
  const netInspect = await sandbox('network', 'inspect', '-f', '{{range .Containers}}{{.IPv4Address}} {{.MacAddress}}{{end}}', net);
  t.is(netInspect.stdout, '10.123.7.77/24 02:aa:bb:cc:dd:01\n');

  // Without them: the next free address, and docker's MAC derived from it.
  const next = await sandbox('run', '--rm', '--network', net, 'lab/busybox', 'sh', '-c', 'ip addr show eth0');
  t.regex(next.stdout, /link\/ether 02:42:0a:7b:07:02 /);
  t.regex(next.stdout, /inet 10\.123\.7\.2\/24 /);

  // The same address twice is refused, one line, exit 125.
  const taken = await sandbox('run', '--rm', '--network', net, '--ip', '10.123.7.77', 'lab/busybox', 'true');
  t.is(taken.code, 125);
  t.is(taken.stderr, `sandbox: Address already in use: 10.123.7.77 on network ${net}\n`);
  t.is((await sandbox('rm', '-f', name)).code, 0);
});

it("two networks are isolated: a container can't resolve or ping the other network's members", async (t) => {
  const [a, b] = [unique('iso-a'), unique('iso-b')];
  t.is((await sandbox('network', 'create', a)).code, 0);
  t.is((await sandbox('network', 'create', b)).code, 0);
  const name = unique('iso-web');
  const run = await sandbox('run', '-d', '--name', name, '--network', a, 'lab/busybox', 'sleep', '300');
  t.is(run.code, 0, run.stderr);
  const ip = (await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${a}").IPAddress}}`, name)).stdout.trim();
  // Same network: both work (the control).
  const same = await sandbox('run', '--rm', '--network', a, 'lab/busybox', 'sh', '-c', `ping -c1 -W2 ${name} >/dev/null && ping -c1 -W2 ${ip} >/dev/null && echo reached`);
  t.is(same.stdout, 'reached\n', same.stderr);
  // Other network: the name is unknown (answered locally, never forwarded: one label), and the
  // address is neither on its link nor sent out through its uplink.
  // --dns-search .: a miss must not be retried with the host's search domains (those would go out).
  const other = await sandbox('run', '--rm', '--network', b, '--dns-search', '.', 'lab/busybox', 'sh', '-c', `nslookup ${name} >/dev/null 2>&1; echo "nslookup $?"; ping -c1 -W1 ${ip} >/dev/null 2>&1; echo "ping $?"`);
  t.is(other.code, 0, other.stderr);
  t.is(other.stdout, 'nslookup 1\nping 1\n');
  t.is((await sandbox('rm', '-f', name)).code, 0);
});

it('network connect adds a running container to a network; disconnect takes it off again', async (t) => {
  const [a, b] = [unique('conn-a'), unique('conn-b')];
  t.is((await sandbox('network', 'create', a)).code, 0);
  t.is((await sandbox('network', 'create', b)).code, 0);
  const web = unique('conn-web');
  await startHttpd(web, a, 'connected-web');
  const client = unique('client');
  const run = await sandbox('run', '-d', '--name', client, '--network', b, 'lab/busybox', 'sleep', '300');
  t.is(run.code, 0, run.stderr);
  const webIp = (await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${a}").IPAddress}}`, web)).stdout.trim();

  t.is((await sandbox('exec', client, 'ping', '-c1', '-W1', webIp)).code, 1);
  const conn = await sandbox('network', 'connect', '--alias', 'front', a, client);
  t.is(conn.code, 0, conn.stderr);
  const after = await sandbox('exec', client, 'sh', '-c', `ls /sys/class/net; ping -c1 -W2 ${web} >/dev/null && wget -qO- http://${web}/`);
  t.is(after.code, 0, after.stderr);
  t.is(after.stdout, 'eth0\neth1\nlo\nconnected-web\n');
  // Its alias on the new network resolves for that network's members.
  t.is((await sandbox('exec', web, 'ping', '-c1', '-W2', 'front')).code, 0);
  const members = await sandbox('network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{end}}', a);
  t.deepEqual(members.stdout.trim().split(' ').sort(), [client, web].sort());

  const disc = await sandbox('network', 'disconnect', a, client);
  t.is(disc.code, 0, disc.stderr);
  const gone = await sandbox('exec', client, 'sh', '-c', `ls /sys/class/net; ping -c1 -W1 ${webIp} >/dev/null 2>&1; echo "ping $?"`);
  t.is(gone.stdout, 'eth0\nlo\nping 1\n');
  const again = await sandbox('network', 'disconnect', a, client);
  t.is(again.code, 125);
  t.regex(again.stderr, new RegExp(`^sandbox: container [0-9a-f]{64} is not connected to network ${a}\\n$`));
  t.is((await sandbox('rm', '-f', web, client)).code, 0);
});

it("the switch lives only while containers use the network: its socket goes with the last member", async (t) => {
  const net = unique('life-net');
  t.is((await sandbox('network', 'create', net)).code, 0);
  const sock = switchSocket(await networkId(net));
  t.false(existsSync(sock));
  const name = unique('member');
  t.is((await sandbox('run', '-d', '--name', name, '--network', net, 'lab/busybox', 'sleep', '300')).code, 0);
  t.true(existsSync(sock));
  t.is((await sandbox('rm', '-f', name)).code, 0);
  t.true(await until(async () => (existsSync(sock) ? undefined : true)));
  // And a later member starts a fresh one.
  const r = await sandbox('run', '--rm', '--name', unique('later'), '--network', net, 'lab/busybox', 'sh', '-c', 'ping -c1 -W2 "$(hostname)" >/dev/null && echo ok');
  t.is(r.stdout, 'ok\n', r.stderr);
});

it('--internal: no default route, so nothing leaves the network', async (t) => {
  const net = unique('internal-net');
  t.is((await sandbox('network', 'create', '--internal', net)).code, 0);
  // 192.0.2.1 (TEST-NET-1): with no route, the kernel refuses before anything is sent.
  const r = await sandbox('run', '--rm', '--network', net, 'lab/busybox', 'sh', '-c', 'ip route; ping -c1 -W1 192.0.2.1 2>&1; echo "ping $?"');
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /default/);
  t.regex(r.stdout, /Network is unreachable/);
  t.regex(r.stdout, /ping 1\n$/);
});

it('an unknown network or a bad --ip/--mac-address: one line, exit 125, nothing left behind', async (t) => {
  const net = unique('bad-net');
  t.is((await sandbox('network', 'create', '--subnet', '10.124.0.0/24', net)).code, 0);
  const cases: [string[], string][] = [
    [['--network', 'no-such-net'], 'sandbox: network no-such-net not found\n'],
    [['--network', net, '--ip', '10.125.0.5'], "sandbox: Invalid address 10.125.0.5: It does not belong to any of this network's subnets\n"],
    [['--network', net, '--ip', 'ten'], 'sandbox: invalid argument "ten" for "--ip" flag: not an IPv4 address\n'],
    [['--network', net, '--mac-address', '02:42:zz:00:00:01'], 'sandbox: invalid argument "02:42:zz:00:00:01" for "--mac-address" flag: 02:42:zz:00:00:01 is not a valid mac address\n'],
    [['--ip', '10.0.2.50'], 'sandbox: user specified IP address is supported on user defined networks only\n'],
    [['--network-alias', 'x'], 'sandbox: network-scoped alias is supported only for containers in user defined networks\n'],
  ];
  const name = unique('refused');
  for (const [flags, message] of cases) {
    const r = await sandbox('run', '--rm', '--name', name, ...flags, 'lab/busybox', 'true');
    t.is(r.code, 125, flags.join(' '));
    t.is(r.stderr, message);
  }
  t.is((await sandbox('ps', '-aq', '--filter', `name=${name}`)).stdout, '');
  t.is((await sandbox('network', 'inspect', '-f', '{{len .Containers}}', net)).stdout, '0\n');
});

it("the switch drops frames with a source address that is not the member's own (spoofing)", async (t) => {
  const net = unique('spoof-net');
  t.is((await sandbox('network', 'create', '--subnet', '10.126.0.0/24', net)).code, 0);
  const target = unique('target');
  t.is((await sandbox('run', '-d', '--name', target, '--network', net, '--ip', '10.126.0.10', 'lab/busybox', 'sleep', '300')).code, 0);
  // NET_ADMIN inside its own namespace lets the container change its address and MAC; the
  // switch still knows which ones it joined with.
  const script = [
    'ping -c1 -W2 10.126.0.10 >/dev/null; echo "own $?"',
    'ip addr add 10.126.0.99/24 dev eth0; ping -c1 -W1 -I 10.126.0.99 10.126.0.10 >/dev/null 2>&1; echo "other ip $?"',
    'ip link set eth0 down; ip link set eth0 address 02:00:00:00:00:99; ip link set eth0 up; ping -c1 -W1 10.126.0.10 >/dev/null 2>&1; echo "other mac $?"',
  ].join('; ');
  const r = await sandbox('run', '--rm', '--cap-add', 'NET_ADMIN', '--network', net, 'lab/busybox', 'sh', '-c', script);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'own 0\nother ip 1\nother mac 1\n');
  t.is((await sandbox('rm', '-f', target)).code, 0);
});

it('-p publishes a port of a container on a user-defined network', async (t) => {
  const net = unique('pub-net');
  t.is((await sandbox('network', 'create', net)).code, 0);
  const name = unique('pub-web');
  await startHttpd(name, net, 'published-from-user-net', '-p', '127.0.0.1::80');
  const port = await sandbox('port', name, '80');
  t.regex(port.stdout, /^127\.0\.0\.1:\d+\n$/);
  const body = await until(() => httpGet(Number(port.stdout.trim().split(':')[1])));
  t.is(body, 'published-from-user-net\n');
  t.is((await sandbox('rm', '-f', name)).code, 0);
});
