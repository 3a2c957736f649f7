// As a user sees it: `rename` of a container on a user-defined network (the embedded DNS then
// answers the new name, no longer the old one; aliases stay; inspect and network inspect show
// the new name; the container's own /etc/hosts is left as docker leaves it), and `ps` with
// {{.Networks}} and --filter network=NAME|ID. Only member names are ever looked up.
import test from 'ava';
import { existsSync } from 'node:fs';
import { makeSandboxHome, runSandbox, type SandboxHome } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures } from '../../helpers/fixtures.js';

const RUNTIME = ['fixtures', 'cli', 'monitor', 'subids', 'newidmap', 'userns', 'unprivileged', 'tun'] as const;
const it = needs(test, [...RUNTIME], 'runs real containers on user-defined networks as an unprivileged user');

let home: SandboxHome;
test.before(async () => {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return;
  home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
test.after.always(async () => {
  await home?.cleanup();
});

const sandbox = (...args: string[]) => runSandbox(args, { env: home.env });
const unique = (base: string) => `${base}-${Math.random().toString(36).slice(2, 8)}`;

/** What a second container on NET gets for each name: its address, or `none`. */
async function lookups(net: string, names: string[]): Promise<string> {
  const script = names.map((n) => `if a=$(nslookup ${n} 2>/dev/null | grep -A1 "^Name:" | tail -1); [ -n "$a" ]; then echo "${n} $a"; else echo "${n} none"; fi`).join('; ');
  const r = await sandbox('run', '--rm', '--network', net, '--dns-search', '.', 'lab/busybox', 'sh', '-c', script);
  if (r.code !== 0) throw new Error(`lookups: ${r.stderr}`);
  return r.stdout;
}

it('rename of a running member: the network answers the new name only, aliases stay, inspect shows it; a restart keeps it', async (t) => {
  const net = unique('ren-net');
  t.is((await sandbox('network', 'create', net)).code, 0);
  const oldName = unique('ren-old');
  const newName = unique('ren-new');
  const run = await sandbox('run', '-d', '--name', oldName, '--network', net, '--network-alias', 'ren-alias', 'lab/busybox', 'sleep', '300');
  t.is(run.code, 0, run.stderr);
  const short = run.stdout.trim().slice(0, 12);
  const ip = (await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, oldName)).stdout.trim();
  t.regex(ip, /^10\.\d+\.\d+\.\d+$/);
  t.is(await lookups(net, [oldName, 'ren-alias']), `${oldName} Address: ${ip}\nren-alias Address: ${ip}\n`);
  const hostsBefore = (await sandbox('exec', oldName, 'cat', '/etc/hosts')).stdout;

  const rn = await sandbox('rename', oldName, newName);
  t.is(rn.code, 0, rn.stderr);
  t.is(rn.stdout + rn.stderr, '');
  t.is(await lookups(net, [newName, oldName, 'ren-alias', short]), `${newName} Address: ${ip}\n${oldName} none\nren-alias Address: ${ip}\n${short} Address: ${ip}\n`);
  const ping = await sandbox('run', '--rm', '--network', net, 'lab/busybox', 'ping', '-c1', newName);
  t.is(ping.code, 0, ping.stderr);
  t.regex(ping.stdout, new RegExp(`^PING ${newName} \\(${ip.replace(/\./g, '\\.')}\\)`));

  t.is((await sandbox('inspect', '-f', '{{.Name}}', newName)).stdout, `/${newName}\n`);
  t.is((await sandbox('inspect', '-f', `{{json (index .NetworkSettings.Networks "${net}").DNSNames}}`, newName)).stdout, `${JSON.stringify([newName, 'ren-alias', short])}\n`);
  t.is((await sandbox('inspect', '-f', `{{json (index .NetworkSettings.Networks "${net}").Aliases}}`, newName)).stdout, `${JSON.stringify(['ren-alias', short])}\n`);
  t.regex((await sandbox('network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}', net)).stdout, new RegExp(`^${newName} ${ip.replace(/\./g, '\\.')}/\\d+\n$`));
  // docker doesn't rewrite a renamed container's /etc/hosts (it names the hostname, the short id).
  t.is((await sandbox('exec', newName, 'cat', '/etc/hosts')).stdout, hostsBefore);
  t.regex(hostsBefore, new RegExp(`^${ip.replace(/\./g, '\\.')}\\s+${short}$`, 'm'));

  // The next start joins with the new name.
  t.is((await sandbox('stop', '-t', '0', newName)).code, 0);
  t.is((await sandbox('start', newName)).code, 0);
  t.is(await lookups(net, [newName, oldName]), `${newName} Address: ${ip}\n${oldName} none\n`);
  t.is((await sandbox('rm', '-f', newName)).code, 0);
  t.is((await sandbox('network', 'rm', net)).code, 0);
});

it('rename of a running container on two networks (one connected later): both answer the new name only', async (t) => {
  const [netA, netB] = [unique('ren3-a'), unique('ren3-b')];
  for (const n of [netA, netB]) t.is((await sandbox('network', 'create', n)).code, 0);
  const oldName = unique('ren3-old');
  const newName = unique('ren3-new');
  t.is((await sandbox('run', '-d', '--name', oldName, '--network', netA, 'lab/busybox', 'sleep', '300')).code, 0);
  t.is((await sandbox('network', 'connect', '--alias', 'ren3-alias', netB, oldName)).code, 0);
  const ipB = (await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${netB}").IPAddress}}`, oldName)).stdout.trim();
  t.is(await lookups(netB, [oldName, 'ren3-alias']), `${oldName} Address: ${ipB}\nren3-alias Address: ${ipB}\n`);
  t.is((await sandbox('rename', oldName, newName)).code, 0);
  const ipA = (await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${netA}").IPAddress}}`, newName)).stdout.trim();
  t.is(await lookups(netA, [newName, oldName]), `${newName} Address: ${ipA}\n${oldName} none\n`);
  t.is(await lookups(netB, [newName, oldName, 'ren3-alias']), `${newName} Address: ${ipB}\n${oldName} none\nren3-alias Address: ${ipB}\n`);
  t.is((await sandbox('rm', '-f', newName)).code, 0);
  t.is((await sandbox('network', 'rm', netA, netB)).code, 0);
});

it('rename of a created (never started) member: its first start answers the new name', async (t) => {
  const net = unique('ren2-net');
  t.is((await sandbox('network', 'create', net)).code, 0);
  const oldName = unique('ren2-old');
  const newName = unique('ren2-new');
  t.is((await sandbox('create', '--name', oldName, '--network', net, 'lab/busybox', 'sleep', '300')).code, 0);
  t.is((await sandbox('rename', oldName, newName)).code, 0);
  t.is((await sandbox('network', 'inspect', '-f', '{{range .Containers}}{{.Name}}{{end}}', net)).stdout, `${newName}\n`);
  t.is((await sandbox('start', newName)).code, 0);
  const ip = (await sandbox('inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, newName)).stdout.trim();
  t.is(await lookups(net, [newName, oldName]), `${newName} Address: ${ip}\n${oldName} none\n`);
  t.is((await sandbox('rm', '-f', newName)).code, 0);
  t.is((await sandbox('network', 'rm', net)).code, 0);
});

it("ps shows each container's networks ({{.Networks}}) and --filter network=NAME|ID keeps those on it", async (t) => {
  const tok = unique('psnet');
  const [netA, netB] = [`${tok}-a`, `${tok}-b`];
  for (const n of [netA, netB]) t.is((await sandbox('network', 'create', n)).code, 0);
  const idB = (await sandbox('network', 'inspect', '-f', '{{.Id}}', netB)).stdout.trim();
  const bridgeId = ((await sandbox('network', 'ls', '--format', '{{.ID}} {{.Name}}')).stdout.split('\n').find((l) => l.endsWith(' bridge')) ?? '').split(' ')[0] ?? '';
  t.regex(bridgeId, /^[0-9a-f]{12}$/);
  const on = async (name: string, ...args: string[]) => t.is((await sandbox('run', '-d', '--name', `${tok}-${name}`, ...args, 'lab/busybox', 'sleep', '300')).code, 0);
  await on('dflt');
  await on('none', '--network', 'none');
  await on('both', '--network', netB);
  t.is((await sandbox('network', 'connect', netA, `${tok}-both`)).code, 0);
  t.is((await sandbox('create', '--name', `${tok}-made`, '--network', netA, 'lab/busybox', 'true')).code, 0);

  const ps = async (...filters: string[]) => {
    const r = await sandbox('ps', '-a', '--filter', `name=^${tok}-`, ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Names}} {{.Networks}}');
    t.is(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort().join('\n');
  };
  t.is(await ps(), [`${tok}-both ${netA},${netB}`, `${tok}-dflt bridge`, `${tok}-made ${netA}`, `${tok}-none none`].join('\n'));
  t.is(await ps(`network=${netA}`), [`${tok}-both ${netA},${netB}`, `${tok}-made ${netA}`].join('\n'));
  t.is(await ps(`network=${idB.slice(0, 12)}`), `${tok}-both ${netA},${netB}`);
  t.is(await ps(`network=${idB}`), `${tok}-both ${netA},${netB}`);
  t.is(await ps('network=bridge'), `${tok}-dflt bridge`);
  t.is(await ps(`network=${bridgeId}`), `${tok}-dflt bridge`);
  // Values of one key are ORed, as docker's.
  t.is(await ps(`network=${netB}`, 'network=none'), [`${tok}-both ${netA},${netB}`, `${tok}-none none`].join('\n'));
  t.is(await ps(`network=${tok}-nosuch`), '');
  // The name is matched exactly (a prefix of it is not the network).
  t.is(await ps(`network=${tok}`), '');
  // Disconnected, it is no longer listed on that network.
  t.is((await sandbox('network', 'disconnect', netA, `${tok}-both`)).code, 0);
  t.is(await ps(`network=${netA}`), `${tok}-made ${netA}`);

  const json = await sandbox('ps', '-a', '--filter', `name=^${tok}-dflt$`, '--format', 'json');
  t.is(JSON.parse(json.stdout).Networks, 'bridge');
  for (const n of ['dflt', 'none', 'both', 'made']) t.is((await sandbox('rm', '-f', `${tok}-${n}`)).code, 0);
  for (const n of [netA, netB]) t.is((await sandbox('network', 'rm', n)).code, 0);
});
