// Limits -> cgroup v2 files (and the systemd properties that mean the same), for every flag.
import test from 'ava';
import { blkioWeightToIoWeight, cgroupFilesFor, cpuSharesToWeight, systemdPropertiesFor } from '../../../src/cgroups/files.js';
import { resourceLimitsFrom, type ResourceFlags } from '../../../src/cgroups/limits.js';
import { none } from './no-flags.js';

const vda = () => ({ major: 254, minor: 0 });
const files = (f: Partial<ResourceFlags>) => cgroupFilesFor(resourceLimitsFrom({ ...none, ...f }, vda, 2).limits);
const props = (f: Partial<ResourceFlags>) => systemdPropertiesFor(resourceLimitsFrom({ ...none, ...f }, vda, 2).limits);

test('nothing asked: no files, no controllers', (t) => {
  t.deepEqual(files({}), { controllers: [], writes: [] });
});

test('the reference\'s four memory/swap cases', (t) => {
  // -m 300M alone: swap as much again (memory+swap = 2 x memory)
  t.deepEqual(files({ memory: '300M' }).writes, [
    { file: 'memory.max', value: '314572800' },
    { file: 'memory.swap.max', value: '314572800' },
  ]);
  // -m 300M --memory-swap -1: unlimited swap
  t.deepEqual(files({ memory: '300M', memorySwap: '-1' }).writes[1], { file: 'memory.swap.max', value: 'max' });
  // -m 300M --memory-swap 1G: swap = 1G - 300M
  t.deepEqual(files({ memory: '300M', memorySwap: '1G' }).writes[1], { file: 'memory.swap.max', value: String(1024 ** 3 - 300 * 1024 ** 2) });
  // equal: no swap at all
  t.deepEqual(files({ memory: '300M', memorySwap: '300M' }).writes[1], { file: 'memory.swap.max', value: '0' });
  t.deepEqual(files({ memory: '300M' }).controllers, ['memory']);
});

test('--memory-reservation -> memory.low', (t) => {
  t.deepEqual(files({ memoryReservation: '200M' }).writes, [{ file: 'memory.low', value: '209715200' }]);
});

test('--cpu-shares -> cpu.weight with the runc/crun conversion', (t) => {
  t.is(cpuSharesToWeight(2), 1);
  t.is(cpuSharesToWeight(1024), 39);
  t.is(cpuSharesToWeight(262144), 10000);
  t.deepEqual(files({ cpuShares: '1024' }), { controllers: ['cpu'], writes: [{ file: 'cpu.weight', value: '39' }] });
});

test('--cpus, --cpu-period/--cpu-quota -> cpu.max', (t) => {
  t.deepEqual(files({ cpus: '0.5' }).writes, [{ file: 'cpu.max', value: '50000 100000' }]);
  t.deepEqual(files({ cpuPeriod: '50000', cpuQuota: '25000' }).writes, [{ file: 'cpu.max', value: '25000 50000' }]);
  t.deepEqual(files({ cpuPeriod: '50000' }).writes, [{ file: 'cpu.max', value: 'max 50000' }]);
  t.deepEqual(files({ cpuQuota: '-1' }).writes, [{ file: 'cpu.max', value: 'max 100000' }]);
});

test('--cpuset-cpus/--cpuset-mems -> cpuset.cpus/.mems', (t) => {
  t.deepEqual(files({ cpusetCpus: '0-1', cpusetMems: '0' }), {
    controllers: ['cpuset'],
    writes: [{ file: 'cpuset.cpus', value: '0-1' }, { file: 'cpuset.mems', value: '0' }],
  });
});

test('--blkio-weight(-device) -> io.bfq.weight, else io.weight converted', (t) => {
  t.is(blkioWeightToIoWeight(10), 1);
  t.is(blkioWeightToIoWeight(1000), 10000);
  t.deepEqual(files({ blkioWeight: '300', blkioWeightDevice: ['/dev/vda:200'] }).writes, [
    { file: 'io.bfq.weight', value: '300', fallback: { file: 'io.weight', value: `default ${blkioWeightToIoWeight(300)}` } },
    { file: 'io.bfq.weight', value: '254:0 200', fallback: { file: 'io.weight', value: `254:0 ${blkioWeightToIoWeight(200)}` } },
  ]);
});

test('--device-*-bps/-iops -> one io.max line per device', (t) => {
  t.deepEqual(files({ deviceReadBps: ['/dev/vda:1mb'], deviceWriteBps: ['/dev/vda:2mb'], deviceWriteIops: ['/dev/vda:100'] }), {
    controllers: ['io'],
    writes: [{ file: 'io.max', value: '254:0 rbps=1048576 wbps=2097152 wiops=100' }],
  });
});

test('--pids-limit -> pids.max', (t) => {
  t.deepEqual(files({ pidsLimit: '8' }), { controllers: ['pids'], writes: [{ file: 'pids.max', value: '8' }] });
});

test('the same limits as systemd unit properties (youki\'s mapping)', (t) => {
  t.deepEqual(props({ memory: '32m', memoryReservation: '16m', cpus: '0.5', cpuShares: '1024', cpusetCpus: '1', pidsLimit: '8', blkioWeight: '500' }), [
    ['MemoryMax', 33554432],
    ['MemoryLow', 16777216],
    ['MemorySwapMax', 33554432],
    ['CPUWeight', 39],
    ['CPUQuotaPerSecUSec', 500000],
    ['CPUQuotaPeriodUSec', 100000],
    ['AllowedCPUs', '1'],
    ['IOWeight', blkioWeightToIoWeight(500)],
    ['TasksMax', 8],
  ]);
});
