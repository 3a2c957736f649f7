// A test image whose files belong to a non-root image user: the busybox fixture's first layer
// plus /data/www (0750, www-data = 33:33 as the fixture's /etc/passwd names it) holding sub/f
// and a hardlink to it, hl. Made with `tar --append` and `sandbox import` into the test's own
// store, so the shared fixtures are left alone.
import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSandbox, type SandboxHome } from './cli.js';
import { fixtures } from './fixtures.js';

export const OWNED_IMAGE = 'lab/owned:v1';

export async function importOwnedImage(home: SandboxHome, name = OWNED_IMAGE): Promise<void> {
  const dir = join(home.root, 'tmp', `owned-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(dir, 'data', 'www', 'sub'), { recursive: true, mode: 0o750 });
  writeFileSync(join(dir, 'data', 'www', 'sub', 'f'), 'from the image\n');
  linkSync(join(dir, 'data', 'www', 'sub', 'f'), join(dir, 'data', 'www', 'hl'));
  execFileSync('chmod', ['0750', join(dir, 'data', 'www')]);
  const tar = join(dir, 'image.tar');
  copyFileSync(fixtures().layers[0].tar, tar);
  execFileSync('tar', ['--append', '-f', tar, '--owner=33', '--group=33', '--numeric-owner', '-C', dir, 'data']);
  const r = await runSandbox(['import', '-c', 'CMD ["sh"]', tar, name], { env: home.env });
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
}
