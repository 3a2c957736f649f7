// sandbox's version, read from package.json on first use only (so start-up doesn't pay for it).
// The path is relative to the compiled file: dist/src/cli/ -> the repository root. Read
// synchronously: a 2 KB file, and node:fs/promises costs ~0.7 ms to load for `--version` alone.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export async function packageVersion(): Promise<string> {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  }
  return cached;
}
