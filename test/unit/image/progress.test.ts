// Pull output: plain lines off a terminal (no byte counts), docker's redrawn lines on one.
import test from 'ava';
import { plainProgress, progressText, terminalProgress } from '../../../src/image/pull-progress.js';

function sink(columns?: number) {
  let text = '';
  return { write: (s: string) => ((text += s), true), get text() { return text; }, columns } as unknown as NodeJS.WritableStream & { text: string; columns?: number };
}

test('plain output: one line per status change, Downloading left out', (t) => {
  const out = sink();
  const p = plainProgress(out);
  p.line('latest: Pulling from library/busybox');
  p.layer('ec562eabd705', 'Pulling fs layer');
  p.layer('ec562eabd705', 'Downloading', 100, 1000);
  p.layer('ec562eabd705', 'Download complete');
  p.layer('ec562eabd705', 'Pull complete');
  t.is(out.text, 'latest: Pulling from library/busybox\nec562eabd705: Pulling fs layer\nec562eabd705: Download complete\nec562eabd705: Pull complete\n');
});

test('docker\'s progress bar: 50 cells on wide terminals, sizes only on narrow ones', (t) => {
  t.is(progressText(1_234_567, 2_469_134, 200), `[${'='.repeat(25)}>${' '.repeat(25)}]  1.235MB/2.469MB`);
  t.is(progressText(1_234_567, 2_469_134, 80), ' 1.235MB/2.469MB');
  t.is(progressText(2000, 1000, 200), `[${'='.repeat(50)}>]      2kB`);
});

test('terminal output redraws a layer\'s own line with cursor movements', (t) => {
  let now = 0;
  const out = sink(80);
  const p = terminalProgress(out, 100, () => now);
  p.layer('aaa', 'Pulling fs layer');
  p.layer('bbb', 'Pulling fs layer');
  p.layer('aaa', 'Downloading', 10, 100);
  p.layer('aaa', 'Downloading', 20, 100); // within 100 ms: not drawn
  now = 200;
  p.layer('aaa', 'Pull complete');
  t.is(
    out.text,
    '\n\x1b[1A\x1b[2K\raaa: Pulling fs layer\r\x1b[1B' +
      '\n\x1b[1A\x1b[2K\rbbb: Pulling fs layer\r\x1b[1B' +
      '\x1b[2A\x1b[2K\raaa: Downloading      10B/100B\r\x1b[2B' +
      '\x1b[2A\x1b[2K\raaa: Pull complete\r\x1b[2B',
  );
});
