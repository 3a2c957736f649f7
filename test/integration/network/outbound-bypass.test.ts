// Issue 6, part 6: outbound TCP of the default network goes around libslirp (a seccomp
// notifier for connect, answered by the slirp child with a host socket put in place of the
// container's). What a user sees: the same connects, errors and bytes as through libslirp,
// the connection absent from the container's own table (its socket is the host's), and the
// old path back with `--network slirp4netns:bypass=false`. Every peer is on the host's loopback.
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';
import { monitorPath } from '../../../src/runtime/paths.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged', 'tun'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers with a network as an unprivileged user');

/** test/probe/tcp_probe.c, built next to the monitor the tests use. */
const tcpProbe = () => join(dirname(monitorPath()), 'sandbox-tcp-probe');
const PROBE = () => ['-v', `${tcpProbe()}:/probe:ro`];

/** The container gets IPv6 when the host has a default IPv6 route (src/network/runtime.ts). */
const hostIpv6 = (() => {
  try {
    return readFileSync('/proc/net/ipv6_route', 'utf8').split('\n').some((l) => /^0{32} 00 /.test(l) && !/\slo$/.test(l.trim()));
  } catch {
    return false;
  }
})();
/** Not a facility CI promises: without IPv6 on the host these are skipped, saying why. */
const it6 = (title: string, impl: (t: ExecutionContext) => Promise<void>) =>
  hostIpv6 ? it(title, impl) : test.skip(`${title} [skipped: the host has no IPv6 default route, so containers get no IPv6]`, () => {});

const LOOPBACK = 'slirp4netns:allow_host_loopback=true';
const NO_BYPASS = 'slirp4netns:allow_host_loopback=true,bypass=false';

// 24 MiB of bytes that are not all alike, and their digest.
const payload = Buffer.alloc(24 << 20);
for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
const payloadSha = createHash('sha256').update(payload).digest('hex');

let home: SandboxHome;
let http: HttpServer;
let httpPort = 0;
/** A server that accepts and holds every connection until the client leaves. */
let holder: Server;
let holderPort = 0;
/** A port on the host's loopback where nothing listens. */
let closedPort = 0;

test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  http = createHttpServer((req, res) => {
    if (req.url === '/big') return res.end(payload);
    res.end(`outbound-bypass-server saw ${req.socket.remoteAddress}\n`);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as AddressInfo).port;
  const held: Socket[] = [];
  holder = createServer((s) => {
    held.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  holderPort = (holder.address() as AddressInfo).port;
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});
test.after.always(async () => {
  http?.close();
  http?.closeAllConnections();
  holder?.close();
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });

/** The container's own TCP table while a connection to the holder is open. */
async function tableDuringConnection(network: string, ...extra: string[]) {
  return sandbox('run', '--rm', '--network', network, ...extra, 'lab/busybox', 'sh', '-c',
    `sleep 3 | nc 10.0.2.2 ${holderPort} & sleep 1; netstat -tn | grep ':${holderPort} ' || echo 'no such connection here'; wait`);
}

it('a large download from the host through 10.0.2.2 arrives intact', async (t) => {
  const r = await sandbox('run', '--rm', '--network', LOOPBACK, 'lab/busybox', 'sh', '-c', `wget -qO- http://10.0.2.2:${httpPort}/big | sha256sum`);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${payloadSha}  -\n`);
});

it("the connection is the host's: the container's own TCP table doesn't list it", async (t) => {
  const r = await tableDuringConnection(LOOPBACK);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'no such connection here\n');
});

it('--network slirp4netns:bypass=false takes the libslirp path again: the connection is the container\'s, from 10.0.2.100', async (t) => {
  const r = await tableDuringConnection(NO_BYPASS);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^tcp +0 +0 10\\.0\\.2\\.100:\\d+ +10\\.0\\.2\\.2:${holderPort} +ESTABLISHED *\\n$`));
});

it('a container that may change its own network (CAP_NET_ADMIN) keeps libslirp', async (t) => {
  const r = await tableDuringConnection(LOOPBACK, '--cap-add', 'NET_ADMIN');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /10\.0\.2\.2:\d+ +ESTABLISHED/);
});

it('--security-opt seccomp=unconfined means no filter at all, so libslirp carries the connection', async (t) => {
  const r = await tableDuringConnection(LOOPBACK, '--security-opt', 'seccomp=unconfined');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /10\.0\.2\.2:\d+ +ESTABLISHED/);
});

it('a refused connect says what it said through libslirp', async (t) => {
  const script = `wget -qO- http://10.0.2.2:${closedPort}/; echo "exit $?"`;
  const bypassed = await sandbox('run', '--rm', '--network', LOOPBACK, 'lab/busybox', 'sh', '-c', script);
  const slirp = await sandbox('run', '--rm', '--network', NO_BYPASS, 'lab/busybox', 'sh', '-c', script);
  t.is(bypassed.code, 0, bypassed.stderr);
  t.is(bypassed.stdout, 'exit 1\n');
  t.is(bypassed.stderr, "wget: can't connect to remote host (10.0.2.2): Connection refused\n");
  t.deepEqual([slirp.stdout, slirp.stderr], [bypassed.stdout, bypassed.stderr]);
});

it("without allow_host_loopback the host's loopback stays out of reach, as through libslirp", async (t) => {
  const script = `wget -qO- http://10.0.2.2:${httpPort}/; echo "exit $?"`;
  const bypassed = await sandbox('run', '--rm', 'lab/busybox', 'sh', '-c', script);
  const slirp = await sandbox('run', '--rm', '--network', 'slirp4netns:bypass=false', 'lab/busybox', 'sh', '-c', script);
  t.is(bypassed.code, 0, bypassed.stderr);
  t.is(bypassed.stdout, 'exit 1\n');
  t.notRegex(bypassed.stdout + bypassed.stderr, /outbound-bypass-server/);
  t.deepEqual([slirp.stdout, slirp.stderr], [bypassed.stdout, bypassed.stderr]);
});

