// What a pull shows, as docker shows it. On a terminal every layer owns a line that is redrawn
// in place (cursor up, clear, rewrite, cursor down: docker's jsonmessage display), with a
// progress bar while it downloads; anywhere else each status change is one plain line and
// byte counts are left out, so logs stay readable.
import { humanSize } from '../format/units.js';

export type LayerStatus =
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Pull complete'
  | 'Already exists'
  | 'Preparing'
  | 'Pushing'
  | 'Pushed'
  | 'Layer already exists'
  | 'Mounted from';

/** The events a pull or push emits; the command decides how (or whether) to show them. */
export interface ProgressSink {
  /** A line of its own ("latest: Pulling from library/busybox", "Digest: ..."). */
  line(text: string): void;
  /** A layer's status; `current`/`total` in bytes while it transfers. */
  layer(id: string, status: LayerStatus, current?: number, total?: number, detail?: string): void;
}

export const silentProgress: ProgressSink = { line() {}, layer() {} };

/** docker's progress text: `[=====>      ]  1.234MB/5.678MB` (the bar only on wide terminals). */
export function progressText(current: number, total: number, width: number): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  let filled = Math.trunc((current / total) * 100) / 2;
  filled = Math.min(50, Math.trunc(filled));
  const bar = width > 110 ? `[${'='.repeat(filled)}>${' '.repeat(Math.max(0, 50 - filled))}] ` : '';
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

function statusText(id: string, status: LayerStatus, detail: string | undefined, progress: string): string {
  const s = detail ? `${status} ${detail}` : status;
  return `${id}: ${s}${progress ? ` ${progress}` : ''}`;
}

/**
 * Plain lines: one per status change; transfers in progress (Downloading, Pushing) are not
 * shown, as docker leaves them out when its output is not a terminal.
 */
export function plainProgress(out: NodeJS.WritableStream): ProgressSink {
  return {
    line(text) {
      out.write(`${text}\n`);
    },
    layer(id, status, _current, _total, detail) {
      if (status === 'Downloading' || status === 'Pushing') return;
      out.write(`${statusText(id, status, detail, '')}\n`);
    },
  };
}

const ESC = '\x1b[';

/**
 * Redrawn lines on a terminal. A layer's byte-count updates are drawn at most every
 * `intervalMs`; status changes always.
 */
export function terminalProgress(out: NodeJS.WritableStream & { columns?: number }, intervalMs = 100, now: () => number = Date.now): ProgressSink {
  let ids = new Map<string, number>();
  const lastDraw = new Map<string, number>();
  const draw = (id: string, text: string) => {
    let line = ids.get(id);
    if (line === undefined) {
      line = ids.size;
      ids.set(id, line);
      out.write('\n');
    }
    const diff = ids.size - line;
    out.write(`${ESC}${diff}A${ESC}2K\r${text}\r${ESC}${diff}B`);
  };
  return {
    line(text) {
      // A line without an id ends the block of layer lines (docker resets its map the same way).
      ids = new Map();
      lastDraw.clear();
      out.write(`${ESC}2K\r${text}\n`);
    },
    layer(id, status, current, total, detail) {
      if (status === 'Downloading' || status === 'Pushing') {
        const t = now();
        const prev = lastDraw.get(id);
        if (prev !== undefined && t - prev < intervalMs && (current ?? 0) < (total ?? 0)) return;
        lastDraw.set(id, t);
      }
      const progress = current !== undefined ? progressText(current, total ?? 0, out.columns || 200) : '';
      draw(id, statusText(id, status, detail, progress));
    },
  };
}

/** The sink for `out`: redrawn lines on a terminal, plain lines otherwise. */
export function progressFor(out: NodeJS.WritableStream): ProgressSink {
  return (out as NodeJS.WriteStream).isTTY ? terminalProgress(out as NodeJS.WriteStream) : plainProgress(out);
}
