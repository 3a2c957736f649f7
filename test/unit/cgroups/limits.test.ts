// Resource flags -> validated limits, docker's ranges and wording; every flag of the reference.
import test from 'ava';
import { parseBytes, parseCpuList, resourceLimitsFrom, WARN_KERNEL_MEMORY, WARN_OOM_KILL_DISABLE, WARN_SWAPPINESS, type ResourceFlags } from '../../../src/cgroups/limits.js';
import { none } from './no-flags.js';

const sda = (p: string) => {
  if (p !== '/dev/sda') throw new Error('no such device');
  return { major: 8, minor: 0 };
};
const limits = (f: Partial<ResourceFlags>) => resourceLimitsFrom({ ...none, ...f }, sda, 4);
const refused = (t: import('ava').ExecutionContext, f: Partial<ResourceFlags>, message: RegExp) => {
  const e = t.throws(() => limits(f));
  t.regex(e!.message, message);
};

test('sizes: docker units b k m g, case-insensitive, optional b', (t) => {
  t.is(parseBytes('memory', '300M'), 300 * 1024 ** 2);
  t.is(parseBytes('memory', '1g'), 1024 ** 3);
  t.is(parseBytes('memory', '512mb'), 512 * 1024 ** 2);
  t.is(parseBytes('memory', '4096'), 4096);
  t.is(parseBytes('memory', '1.5k'), 1536);
  t.throws(() => parseBytes('memory', 'lots'), { message: 'invalid argument "lots" for "--memory" flag: invalid size: expected <number>[<unit>] with unit b, k, m or g' });
});

test('nothing asked: nothing to enforce', (t) => {
  t.deepEqual(limits({}), {
    limits: { blkioWeightDevice: [], deviceReadBps: [], deviceWriteBps: [], deviceReadIops: [], deviceWriteIops: [] },
    warnings: [],
    requested: false,
  });
});

test('--memory: at least 6MB, 0 means none', (t) => {
  t.is(limits({ memory: '32m' }).limits.memory, 32 * 1024 ** 2);
  t.true(limits({ memory: '32m' }).requested);
  t.is(limits({ memory: '0' }).limits.memory, undefined);
  refused(t, { memory: '3m' }, /^invalid argument "3m" for "--memory" flag: Minimum memory limit allowed is 6MB$/);
});

test('--memory-swap: needs --memory, at least --memory, -1 unlimited', (t) => {
  t.is(limits({ memory: '300M', memorySwap: '1G' }).limits.memorySwap, 1024 ** 3);
  t.is(limits({ memory: '300M', memorySwap: '-1' }).limits.memorySwap, -1);
  refused(t, { memorySwap: '1G' }, /You should always set the Memory limit when using Memoryswap limit/);
  refused(t, { memory: '300M', memorySwap: '100M' }, /Minimum memoryswap limit should be larger than memory limit/);
});

test('--memory-reservation: not above --memory', (t) => {
  t.is(limits({ memory: '500M', memoryReservation: '200M' }).limits.memoryReservation, 200 * 1024 ** 2);
  refused(t, { memory: '100M', memoryReservation: '200M' }, /Minimum memory limit can not be less than memory reservation limit/);
});

test('cgroup v2 has no file for swappiness, kernel memory, oom-kill-disable: docker\'s warnings, then run', (t) => {
  const r = limits({ memory: '100M', memorySwappiness: '0', kernelMemory: '50M', oomKillDisable: true });
  t.deepEqual(r.warnings, [WARN_SWAPPINESS, WARN_KERNEL_MEMORY, WARN_OOM_KILL_DISABLE]);
  t.deepEqual(limits({ oomKillDisable: true }).requested, false);
  t.deepEqual(limits({ memorySwappiness: '-1' }).warnings, []);
  refused(t, { memorySwappiness: '101' }, /"--memory-swappiness" flag: valid memory swappiness range is 0-100/);
  refused(t, { kernelMemory: '1M' }, /Minimum kernel memory limit allowed is 4MB/);
});

test('--cpu-rt-period/--cpu-rt-runtime: refused with the reason', (t) => {
  refused(t, { cpuRtPeriod: '1000000' }, /^--cpu-rt-period is not supported: cgroup v2 has no real-time CPU controller/);
  refused(t, { cpuRtRuntime: '950000' }, /^--cpu-rt-runtime is not supported/);
});

