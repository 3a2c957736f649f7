// `sandbox run`: the whole pipeline of ARCHITECTURE.md section 1, in order. Each stage is a
// function of its own module; this file only sequences them and owns the container's
// lifetime (created -> running -> exited, and removal with --rm).
import { mkdir } from 'node:fs/promises';
import type { CommandContext } from '../context.js';
import { parseRunArgs } from '../parse.js';
import { fillRunSpec } from '../../spec/fill.js';
import { completeRunSpec } from '../../spec/complete.js';
import { validateRunSpec } from '../../spec/validate.js';
import { toRuntimeConfig, containerLayout } from '../../oci/generate.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore, type ContainerRecord } from '../../state/containers.js';
import { newContainerId } from '../../state/names.js';
import { writeJsonAtomic } from '../../state/atomic.js';
import { currentIdMaps } from '../../runtime/idmap.js';
import { launchForeground } from '../../runtime/launch.js';
import { ImageStore } from '../../image/store.js';
import { readImageFile } from '../../image/layer-files.js';
import { nativeUnpacker } from '../../image/unpacker.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const parsed = parseRunArgs(args);
  const spec = fillRunSpec(parsed.options, parsed.image, parsed.command, ctx.env);

  const paths = sandboxPaths(ctx.env);
  const image = await new ImageStore(paths).resolveImage(spec.image);
  const [passwd, group] = await Promise.all([readImageFile(image.layerDirs, '/etc/passwd'), readImageFile(image.layerDirs, '/etc/group')]);

  // Complete and validate before anything is created, so bad input leaves nothing behind.
  const id = newContainerId();
  const imageInputs = { id: image.id, name: spec.image, config: image.config, layerDirs: image.layerDirs, passwd, group };
  const { completed, warnings } = completeRunSpec(spec, imageInputs, id);
  validateRunSpec(completed);
  for (const w of warnings) ctx.stderr.write(`WARNING: ${w}\n`);

  const containers = new ContainerStore(paths);
  let rec: ContainerRecord = await containers.create({
    id,
    name: spec.identity.name,
    image: spec.image,
    imageId: image.id,
    command: completed.args,
    autoRemove: spec.lifecycle.rm,
  });
  try {
    const stateDir = containers.dir(id);
    const layout = containerLayout(stateDir);
    // upper/ gives the container's "/" its attributes: 0755 like an image root; the 0700
    // container directory above it keeps other host users out.
    await mkdir(layout.upper, { mode: 0o755 });
    await mkdir(layout.work, { mode: 0o700 });
    await mkdir(layout.merged, { mode: 0o700 });
    await writeJsonAtomic(layout.config, toRuntimeConfig(completed, { stateDir }, currentIdMaps()));

    const result = await launchForeground(layout.config, {
      onStarted: async (pid) => {
        rec = await containers.transition(rec, 'running', { pid, startedAt: new Date().toISOString() });
      },
    });
    rec = await containers.transition(rec, 'exited', { exitCode: result.exitCode, finishedAt: new Date().toISOString() });
    return result.exitCode;
  } catch (err) {
    // The record tells the truth about a failed start (docker keeps such a container too).
    const message = err instanceof Error ? err.message : String(err);
    rec = await containers.transition(rec, 'exited', { error: message, finishedAt: new Date().toISOString() }).catch(() => rec);
    throw err;
  } finally {
    if (spec.lifecycle.rm) await containers.remove(rec, (p) => nativeUnpacker().remove(p));
  }
}
