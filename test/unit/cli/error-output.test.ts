// Specification of how failures are printed by main's one top-level catch.
import test from 'ava';
import { describeError } from '../../../src/cli/error-output.js';
import { ExecError, ImageError, UsageError } from '../../../src/errors.js';

test('a bare usage error prints its message and hint as they are, exit 125', (t) => {
  t.deepEqual(describeError(new UsageError('flag provided but not defined: --foo', "See 'sandbox run --help'.", true), false), {
    text: "flag provided but not defined: --foo\nSee 'sandbox run --help'.\n",
    exitCode: 125,
  });
});

test('other sandbox errors print "sandbox: " and their message, then the hint', (t) => {
  t.deepEqual(describeError(new ImageError("Unable to find image 'x:latest' locally", "Load it with 'sandbox load -i ARCHIVE'."), false), {
    text: "sandbox: Unable to find image 'x:latest' locally\nLoad it with 'sandbox load -i ARCHIVE'.\n",
    exitCode: 125,
  });
});

test('the exit code is the error\'s own (127 for a command not found)', (t) => {
  t.deepEqual(describeError(new ExecError("Container command 'foo' not found or does not exist.", 127), false), {
    text: "sandbox: Container command 'foo' not found or does not exist.\n",
    exitCode: 127,
  });
});

test('anything else is an internal error, exit 125, one line without the stack', (t) => {
  t.deepEqual(describeError(new TypeError('x is undefined'), false), { text: 'sandbox: internal error: x is undefined\n', exitCode: 125 });
  t.deepEqual(describeError('thrown string', false), { text: 'sandbox: internal error: thrown string\n', exitCode: 125 });
});

test('the stack is printed only in debug mode', (t) => {
  const err = new TypeError('x is undefined');
  const { text } = describeError(err, true);
  t.true(text.startsWith('sandbox: internal error: x is undefined\nTypeError: x is undefined\n    at '));
  t.true(describeError(new ImageError('bad'), true).text.includes('    at '));
  t.is(describeError(new UsageError('bad flag', undefined, true), true).text, 'bad flag\n', 'usage errors never need a stack');
});