it("connects inside the container stay inside: a server and its client in one container, on loopback and on the container's own address", async (t) => {
  const r = await sandbox('run', '--rm', '--network', LOOPBACK, 'lab/busybox', 'sh', '-c',
    'mkdir /www && echo in-container > /www/index.html && httpd -p 8080 -h /www && wget -qO- http://127.0.0.1:8080/ && wget -qO- http://10.0.2.100:8080/');
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'in-container\nin-container\n');
});

it('a non-blocking connect gets EINPROGRESS, then a connected socket with its flags and fd number kept', async (t) => {
  const r = await sandbox('run', '--rm', '--network', LOOPBACK, ...PROBE(), 'lab/busybox', '/probe', 'nonblock', '10.0.2.2', String(httpPort), 'GET / HTTP/1.0\r\n\r\n');
  t.is(r.code, 0, r.stderr);
  const [head, body] = [r.stdout.split('\r\n')[0], r.stdout.split('\r\n\r\n')[1]];
  t.is(head, 'connect=EINPROGRESS\nso_error=0\nnonblock=1 cloexec=1\nfd=3\nHTTP/1.1 200 OK');
  t.is(body, 'outbound-bypass-server saw 127.0.0.1\n');
});

it('a blocking connect returns 0 with the socket still blocking and close-on-exec', async (t) => {
  const r = await sandbox('run', '--rm', '--network', LOOPBACK, ...PROBE(), 'lab/busybox', '/probe', 'block', '10.0.2.2', String(httpPort), 'GET / HTTP/1.0\r\n\r\n');
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.startsWith('connect=0\nnonblock=0 cloexec=1\nfd=3\nHTTP/1.1 200 OK\r\n'), r.stdout);
});

it('a non-blocking connect to a closed port fails later with ECONNREFUSED, as the kernel reports it', async (t) => {
  const r = await sandbox('run', '--rm', '--network', LOOPBACK, ...PROBE(), 'lab/busybox', '/probe', 'nonblock', '10.0.2.2', String(closedPort));
  t.is(r.code, 1, r.stderr);
  t.is(r.stdout, 'connect=EINPROGRESS\nso_error=ECONNREFUSED\nnonblock=1 cloexec=1\nfd=3\n');
});

it("a socket whose bypassed connect failed can't be turned to the host's loopback or made to listen", async (t) => {
  // The first connect is bypassed (to the host's closed port) and fails: the container now
  // holds a host socket. Connected again to 127.0.0.1 it would reach the host's loopback.
  let seen = 0;
  const target = createServer((s) => (seen++, s.destroy()));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  try {
    const r = await sandbox('run', '--rm', '--network', LOOPBACK, ...PROBE(), 'lab/busybox', '/probe', 'reuse', '10.0.2.2', String(closedPort), '127.0.0.1', String(port));
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'connect=EINPROGRESS\nso_error=ECONNREFUSED\nconnect2=ENETUNREACH\nlisten=EOPNOTSUPP\n');
    t.is(seen, 0);
  } finally {
    target.close();
  }
});

it("odd connects (bad pointers and lengths, no socket, UDP, unix) get the kernel's own answers", async (t) => {
  const args = ['lab/busybox', '/probe', 'odd', '10.0.2.2', String(httpPort)];
  const bypassed = await sandbox('run', '--rm', '--network', LOOPBACK, ...PROBE(), ...args);
  const slirp = await sandbox('run', '--rm', '--network', NO_BYPASS, ...PROBE(), ...args);
  t.is(bypassed.code, 0, bypassed.stderr);
  t.is(bypassed.stdout, 'null-address=EFAULT\nbad-pointer=EFAULT\ntoo-long=EINVAL\ntoo-short=EINVAL\nnot-a-socket=ENOTSOCK\nnot-open=EBADF\nudp=0\nunix=ENOENT\n');
  t.is(slirp.stdout, bypassed.stdout);
});

it('the container gets no extra fds: its processes hold what they held without the bypass', async (t) => {
  const script = `wget -qO- http://10.0.2.2:${httpPort}/ >/dev/null; ls /proc/1/fd /proc/self/fd`;
  const bypassed = await sandbox('run', '--rm', '--network', LOOPBACK, 'lab/busybox', 'sh', '-c', script);
  const slirp = await sandbox('run', '--rm', '--network', NO_BYPASS, 'lab/busybox', 'sh', '-c', script);
  t.is(bypassed.code, 0, bypassed.stderr);
  t.is(bypassed.stdout, slirp.stdout);
  t.regex(bypassed.stdout, /^\/proc\/1\/fd:\n0\n1\n2\n/);
});

it6("IPv6: the gateway fd5b:6f9e:c0de::2 reaches the host's ::1 around libslirp with allow_host_loopback, and not without", async (t) => {
  const server = createServer((c) => c.end('over-ipv6\n'));
  await new Promise<void>((r) => server.listen(0, '::1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const r = await sandbox('run', '--rm', '--network', LOOPBACK, ...PROBE(), 'lab/busybox', '/probe', 'nonblock', 'fd5b:6f9e:c0de::2', String(port));
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'connect=EINPROGRESS\nso_error=0\nnonblock=1 cloexec=1\nfd=3\nover-ipv6\n');
    const refused = await sandbox('run', '--rm', ...PROBE(), 'lab/busybox', '/probe', 'block', 'fd5b:6f9e:c0de::2', String(port));
    t.is(refused.code, 1, refused.stderr);
    t.notRegex(refused.stdout, /over-ipv6/);
  } finally {
    server.close();
  }
});
