// SANDBOX_TIMING=1: start-up stage marks on stderr, in ms since the process started, to see
// where a run's time goes (bench/startup). Off by default; a mark then costs one comparison.
// (The global `performance`: its origin is the process's start.) Written straight to fd 2:
// building process.stderr for the first mark (~1-2 ms) would show up in the marks themselves.
import { writeSync } from 'node:fs';

const on = process.env.SANDBOX_TIMING === '1';

export function mark(label: string): void {
  if (!on) return;
  try {
    writeSync(2, `sandbox-timing ${performance.now().toFixed(1)} ${label}\n`);
  } catch {
    /* EAGAIN: process.stderr made a full pipe non-blocking; a lost mark, not a failed command */
  }
}

if (on) process.once('exit', () => mark('exit'));
