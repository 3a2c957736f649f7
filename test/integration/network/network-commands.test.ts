// `sandbox network` as a user types it: create, ls, inspect, rm, prune over state files, and
// the refusals. Containers on these networks: user-networks.test.ts.
import test from 'ava';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';

const it = needs(test, ['cli', 'unprivileged'], 'runs the CLI as an unprivileged user');

let home: SandboxHome;
test.before(async () => {
  home = await makeSandboxHome();
});
test.after.always(async () => {
  await home?.cleanup();
});
const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });

it.serial('network create prints the id; ls lists it after the built-in three; inspect shows subnet and gateway; rm removes it', async (t) => {
  const created = await sandbox('network', 'create', 'my-net');
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /^[0-9a-f]{64}\n$/);
  const id = created.stdout.trim();

  const ls = await sandbox('network', 'ls', '--format', '{{.Name}} {{.Driver}}');
  t.is(ls.stdout, 'bridge slirp\nhost host\nnone null\nmy-net bridge\n');

  const inspect = await sandbox('network', 'inspect', 'my-net');
  const [rec] = JSON.parse(inspect.stdout) as { Id: string; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
  t.is(rec!.Id, id);
  t.deepEqual(rec!.IPAM.Config, [{ Subnet: '10.89.0.0/24', Gateway: '10.89.0.1' }]);

  const again = await sandbox('network', 'create', 'my-net');
  t.is(again.code, 125);
  t.is(again.stderr, 'sandbox: network with name my-net already exists\n');

  const rm = await sandbox('network', 'rm', id.slice(0, 12));
  t.is(rm.stdout, `${id.slice(0, 12)}\n`);
  t.is((await sandbox('network', 'ls', '-q')).stdout.split('\n').filter(Boolean).length, 3);
});

it.serial('--subnet, --gateway, --internal and --label; prune -f removes unused networks', async (t) => {
  t.is((await sandbox('network', 'create', '--subnet', '10.90.0.0/24', '--gateway', '10.90.0.254', '--internal', '--label', 'team=a', 'other')).code, 0);
  const f = await sandbox('network', 'inspect', '-f', '{{.Internal}} {{.Labels.team}}', 'other');
  t.is(f.stdout, 'true a\n');
  const prune = await sandbox('network', 'prune', '-f');
  t.is(prune.stdout, 'Deleted Networks:\nother\n');
});

it('inspect of a missing network: exit 125 with docker\'s message', async (t) => {
  const r = await sandbox('network', 'inspect', 'nope');
  t.is(r.code, 125);
  t.is(r.stderr, 'sandbox: network nope not found\n');
});
