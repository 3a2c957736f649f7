// The pure parts of the test helpers: reading the fixture scripts' KEY='value' files, the
// registry references, and what needs() does with a missing facility in and out of CI.
import test from 'ava';
import { parseEnvFile, registryAt } from '../../helpers/fixtures.js';
import { inCI, needVerdict } from '../../helpers/facility.js';

test('parseEnvFile reads the single-quoted lines make-images.sh writes', (t) => {
  const text = "# written by test/fixtures/make-images.sh\nSANDBOX_FIXTURES='/tmp/x y'\nBUSYBOX_IMAGE='lab/busybox:latest'\n\n";
  t.deepEqual(parseEnvFile(text), { SANDBOX_FIXTURES: '/tmp/x y', BUSYBOX_IMAGE: 'lab/busybox:latest' });
});

test('parseEnvFile also takes double-quoted and bare values', (t) => {
  t.deepEqual(parseEnvFile('A="1 2"\nB=3\n'), { A: '1 2', B: '3' });
});

test('parseEnvFile refuses a line that is not KEY=value', (t) => {
  t.throws(() => parseEnvFile('export A=1\n'), { message: 'not a KEY=value line: export A=1' });
});

test('registryAt names the images registry.sh pushes', (t) => {
  t.deepEqual(registryAt('127.0.0.1:20001'), {
    address: '127.0.0.1:20001',
    url: 'http://127.0.0.1:20001',
    busybox: '127.0.0.1:20001/lab/busybox:latest',
    busyboxV2s2: '127.0.0.1:20001/lab/busybox:v2s2',
    busyboxApp: '127.0.0.1:20001/lab/busybox-app:latest',
    busyboxAppV2s2: '127.0.0.1:20001/lab/busybox-app:v2s2',
  });
});

test('a missing facility skips a test on a desktop and fails it in CI', (t) => {
  t.is(needVerdict([], true), 'run');
  t.is(needVerdict([], false), 'run');
  t.is(needVerdict(['fuse: read-write /dev/fuse'], false), 'skip');
  t.is(needVerdict(['fuse: read-write /dev/fuse'], true), 'fail');
});

test('CI is on for CI=true or 1, off when unset, empty, 0 or false', (t) => {
  t.true(inCI({ CI: 'true' }));
  t.true(inCI({ CI: '1' }));
  t.false(inCI({}));
  t.false(inCI({ CI: '' }));
  t.false(inCI({ CI: '0' }));
  t.false(inCI({ CI: 'false' }));
});
