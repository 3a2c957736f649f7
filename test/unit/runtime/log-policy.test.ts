import test from 'ava';
import { foregroundLogged } from '../../../src/runtime/log-policy.js';

const k8s = { driver: 'k8s-file' as const, options: {} };
const none = { driver: 'none' as const, options: {} };

test('a foreground run is logged as docker logs every container', (t) => {
  t.true(foregroundLogged({ tty: false, autoRemove: false }));
  t.true(foregroundLogged({ tty: true, autoRemove: false }));
  t.true(foregroundLogged({ tty: false, autoRemove: false, log: k8s }));
});

test('--rm without -t keeps the caller\'s stdio unless --log-driver/--log-opt ask for a log', (t) => {
  t.false(foregroundLogged({ tty: false, autoRemove: true }));
  t.true(foregroundLogged({ tty: false, autoRemove: true, log: k8s }));
  // -t: the terminal passes through the monitor anyway.
  t.true(foregroundLogged({ tty: true, autoRemove: true }));
});

test('--log-driver none without -t: the container writes to the caller directly', (t) => {
  t.false(foregroundLogged({ tty: false, autoRemove: false, log: none }));
  t.false(foregroundLogged({ tty: false, autoRemove: true, log: none }));
  // -t: through the monitor, into /dev/null (launch.ts logArgs).
  t.true(foregroundLogged({ tty: true, autoRemove: false, log: none }));
});