test('--cpu-shares: 2..262144', (t) => {
  t.is(limits({ cpuShares: '512' }).limits.cpuShares, 512);
  refused(t, { cpuShares: '1' }, /CPU shares must be between 2 and 262144/);
});

test('--cpus: quota over a 100ms period, 0.01..online CPUs, not with --cpu-period/--cpu-quota', (t) => {
  t.like(limits({ cpus: '0.5' }).limits, { cpuQuota: 50000, cpuPeriod: 100000 });
  t.like(limits({ cpus: '1.5' }).limits, { cpuQuota: 150000, cpuPeriod: 100000 });
  refused(t, { cpus: '8' }, /range of CPUs is from 0.01 to 4.00/);
  refused(t, { cpus: '0.5', cpuQuota: '50000' }, /^Conflicting options: Nano CPUs and CPU Period\/Quota cannot both be set$/);
});

test('--cpu-period/--cpu-quota: docker\'s ranges; quota -1 is unlimited', (t) => {
  t.like(limits({ cpuPeriod: '50000', cpuQuota: '25000' }).limits, { cpuPeriod: 50000, cpuQuota: 25000 });
  t.like(limits({ cpuQuota: '50000' }).limits, { cpuPeriod: 100000, cpuQuota: 50000 });
  refused(t, { cpuPeriod: '500' }, /CPU cfs period can not be less than 1ms/);
  refused(t, { cpuQuota: '500' }, /CPU cfs quota can not be less than 1ms/);
});

test('--cpuset-cpus/--cpuset-mems: lists and ranges, CPUs that exist', (t) => {
  t.is(parseCpuList('cpuset-cpus', '0-2,3'), '0-2,3');
  t.like(limits({ cpusetCpus: '1,3', cpusetMems: '0' }).limits, { cpusetCpus: '1,3', cpusetMems: '0' });
  refused(t, { cpusetCpus: '0-7' }, /requested CPUs are not available - requested 0-7, available: 0-3/);
  refused(t, { cpusetCpus: 'a' }, /"--cpuset-cpus" flag: expected a list like 0-3 or 0,1/);
  refused(t, { cpusetCpus: '3-1' }, /range 3-1 goes backwards/);
});

test('--blkio-weight and --blkio-weight-device: 10..1000 on a block device', (t) => {
  const r = limits({ blkioWeight: '300', blkioWeightDevice: ['/dev/sda:200'] }).limits;
  t.is(r.blkioWeight, 300);
  t.deepEqual(r.blkioWeightDevice, [{ device: '/dev/sda', number: { major: 8, minor: 0 }, value: 200 }]);
  refused(t, { blkioWeight: '5' }, /Range of blkio weight is from 10 to 1000/);
  refused(t, { blkioWeightDevice: ['/dev/sda:5000'] }, /weight must be between 10 and 1000/);
  refused(t, { blkioWeightDevice: ['/dev/nope:200'] }, /^invalid argument "\/dev\/nope:200" for "--blkio-weight-device" flag: \/dev\/nope is not a block device/);
});

test('--device-read/write-bps and -iops: DEVICE:RATE', (t) => {
  const r = limits({ deviceReadBps: ['/dev/sda:1mb'], deviceWriteBps: ['/dev/sda:2mb'], deviceReadIops: ['/dev/sda:1000'], deviceWriteIops: ['/dev/sda:500'] }).limits;
  t.is(r.deviceReadBps[0]!.value, 1024 ** 2);
  t.is(r.deviceWriteBps[0]!.value, 2 * 1024 ** 2);
  t.is(r.deviceReadIops[0]!.value, 1000);
  t.is(r.deviceWriteIops[0]!.value, 500);
  refused(t, { deviceReadBps: ['sda:1mb'] }, /expected <device-path>:<value>, for example \/dev\/sda:1mb/);
  refused(t, { deviceReadIops: ['/dev/sda:1k'] }, /expected a positive integer \(IO per second\)/);
  refused(t, { deviceWriteBps: ['/dev/sda:fast'] }, /invalid rate/);
});

test('--pids-limit: positive is a limit, 0 and -1 are unlimited', (t) => {
  t.is(limits({ pidsLimit: '100' }).limits.pidsLimit, 100);
  t.is(limits({ pidsLimit: '-1' }).limits.pidsLimit, undefined);
  t.is(limits({ pidsLimit: '0' }).limits.pidsLimit, undefined);
  refused(t, { pidsLimit: '-5' }, /"--pids-limit" flag: expected a positive integer, or -1 for unlimited/);
});
