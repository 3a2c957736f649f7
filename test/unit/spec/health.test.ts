import test from 'ava';
import { healthcheckFrom, parseGoDuration } from '../../../src/spec/health.js';

test('Go durations: 2s, 1m30s, 500ms, 0', (t) => {
  t.is(parseGoDuration('2s', 'health-interval'), 2000);
  t.is(parseGoDuration('1m30s', 'health-interval'), 90_000);
  t.is(parseGoDuration('500ms', 'health-interval'), 500);
  t.is(parseGoDuration('0', 'health-interval'), 0);
  t.throws(() => parseGoDuration('2', 'health-interval'), { message: 'invalid argument "2" for "--health-interval" flag: time: invalid duration "2"' });
});

test('--health-cmd becomes CMD-SHELL run by /bin/sh -c; unset durations are docker defaults (0)', (t) => {
  t.deepEqual(healthcheckFrom({ healthCmd: 'stat /etc/passwd || exit 1', healthInterval: '2s' }, undefined), {
    test: ['/bin/sh', '-c', 'stat /etc/passwd || exit 1'],
    dockerTest: ['CMD-SHELL', 'stat /etc/passwd || exit 1'],
    intervalMs: 2000,
    timeoutMs: 0,
    startPeriodMs: 0,
    startIntervalMs: 0,
    retries: 0,
  });
});

test("the image's HEALTHCHECK fills what the flags leave unset; NONE and --no-healthcheck turn it off", (t) => {
  const image = { Test: ['CMD', 'true'], Interval: 30e9, Timeout: 5e9, Retries: 3 };
  const h = healthcheckFrom({ healthTimeout: '1s' }, image)!;
  t.deepEqual([h.test, h.intervalMs, h.timeoutMs, h.retries], [['true'], 30_000, 1000, 3]);
  t.is(healthcheckFrom({}, { Test: ['NONE'] }), undefined);
  t.is(healthcheckFrom({ noHealthcheck: true }, image), undefined);
  t.throws(() => healthcheckFrom({ noHealthcheck: true, healthCmd: 'true' }, image), { message: '--no-healthcheck conflicts with --health-* options' });
});
