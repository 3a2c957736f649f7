import test from 'ava';
import { canTransition, assertTransition } from '../../../src/state/status.js';
import { generateName, newContainerId } from '../../../src/state/names.js';

test('created -> running -> exited is allowed; exited -> created is not', (t) => {
  t.true(canTransition('created', 'running'));
  t.true(canTransition('running', 'exited'));
  t.false(canTransition('exited', 'created'));
  t.throws(() => assertTransition('0123456789abcdef', 'removing', 'running'), { message: 'container 0123456789ab cannot go from removing to running' });
});

test('ids are 64 hex characters and names are adjective_surname', (t) => {
  t.regex(newContainerId(), /^[0-9a-f]{64}$/);
  t.regex(generateName(), /^[a-z]+_[a-z]+$/);
});
