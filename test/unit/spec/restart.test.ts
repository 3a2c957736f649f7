import test from 'ava';
import { parseRestartPolicy } from '../../../src/spec/restart.js';

test("--restart takes docker's policies", (t) => {
  t.deepEqual(parseRestartPolicy(undefined, false), { name: 'no', maxRetries: 0 });
  t.deepEqual(parseRestartPolicy('always', false), { name: 'always', maxRetries: 0 });
  t.deepEqual(parseRestartPolicy('unless-stopped', false), { name: 'unless-stopped', maxRetries: 0 });
  t.deepEqual(parseRestartPolicy('on-failure:5', false), { name: 'on-failure', maxRetries: 5 });
});

test('bad policies and --rm with a policy are refused', (t) => {
  t.throws(() => parseRestartPolicy('sometimes', false), { message: 'invalid restart policy: sometimes' });
  t.throws(() => parseRestartPolicy('always:3', false), { message: "invalid restart policy: maximum retry count can only be used with 'on-failure'" });
  t.throws(() => parseRestartPolicy('on-failure:x', false), { message: 'invalid restart policy: invalid maximum retry count: x' });
  t.throws(() => parseRestartPolicy('always', true), { message: 'Conflicting options: --restart and --rm' });
  t.notThrows(() => parseRestartPolicy('no', true));
});
