import test from 'ava';
import { resolveCapabilities, DEFAULT_CAPABILITIES, ALL_CAPABILITIES } from '../../../src/spec/capabilities.js';

test('the default set is the reference first table (14 capabilities)', (t) => {
  t.is(resolveCapabilities([], []).length, 14);
  t.deepEqual([...resolveCapabilities([], [])].sort(), [...DEFAULT_CAPABILITIES].sort());
});

test('names work with or without CAP_ and in any case', (t) => {
  const caps = resolveCapabilities(['net_admin', 'CAP_SYS_PTRACE'], ['chown']);
  t.true(caps.includes('CAP_NET_ADMIN'));
  t.true(caps.includes('CAP_SYS_PTRACE'));
  t.false(caps.includes('CAP_CHOWN'));
});

test('--cap-add=ALL --cap-drop=MKNOD, as in the reference', (t) => {
  const caps = resolveCapabilities(['ALL'], ['MKNOD']);
  t.is(caps.length, ALL_CAPABILITIES.length - 1);
  t.false(caps.includes('CAP_MKNOD'));
});

test('--cap-drop=ALL keeps only what is added', (t) => {
  t.deepEqual(resolveCapabilities(['NET_BIND_SERVICE'], ['ALL']), ['CAP_NET_BIND_SERVICE']);
});

test('an unknown capability is refused naming the flag', (t) => {
  t.throws(() => resolveCapabilities(['FLY'], []), { message: "invalid capability 'FLY' for --cap-add: see 'sandbox run --help' for the names (with or without CAP_)" });
});
