// Issue 6: ICMP echo on the default network, "where the host's ping_group_range allows". The
// gateway (10.0.2.2) is answered by libslirp itself; any other address is pinged by libslirp from
// the host through an unprivileged ICMP echo socket, so it needs the sysctl systemd distros set
// (test/host/prepare.sh sets it where PID 1 is not systemd). Targets never leave the machine: the
// host's own non-loopback address.
import test from 'ava';
import { networkInterfaces } from 'node:os';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged', 'tun'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers with a network as an unprivileged user');
const itPing = needs(test, [...RUNTIME, 'ping'], 'pings a host address through unprivileged ICMP echo sockets');

let home: SandboxHome;
test.before(async () => {
  if (!process.env.SANDBOX_FIXTURES) return;
  home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });

/** One of this machine's own IPv4 addresses that is not loopback (a ping to it stays local). */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

it('ping of the gateway answers', async (t) => {
  const r = await sandbox('run', '--rm', 'lab/busybox', 'ping', '-c', '3', '-W', '5', '10.0.2.2');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /64 bytes from 10\.0\.2\.2/);
});

itPing("ping of the host's own address goes out through libslirp and answers", async (t) => {
  const addr = hostAddress();
  if (!addr) return t.fail('this machine has no non-loopback IPv4 address to ping');
  // Three tries: one echo can be lost on a host loaded to the hilt; ping exits 0 on any reply.
  const r = await sandbox('run', '--rm', 'lab/busybox', 'ping', '-c', '3', '-W', '5', addr);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`64 bytes from ${addr.replace(/\./g, '\\.')}`));
});

it('--network none has no route for ICMP: ping fails at once', async (t) => {
  const r = await sandbox('run', '--rm', '--network', 'none', 'lab/busybox', 'ping', '-c', '1', '-W', '2', '10.0.2.2');
  t.not(r.code, 0);
  t.regex(r.stderr + r.stdout, /Network is unreachable|sendto/);
});
