// cgroup v2 counters -> docker's stats row (docker's units, its CPU % over the interval).
import test from 'ava';
import { bytesSize, ioTotals, parseSample, statsRow, statsTable } from '../../../src/cgroups/stats.js';
import { renderRows } from '../../../src/format/template.js';

const files = {
  cpuStat: 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 0\n',
  memoryCurrent: '10485760\n',
  memoryStat: 'anon 4194304\nfile 6291456\ninactive_file 2097152\n',
  memoryMax: '67108864\n',
  pidsCurrent: '3\n',
  ioStat: '254:0 rbytes=1000000 wbytes=3145728 rios=10 wios=3 dbytes=0 dios=0\n8:0 rbytes=500 wbytes=0\n',
};

test('go-units BytesSize: binary units, 4 significant digits', (t) => {
  t.is(bytesSize(0), '0B');
  t.is(bytesSize(1536), '1.5KiB');
  t.is(bytesSize(64 * 1024 ** 2), '64MiB');
  t.is(bytesSize(8589934592), '8GiB');
});

test('a sample: memory without inactive file pages, the limit, pids, I/O summed over devices', (t) => {
  t.deepEqual(parseSample(files, 5), { cpuUsec: 1500000, memory: 8388608, memoryLimit: 67108864, pids: 3, readBytes: 1000500, writeBytes: 3145728, at: 5 });
  t.is(parseSample({ ...files, memoryMax: 'max\n' }, 0).memoryLimit, undefined);
  t.deepEqual(ioTotals(''), { readBytes: 0, writeBytes: 0 });
});

test('a row: CPU % of one CPU over the interval, memory against the limit (or host memory)', (t) => {
  const before = parseSample(files, 0);
  const after = { ...parseSample(files, 1_000_000), cpuUsec: 2_000_000 };
  const row = statsRow({ container: 'web', id: 'abcdef0123456789', name: 'web', before, after, hostMemory: 2 ** 30, noTrunc: false });
  t.deepEqual(row, {
    Container: 'web', ID: 'abcdef012345', Name: 'web', CPUPerc: '50.00%', MemUsage: '8MiB / 64MiB', MemPerc: '12.50%',
    NetIO: '--', BlockIO: '1MB / 3.146MB', PIDs: '3',
  });
  const unlimited = statsRow({ container: 'x', id: 'abc', name: 'x', before: undefined, after: { ...after, memoryLimit: undefined }, hostMemory: 2 ** 30, noTrunc: true });
  t.is(unlimited.MemUsage, '8MiB / 1GiB');
  t.is(unlimited.CPUPerc, '0.00%');
});

test('no cgroup (stopped, or none on this host): dashes, as docker shows them', (t) => {
  const row = statsRow({ container: 'x', id: 'abc', name: 'x', before: undefined, after: undefined, hostMemory: 1, noTrunc: false });
  t.like(row, { CPUPerc: '--', MemUsage: '-- / --', PIDs: '--' });
});

test('docker\'s default table and --format templates', (t) => {
  const row = statsRow({ container: 'web', id: 'abcdef0123456789', name: 'web', before: undefined, after: parseSample(files, 0), hostMemory: 1, noTrunc: false });
  const table = renderRows('table', [row], statsTable).split('\n');
  t.regex(table[0]!, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
  t.regex(table[1]!, /^abcdef012345 +web +0\.00% +8MiB \/ 64MiB +12\.50% +-- +1MB \/ 3\.146MB +3$/);
  t.is(renderRows('{{.Name}}: {{.MemPerc}}', [row], statsTable), 'web: 12.50%\n');
});
