// sandbox's version, read from package.json on first use only (so start-up doesn't pay for it).
// The path is relative to the compiled file: dist/src/cli/ -> the repository root.
import { readFile } from 'node:fs/promises';

let cached: string | undefined;

export async function packageVersion(): Promise<string> {
  if (cached === undefined) {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  }
  return cached;
}
