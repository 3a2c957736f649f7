// Issue 6, as a user sees it: the default network (a tap device served by libslirp in a child
// of the monitor), --network none and host, the host's loopback only when asked, published
// ports that answer on the host and show the client's real address in the server's log, and
// the port freed when the container stops. Every peer is on the host's loopback.
import test from 'ava';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged', 'tun'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers with a network as an unprivileged user');

let home: SandboxHome;
let hostServer: Server;
let hostPort = 0;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const fx = fixtures();
  for (const archive of [fx.busybox.ociArchive, fx.busyboxApp.dockerArchive]) {
    const r = await runSandbox(['load', '-i', archive], { env: home.env });
    if (r.code !== 0) throw new Error(`load ${archive} failed: ${r.stderr}`);
  }
  // A server only on the host's loopback: what a container must not reach unless asked.
  hostServer = createServer((req, res) => res.end(`host-loopback-server saw ${req.socket.remoteAddress}\n`));
  await new Promise<void>((r) => hostServer.listen(0, '127.0.0.1', r));
  hostPort = (hostServer.address() as AddressInfo).port;
});
test.after.always(async () => {
  hostServer?.close();
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniqueName = (base: string) => `${base}-${Math.random().toString(36).slice(2, 8)}`;

/** GET from the host, from a chosen loopback source address (127.0.0.2 is not the forwarder's own). */
function httpGet(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', localAddress, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function until<T>(what: () => Promise<T | undefined>, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('gave up waiting');
    await sleep(100);
  }
}

it('the default network: tap0 with MTU 65520 and 10.0.2.100, routed via 10.0.2.2, DNS at 10.0.2.3', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', 'cat /sys/class/net/tap0/mtu; ip -4 -o addr show tap0; ip route show default; cat /etc/resolv.conf');
  t.is(r.code, 0, r.stderr);
  const [mtu, addr, route, ...resolv] = r.stdout.split('\n');
  t.is(mtu, '65520');
  t.regex(addr!, /inet 10\.0\.2\.100\/24 /);
  t.regex(route!, /^default via 10\.0\.2\.2 dev tap0/);
  t.true(resolv.includes('nameserver 10.0.2.3'), resolv.join('\n'));
});

it('--network none has only lo', async (t) => {
  const r = await sandbox('run', '--rm', '--network', 'none', 'lab/busybox', 'ls', '/sys/class/net');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'lo\n');
});

it("--network host shares the host's interfaces", async (t) => {
  const r = await sandbox('run', '--rm', '--network', 'host', 'lab/busybox', 'ls', '/sys/class/net');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split(/\s+/).sort(), readdirSync('/sys/class/net').sort());
});

it("the host's loopback is unreachable by default", async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 10.0.2.2 ${hostPort}; echo "nc exit $?"`);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /host-loopback-server/);
  t.regex(r.stdout, /nc exit 1/);
});

it("--network slirp4netns:allow_host_loopback=true reaches the host's 127.0.0.1 as 10.0.2.2 (outbound TCP through libslirp)", async (t) => {
  const r = await sandbox('run', '--rm', '--network', 'slirp4netns:allow_host_loopback=true', 'lab/busybox', 'wget', '-qO-', `http://10.0.2.2:${hostPort}/`);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'host-loopback-server saw 127.0.0.1\n');
});

it('-p publishes an httpd on the host; its log shows the client address, `port` lists it, and stopping frees it', async (t) => {
  const name = uniqueName('web');
  const run = await sandbox('run', '-d', '--name', name, '-p', '127.0.0.1::8080', 'lab/busybox', 'sh', '-c', 'mkdir /www && echo hello-from-web > /www/index.html && exec httpd -f -v -p 8080 -h /www');
  t.is(run.code, 0, run.stderr);
  const port = await sandbox('port', name, '8080');
  t.is(port.code, 0, port.stderr);
  t.regex(port.stdout, /^127\.0\.0\.1:\d+\n$/);
  const hostPortNo = Number(port.stdout.trim().split(':')[1]);
  const all = await sandbox('port', name);
  t.is(all.stdout, `8080/tcp -> 127.0.0.1:${hostPortNo}\n`);

  // 127.0.0.2: an address the forwarder itself never uses, so seeing it proves it was kept.
  const body = await until(() => httpGet(hostPortNo, '127.0.0.2'));
  t.is(body, 'hello-from-web\n');
  const logs = await until(async () => {
    const l = await sandbox('logs', name);
    return /response:200/.test(l.stdout + l.stderr) ? l.stdout + l.stderr : undefined;
  });
  t.regex(logs, /\[::ffff:127\.0\.0\.2\]:\d+: response:200/);
  const ps = await sandbox('ps', '--filter', `name=${name}`, '--format', '{{.Ports}}');
  t.is(ps.stdout, `127.0.0.1:${hostPortNo}->8080/tcp\n`);

  t.is((await sandbox('rm', '-f', name)).code, 0);
  t.true(await until(async () => ((await refused(hostPortNo)) ? true : undefined)));
});

it("-P publishes the image's ExposedPorts on ports the kernel picks", async (t) => {
  const name = uniqueName('app');
  const run = await sandbox('run', '-d', '--name', name, '-P', 'lab/busybox-app', 'sleep', '30');
  t.is(run.code, 0, run.stderr);
  const port = await sandbox('port', name);
  t.regex(port.stdout, /^8080\/tcp -> 0\.0\.0\.0:\d+\n$/);
  await sandbox('rm', '-f', name);
});

