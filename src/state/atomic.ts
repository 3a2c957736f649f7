// The one atomic-write helper: write a temp file beside the target (same filesystem), fsync,
// rename over. Readers see the old or the new content, never a torn one; a crash leaves at
// most a stray temp file that no reader ever opens.
//
// `durable: false` skips the fsync: the rename is still atomic for every reader, but a power
// cut may lose the newest version. That is the right trade for a container's own runtime
// files (state, config, /etc files), rewritten several times per run and gone with --rm, where
// fsyncs were a large share of start-up; the image store keeps the default.
import { open, rename, rm, mkdir } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface WriteOptions {
  /** fsync before the rename (default true). */
  durable?: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, opts: WriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    if (opts.durable !== false) await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600, opts: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', mode, opts);
}
