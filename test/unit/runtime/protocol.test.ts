import test from 'ava';
import { execFileSync } from 'node:child_process';
import { monitorPath } from '../../../src/runtime/paths.js';
import { parseNativeMessage, splitLines, ProtocolError } from '../../../src/runtime/protocol.js';

// Round trip: the native builders (addon/common/protocol.cc) emit one message of each kind;
// the TS mirror must read every one back with the same values.
test('every message the native side builds parses back with its values', (t) => {
  const out = execFileSync(monitorPath(), ['protocol-selftest'], { encoding: 'utf8' });
  const messages = out.trim().split('\n').map(parseNativeMessage);
  t.deepEqual(messages, [
    { type: 'started', pid: 42 },
    { type: 'exited', exitCode: 3, signal: 0 },
    { type: 'exited', exitCode: 137, signal: 9 },
    { type: 'detached' },
    { type: 'exec-failed', errno: 2, path: 'nosuchcmd' },
    { type: 'error', step: 'mount', errno: 1, message: 'mount proc on /proc: Operation not permitted' },
    { type: 'unpacked', entries: 7, skipped: [{ path: 'dev/sda', reason: 'device nodes cannot be created rootless' }] },
    { type: 'removed', paths: ['/a', '/b'] },
  ]);
});

test('a malformed or unknown message is a protocol error, not ignored', (t) => {
  t.throws(() => parseNativeMessage('{"type":"exited","exitCode":"3"}'), { instanceOf: ProtocolError });
  t.throws(() => parseNativeMessage('{"type":"teleported"}'), { instanceOf: ProtocolError });
  t.throws(() => parseNativeMessage('not json'), { instanceOf: ProtocolError });
});

test('lines split across chunks are reassembled', (t) => {
  const a = splitLines('', '{"type":"started",');
  t.deepEqual(a.lines, []);
  const b = splitLines(a.rest, '"pid":1}\n{"type"');
  t.deepEqual(b.lines, ['{"type":"started","pid":1}']);
  t.is(b.rest, '{"type"');
});