it('a port already in use fails the run with one line and exit 125', async (t) => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const p = (taken.address() as AddressInfo).port;
  const r = await sandbox('run', '--rm', '-p', `127.0.0.1:${p}:80`, 'lab/busybox', 'true');
  taken.close();
  t.is(r.code, 125);
  t.is(r.stderr, `sandbox: publish port on 127.0.0.1:${p}: port is already allocated\n`);
});

it('a bad -p value is refused with the flag and value, exit 125', async (t) => {
  const r = await sandbox('run', '--rm', '-p', '80:http', 'lab/busybox', 'true');
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: invalid argument "80:http" for "-p, --publish" flag: invalid containerPort "http"\n');
});

it('--dns, --dns-search, --dns-option and --add-host show in /etc/resolv.conf and /etc/hosts', async (t) => {
  const r = await sandbox('run', '--rm', '--dns', '127.0.0.1', '--dns-search', 'example.test', '--dns-option', 'ndots:2', '--add-host', 'db.test:10.1.2.3', '--hostname', 'box', 'lab/busybox', 'sh', '-c', 'cat /etc/resolv.conf; grep -E "db.test|box" /etc/hosts; hostname');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'search example.test\nnameserver 127.0.0.1\noptions ndots:2\n10.0.2.100\tbox\n10.1.2.3\tdb.test\nbox\n');
});

// The root phase (test/host/netclient.sh) leaves a client in a namespace of its own behind a
// veth: 10.199.0.2 talks to the host's 10.199.0.1. A relay on a unix socket lets us use it.
const NETCLIENT = process.env.SANDBOX_NETCLIENT ?? '/run/sandbox-netclient.sock';
const withClient = needs(test, existsSync(NETCLIENT) && existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent'), `the client namespace of the root phase (as root: test/host/netclient.sh start ${NETCLIENT})`);

function getThroughClient(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(NETCLIENT);
    let text = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${port}\nGET / HTTP/1.0\r\n\r\n`));
    s.on('data', (d: string) => (text += d));
    s.on('end', () => resolve(text));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timed out')));
  });
}

withClient("a published httpd logs a real remote client's address (10.199.0.2 through a veth), not the forwarder's", async (t) => {
  const name = uniqueName('webveth');
  const run = await sandbox('run', '-d', '--name', name, '-p', '10.199.0.1::8080', 'lab/busybox', 'sh', '-c', 'mkdir /www && echo hello-over-veth > /www/index.html && exec httpd -f -v -p 8080 -h /www');
  t.is(run.code, 0, run.stderr);
  try {
    const port = Number((await sandbox('port', name, '8080')).stdout.trim().split(':')[1]);
    const reply = await until(async () => {
      const r = await getThroughClient(port);
      return r.includes('hello-over-veth') ? r : undefined;
    });
    t.regex(reply, /^HTTP\/1\.[01] 200 OK/);
    const logs = await until(async () => {
      const l = await sandbox('logs', name);
      return /response:200/.test(l.stdout + l.stderr) ? l.stdout + l.stderr : undefined;
    });
    t.regex(logs, /\[::ffff:10\.199\.0\.2\]:\d+: response:200/);
  } finally {
    await sandbox('rm', '-f', name);
  }
});

// iperf3's UDP test needs both its TCP control port and the UDP port published; the server's
// report names the UDP sender, so it shows the client's address survived for UDP too.
const withIperf = needs(test, existsSync('/usr/bin/iperf3') && existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent'), 'iperf3 on the host (test/host/prepare.sh installs it)');

/** A port number free on 127.0.0.1 for both TCP and UDP right now. */
async function freeTcpUdpPort(): Promise<number> {
  for (;;) {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    const udp = createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      udp.once('error', () => r(false));
      udp.bind(port, '127.0.0.1', () => r(true));
    });
    udp.close();
    srv.close();
    if (ok) return port;
  }
}

withIperf('-p PORT/udp: iperf3 -u through published ports, and the server sees the client address', async (t) => {
  const name = uniqueName('udp');
  const bind = ['-v', '/usr/bin/iperf3:/usr/bin/iperf3:ro', '-v', '/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:ro', '-v', '/lib64:/lib64:ro'];
  // iperf3 uses one port number for its TCP control connection and its UDP stream.
  const port = await freeTcpUdpPort();
  const run = await sandbox('run', '-d', '--name', name, '-p', `127.0.0.1:${port}:5201`, '-p', `127.0.0.1:${port}:5201/udp`, ...bind, 'lab/busybox', 'iperf3', '-s', '-1');
  t.is(run.code, 0, run.stderr);
  try {
    t.is((await sandbox('port', name)).stdout, `5201/tcp -> 127.0.0.1:${port}\n5201/udp -> 127.0.0.1:${port}\n`);
    const client = await until(async () => {
      const r = spawnSync('iperf3', ['-u', '-c', '127.0.0.1', '-p', String(port), '-B', '127.0.0.2', '-t', '1', '-b', '10M'], { encoding: 'utf8', timeout: 20000 });
      return r.status === 0 ? r.stdout : undefined;
    });
    t.regex(client, /receiver/);
    const logs = await until(async () => {
      const l = await sandbox('logs', name);
      return /connected to/.test(l.stdout) ? l.stdout : undefined;
    });
    // The UDP stream's sender as the server saw it: the client's own address.
    t.regex(logs, /local 127\.0\.0\.1 port 5201 connected to 127\.0\.0\.2 port \d+/);
  } finally {
    await sandbox('rm', '-f', name);
  }
});
