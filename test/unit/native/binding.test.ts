// The Node binding through src/runtime/native.ts, the only module that loads it.
import test from 'ava';
import { openSync, closeSync } from 'node:fs';
import { release } from 'node:os';
import { getWindowSize, isatty, kernelRelease, setWindowSize } from '../../../src/runtime/native.js';
import { needs } from '../../helpers/facility.js';

const binding = needs(test, ['binding'], 'loads sandbox.node');

binding('kernelRelease is the uname release Node reports', (t) => {
  t.is(kernelRelease(), release());
});

binding('getWindowSize of a non-terminal is null, and isatty says false', (t) => {
  const fd = openSync('/dev/null', 'r');
  try {
    t.is(getWindowSize(fd), null);
    t.false(isatty(fd));
  } finally {
    closeSync(fd);
  }
});

binding('setWindowSize on a non-terminal throws an Error with an errno code', (t) => {
  const fd = openSync('/dev/null', 'r');
  try {
    const err = t.throws(() => setWindowSize(fd, 24, 80));
    t.is((err as NodeJS.ErrnoException).code, 'ENOTTY');
    t.is((err as NodeJS.ErrnoException).syscall, 'ioctl(TIOCSWINSZ)');
  } finally {
    closeSync(fd);
  }
});

binding('a closed fd is EBADF', (t) => {
  const fd = openSync('/dev/null', 'r');
  closeSync(fd);
  t.throws(() => getWindowSize(fd), { code: 'EBADF' });
});

binding('bad arguments are TypeErrors before reaching native code', (t) => {
  t.throws(() => getWindowSize(-1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => setWindowSize(0, 1.5, 80), { instanceOf: TypeError });
  t.throws(() => isatty(Number.NaN), { instanceOf: TypeError });
});
