import test from 'ava';
import { parseDetachKeys } from '../../../src/cli/commands/attach.js';

test('detach keys: docker\'s default ctrl-p,ctrl-q is 0x10 0x11', (t) => {
  t.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [0x10, 0x11]);
});

test('detach keys: single characters and ctrl-@, ctrl-[ ... ctrl-_ ', (t) => {
  t.deepEqual([...parseDetachKeys('a,ctrl-@,ctrl-[,ctrl-_')], [0x61, 0x00, 0x1b, 0x1f]);
  t.deepEqual([...parseDetachKeys('ctrl-X')], [0x18]);
});

test('detach keys: anything else is refused with docker\'s message', (t) => {
  t.throws(() => parseDetachKeys('ctrl-1'), { message: 'Invalid detach keys (ctrl-1) provided' });
  t.throws(() => parseDetachKeys('ab'), { message: 'Invalid detach keys (ab) provided' });
});
