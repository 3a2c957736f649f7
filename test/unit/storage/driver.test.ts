import test from 'ava';
import { autoDriver, driverReport, parseDriverName, requestedDriver, type DriverFacts } from '../../../src/storage/driver.js';
import { SpecError } from '../../../src/errors.js';

const ext4: DriverFacts = { filesystem: 'ext4', overlay: true, fuse: true };
const nfs: DriverFacts = { filesystem: 'nfs', overlay: false, overlayError: 'overlayfs: upper fs does not support tmpfile', fuse: true };
const bare: DriverFacts = { filesystem: 'nfs', overlay: false, overlayError: 'refused', fuse: false, fuseError: 'open /dev/fuse: Permission denied' };

test('no driver forced: the kernel overlay where it works, and the reason says so', (t) => {
  t.deepEqual(autoDriver(ext4), { driver: 'overlay', reason: 'the kernel overlay works in a user namespace on ext4' });
});

test('no driver forced and the kernel overlay refused: the FUSE overlay, with the refusal quoted', (t) => {
  t.deepEqual(autoDriver(nfs), {
    driver: 'fuse-overlay',
    reason: 'the kernel overlay is refused on nfs (overlayfs: upper fs does not support tmpfile), so the FUSE overlay serves the rootfs',
  });
});

test('neither overlay works: the copy driver, with both causes and the fix in the reason', (t) => {
  const c = autoDriver(bare);
  t.is(c.driver, 'vfs');
  t.regex(c.reason, /^the kernel overlay is refused on nfs \(refused\) and \/dev\/fuse is not usable \(open \/dev\/fuse: Permission denied\), so each container gets a full copy of its image \(vfs\)/);
  t.regex(c.reason, /chmod 0666 \/dev\/fuse/);
});

test('--storage-driver beats SANDBOX_STORAGE_DRIVER, which beats the config file', (t) => {
  const config = { driver: 'overlay', path: '/h/.config/sandbox/storage.json' };
  t.deepEqual(requestedDriver({ flag: 'fuse-overlay', env: 'overlay', config }), { driver: 'fuse-overlay', reason: 'chosen with --storage-driver' });
  t.deepEqual(requestedDriver({ env: 'fuse-overlay', config }), { driver: 'fuse-overlay', reason: 'chosen by SANDBOX_STORAGE_DRIVER' });
  t.deepEqual(requestedDriver({ config }), { driver: 'overlay', reason: 'chosen in /h/.config/sandbox/storage.json' });
  t.is(requestedDriver({ flag: '', env: '' }), undefined);
});

test('an unknown driver name is refused with the list of names', (t) => {
  t.is(t.throws(() => parseDriverName('btrfs', '--storage-driver'), { instanceOf: SpecError })?.message, 'invalid storage driver "btrfs" (from --storage-driver): want one of overlay, fuse-overlay, vfs');
});

test('vfs is a driver like the others: forced by flag, environment or config', (t) => {
  t.is(parseDriverName('vfs', 'SANDBOX_STORAGE_DRIVER'), 'vfs');
  t.deepEqual(requestedDriver({ env: 'vfs' }), { driver: 'vfs', reason: 'chosen by SANDBOX_STORAGE_DRIVER' });
});

test('the report lists every driver and whether it works', (t) => {
  t.deepEqual(
    driverReport(nfs).map((d) => [d.driver, d.works]),
    [['overlay', false], ['fuse-overlay', true], ['vfs', true]],
  );
});
