// The before-hook most integration files share: a fresh sandbox home with the busybox fixture
// image loaded. Without fixtures it gives nothing: those files' tests skip (or fail in CI)
// through needs(), which says why.
import type { TestFn } from 'ava';
import { existsSync } from 'node:fs';
import { makeSandboxHome, runSandbox, type SandboxHome } from './cli.js';
import { fixtures } from './fixtures.js';

export async function busyboxHome(): Promise<SandboxHome | undefined> {
  if (!existsSync(process.env.SANDBOX_FIXTURES ?? '/nonexistent')) return undefined;
  const home = await makeSandboxHome();
  const r = await runSandbox(['load', '-i', fixtures().busybox.ociArchive], { env: home.env });
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  return home;
}

/** The hooks most integration files share: one busybox home for all of a file's tests, made
 *  before them and cleaned up after. The object returned reads through to that home, so it can
 *  be a file-level `const` used inside the tests (its fields throw before the hook has run, or
 *  without fixtures, where needs() skips the tests). */
export function useBusyboxHome(test: TestFn): SandboxHome {
  let home: SandboxHome | undefined;
  test.before(async () => {
    home = await busyboxHome();
  });
  test.after.always(async () => {
    await home?.cleanup();
  });
  const made = (): SandboxHome => {
    if (!home) throw new Error('no busybox home: its before-hook has not made one (no fixtures?)');
    return home;
  };
  return {
    get root() {
      return made().root;
    },
    get env() {
      return made().env;
    },
    get dataDir() {
      return made().dataDir;
    },
    get runtimeDir() {
      return made().runtimeDir;
    },
    cleanup: () => made().cleanup(),
  };
}
