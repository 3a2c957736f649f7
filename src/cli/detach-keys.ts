// docker's --detach-keys (attach, run -it, start -a -i): comma-separated `ctrl-X` or single
// characters, as the bytes they type. Pure.
import { UsageError } from '../errors.js';

/** docker's default: ctrl-p ctrl-q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** docker's --detach-keys: comma-separated `ctrl-X` or single characters, as bytes. */
export function parseDetachKeys(spec: string): Buffer {
  // The default, parsed on every run: its bytes without compiling the two regexes below.
  if (spec === DEFAULT_DETACH_KEYS) return Buffer.from([0x10, 0x11]);
  const bytes = spec.split(',').map((k) => {
    const m = /^ctrl-(.)$/i.exec(k);
    if (m) {
      const c = m[1]!.toLowerCase();
      if (/[a-z@[\\\]^_]/.test(c)) return c.toUpperCase().charCodeAt(0) & 0x1f;
    } else if (k.length === 1) {
      return k.charCodeAt(0);
    }
    throw new UsageError(`Invalid detach keys (${k}) provided`);
  });
  return Buffer.from(bytes);
}

/**
 * Matches the detach keys in a stream of keys, across reads. Bytes of a partial match are held
 * back and passed on when the sequence breaks, as docker does (the monitor's twin:
 * addon/monitor/attach_input.h).
 */
export class DetachKeyMatcher {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}

  /** The keys to pass on, and whether the sequence completed (what follows it is dropped). */
  filter(input: Buffer): { pass: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const byte of input) {
      if (this.matched > 0 && byte !== this.keys[this.matched]) {
        out.push(...this.keys.subarray(0, this.matched));
        this.matched = 0;
      }
      if (byte === this.keys[this.matched]) {
        if (++this.matched === this.keys.length) {
          this.matched = 0;
          return { pass: Buffer.from(out), detach: true };
        }
        continue;
      }
      out.push(byte);
    }
    return { pass: Buffer.from(out), detach: false };
  }
}
