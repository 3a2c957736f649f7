import test from 'ava';
import { parseDetachKeys } from '../../../src/cli/commands/attach.js';
import { DetachKeyMatcher } from '../../../src/cli/detach-keys.js';
import { attachFrame, inputEndFrame, inputFrames, inputStartFrame, outputFrames, signalFrame, windowFrame } from '../../../src/cli/attach-session.js';

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

test('detach keys are matched across reads; a broken sequence passes its held-back bytes on', (t) => {
  const m = new DetachKeyMatcher(Buffer.from([0x10, 0x11]));
  t.deepEqual(m.filter(Buffer.from('ab\x10')), { pass: Buffer.from('ab'), detach: false });
  t.deepEqual(m.filter(Buffer.from('x')), { pass: Buffer.from('\x10x'), detach: false });
  t.deepEqual(m.filter(Buffer.from('\x10\x10')), { pass: Buffer.from('\x10'), detach: false });
  t.deepEqual(m.filter(Buffer.from('\x11rest')), { pass: Buffer.from(''), detach: true });
});

test('attach frames: a type byte, a 16-bit big-endian length, the payload', (t) => {
  t.deepEqual([...windowFrame(40, 120)], [0x77, 0, 4, 0, 40, 0, 120]);
  t.deepEqual([...signalFrame(2)], [0x73, 0, 1, 2]);
  t.deepEqual([...inputEndFrame()], [0x63, 0, 0]);
  t.deepEqual([...inputStartFrame()], [0x69, 0, 0]);
  t.deepEqual([...attachFrame(0x69, Buffer.from('ls'))], [0x69, 0, 2, 0x6c, 0x73]);
  const big = inputFrames(Buffer.alloc(70_000, 0x61));
  t.deepEqual(big.map((f) => f.length - 3), [65_535, 4_465]);
});

test('output frames of a container without -t: stdout and stderr apart, an incomplete tail kept', (t) => {
  const all = Buffer.concat([attachFrame(0x6f, Buffer.from('out\n')), attachFrame(0x65, Buffer.from('err\n')), Buffer.from([0x6f, 0, 5, 0x61])]);
  const { frames, rest } = outputFrames(all);
  t.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [['stdout', 'out\n'], ['stderr', 'err\n']]);
  t.deepEqual([...rest], [0x6f, 0, 5, 0x61]);
});
