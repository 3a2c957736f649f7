// The CLI's own surface: --version, --help, run --help listing every option, and sandbox info.
import test from 'ava';
import { makeSandboxHome, runSandbox } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { runOptions } from '../../../src/cli/run-options.js';

test('sandbox --version prints the version', async (t) => {
  const r = await runSandbox(['--version']);
  t.regex(r.stdout, /^sandbox version \d+\.\d+\.\d+/);
  t.is(r.code, 0);
});

test('sandbox --help lists run, load and info', async (t) => {
  const r = await runSandbox(['--help']);
  for (const c of ['run', 'load', 'info', 'version']) t.regex(r.stdout, new RegExp(`^\\s+${c}\\s`, 'm'));
});

test('sandbox run --help lists every option of the table and marks those not built', async (t) => {
  const r = await runSandbox(['run', '--help']);
  t.is(r.code, 0);
  for (const o of runOptions) {
    const line = r.stdout.split('\n').find((l) => l.includes(`--${o.long} `) || l.trimEnd().endsWith(`--${o.long}`));
    t.truthy(line, `--${o.long} listed`);
    t.is(line!.includes('(not supported yet)'), o.status !== 'built', `--${o.long} marked`);
  }
});

needs(test, ['cli', 'monitor', 'userns', 'unprivileged'], 'probes this host as an unprivileged user')(
  'sandbox info reports the host checks as text and as JSON',
  async (t) => {
    const home = await makeSandboxHome(t);
    const text = await runSandbox(['info'], { env: home.env });
    t.is(text.code, 0, text.stderr);
    t.regex(text.stdout, /^Host:/);
    t.regex(text.stdout, /ok\s+user namespaces/);
    const json = await runSandbox(['info', '--format', 'json'], { env: home.env });
    const info = JSON.parse(json.stdout);
    t.is(info.kernel.length > 0, true);
    t.is(info.probe.userns, true);
    t.is(info.probe.overlay, true);
    const names = info.checks.map((c: { name: string }) => c.name);
    t.deepEqual(names, ['user namespaces', 'subordinate uids', 'subordinate gids', 'newuidmap/newgidmap', 'overlay in user namespace', 'FUSE', 'tun', 'cgroup v2 delegation']);
    for (const c of info.checks) if (!c.ok) t.truthy(c.fix, `${c.name} has a fix`);
  },
);

test('an unknown command exits 125', async (t) => {
  const r = await runSandbox(['frobnicate']);
  t.is(r.code, 125);
  t.regex(r.stderr, /'frobnicate' is not a sandbox command/);
});
