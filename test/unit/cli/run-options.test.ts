// Specification of the run option table: every option of `docker run --help` (docker 27, Linux),
// podman's --cgroups and our --storage-driver; nothing built but what is.
import test from 'ava';
import { runOptions } from '../../../src/cli/run-options.js';
import type { OptionSpec } from '../../../src/cli/option-spec.js';

const rows: readonly OptionSpec[] = runOptions;

const dockerRunOptions = [
  'add-host', 'annotation', 'attach', 'blkio-weight', 'blkio-weight-device', 'cap-add', 'cap-drop', 'cgroup-parent',
  'cgroupns', 'cidfile', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares', 'cpus',
  'cpuset-cpus', 'cpuset-mems', 'detach', 'detach-keys', 'device', 'device-cgroup-rule', 'device-read-bps',
  'device-read-iops', 'device-write-bps', 'device-write-iops', 'disable-content-trust', 'dns', 'dns-option',
  'dns-search', 'domainname', 'entrypoint', 'env', 'env-file', 'expose', 'gpus', 'group-add', 'health-cmd',
  'health-interval', 'health-retries', 'health-start-interval', 'health-start-period', 'health-timeout', 'help',
  'hostname', 'init', 'interactive', 'ip', 'ip6', 'ipc', 'isolation', 'kernel-memory', 'label', 'label-file', 'link',
  'link-local-ip', 'log-driver', 'log-opt', 'mac-address', 'memory', 'memory-reservation', 'memory-swap',
  'memory-swappiness', 'mount', 'name', 'network', 'network-alias', 'no-healthcheck', 'oom-kill-disable',
  'oom-score-adj', 'pid', 'pids-limit', 'platform', 'privileged', 'publish', 'publish-all', 'pull', 'quiet',
  'read-only', 'restart', 'rm', 'runtime', 'security-opt', 'shm-size', 'sig-proxy', 'stop-signal', 'stop-timeout',
  'storage-opt', 'sysctl', 'tmpfs', 'tty', 'ulimit', 'user', 'userns', 'uts', 'volume', 'volume-driver',
  'volumes-from', 'workdir',
];

test('the table holds every docker run option, plus --cgroups and --storage-driver, and nothing else', (t) => {
  t.deepEqual(rows.map((r) => r.long).sort(), [...dockerRunOptions, 'cgroups', 'storage-driver'].sort());
});

test("docker's shorthands, with -h meaning --hostname", (t) => {
  const shorts = Object.fromEntries(rows.filter((r) => r.short).map((r) => [r.short, r.long]));
  t.deepEqual(shorts, {
    a: 'attach', c: 'cpu-shares', d: 'detach', e: 'env', h: 'hostname', i: 'interactive', l: 'label', m: 'memory',
    p: 'publish', P: 'publish-all', q: 'quiet', t: 'tty', u: 'user', v: 'volume', w: 'workdir',
  });
});

test("docker's hidden spellings: --net, --net-alias, --dns-opt", (t) => {
  const aliases = Object.fromEntries(rows.flatMap((r) => (r.aliases ?? []).map((a) => [a, r.long])));
  t.deepEqual(aliases, { net: 'network', 'net-alias': 'network-alias', 'dns-opt': 'dns-option' });
});

test('only what is built is marked built', (t) => {
  t.deepEqual(rows.filter((r) => r.status === 'built').map((r) => r.long), [
    'add-host', 'annotation', 'attach', 'blkio-weight', 'blkio-weight-device', 'cap-add', 'cap-drop', 'cgroup-parent',
    'cgroupns', 'cgroups', 'cidfile', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares', 'cpus',
    'cpuset-cpus', 'cpuset-mems', 'detach', 'detach-keys', 'device', 'device-cgroup-rule', 'device-read-bps',
    'device-read-iops', 'device-write-bps', 'device-write-iops', 'disable-content-trust', 'dns', 'dns-option', 'dns-search',
    'domainname', 'entrypoint', 'env', 'env-file', 'expose', 'gpus', 'group-add', 'health-cmd', 'health-interval',
    'health-retries', 'health-start-interval', 'health-start-period', 'health-timeout', 'help', 'hostname', 'init',
    'interactive', 'ip', 'ip6', 'ipc', 'isolation', 'kernel-memory', 'label', 'label-file', 'link', 'link-local-ip', 'log-driver',
    'log-opt', 'mac-address', 'memory', 'memory-reservation', 'memory-swap', 'memory-swappiness', 'mount', 'name', 'network',
    'network-alias', 'no-healthcheck', 'oom-kill-disable', 'oom-score-adj', 'pid', 'pids-limit', 'platform', 'privileged',
    'publish', 'publish-all', 'pull', 'quiet', 'read-only', 'restart', 'rm', 'runtime', 'security-opt', 'shm-size', 'sig-proxy',
    'stop-signal', 'stop-timeout', 'storage-driver', 'storage-opt', 'sysctl', 'tmpfs', 'tty', 'ulimit', 'user', 'userns', 'uts',
    'volume', 'volume-driver', 'volumes-from', 'workdir',
  ]);
});

test('repeatable options are lists', (t) => {
  for (const long of ['env', 'publish', 'volume', 'cap-add', 'cap-drop', 'label', 'mount', 'tmpfs', 'ulimit', 'sysctl', 'device', 'dns', 'add-host', 'group-add', 'security-opt', 'network']) {
    t.is(rows.find((r) => r.long === long)?.kind, 'list', long);
  }
});

test('every option that takes a value shows a placeholder in help; switches show none', (t) => {
  for (const row of rows) t.is(row.placeholder === undefined, row.kind === 'bool', row.long);
  t.is(rows.find((r) => r.long === 'memory')?.placeholder, 'bytes');
  t.is(rows.find((r) => r.long === 'cpus')?.placeholder, 'decimal');
  t.is(rows.find((r) => r.long === 'health-timeout')?.placeholder, 'duration');
  t.is(rows.find((r) => r.long === 'pids-limit')?.placeholder, 'int');
});

test('names are unique across long names, aliases and shorthands', (t) => {
  const longs = rows.flatMap((r) => [r.long, ...(r.aliases ?? [])]);
  t.is(new Set(longs).size, longs.length);
  const shorts = rows.flatMap((r) => (r.short ? [r.short] : []));
  t.is(new Set(shorts).size, shorts.length);
});

test("rows are in docker's help order (alphabetical by long name)", (t) => {
  const longs = rows.map((r) => r.long);
  t.deepEqual(longs, [...longs].sort());
});

test('every row has one line of help', (t) => {
  for (const row of rows) t.true(row.help.length > 0 && !row.help.includes('\n'), row.long);
});
