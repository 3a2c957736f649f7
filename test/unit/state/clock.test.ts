import test from 'ava';
import { isoTimestamp } from '../../../src/state/clock.js';

test('isoTimestamp prints what Date#toISOString prints', (t) => {
  for (const ms of [0, 951782400000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2026, 10, 28, 12, 13, 47, 5), 253402300799999, -1, 253402300800000]) {
    t.is(isoTimestamp(ms), new Date(ms).toISOString(), String(ms));
  }
  t.is(isoTimestamp(Date.UTC(2026, 10, 28, 9, 3, 7, 42)), '2026-11-28T09:03:07.042Z');
});

test('isoTimestamp without an argument is now', (t) => {
  const before = Date.now();
  const stamp = Date.parse(isoTimestamp());
  t.true(stamp >= before && stamp <= Date.now());
});
