// SANDBOX_TIMING=1: start-up stage marks on stderr, in ms since the process started, to see
// where a run's time goes (bench/startup). Off by default; a mark then costs one comparison.
// (The global `performance`: its origin is the process's start.)
const on = process.env.SANDBOX_TIMING === '1';

export function mark(label: string): void {
  if (on) process.stderr.write(`sandbox-timing ${performance.now().toFixed(1)} ${label}\n`);
}

if (on) process.once('exit', () => mark('exit'));
