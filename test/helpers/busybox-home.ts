// The before-hook most integration files share: a fresh sandbox home with the busybox fixture
// image loaded. Without fixtures it gives nothing: those files' tests skip (or fail in CI)
// through needs(), which says why.
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
