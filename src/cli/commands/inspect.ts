// `sandbox inspect [-f TEMPLATE] [--type container|image] NAME...`: containers first, then
// images (docker's order), as one JSON array or one template result per object.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { containerInspectOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths, type SandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { settle } from '../../runtime/lifecycle.js';
import { monitorFiles } from '../../runtime/launch.js';
import { inspectContainer } from '../../format/inspect.js';
import { inspectImage, inspectJson } from '../../image/inspect.js';
import { lookupImage } from '../../image/image-index.js';
import { ImageStore } from '../../image/store.js';
import { renderTemplate } from '../../format/template.js';
import { UsageError } from '../../errors.js';
import type { RuntimeConfig } from '../../oci/types.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(containerInspectOptions, args, 'inspect', findCommand('inspect'));
  const type = options.type ?? '';
  if (!['', 'container', 'image'].includes(type)) throw new UsageError(`"${type}" is not a valid value for --type`);
  const paths = sandboxPaths(ctx.env);
  const containers = new ContainerStore(paths);
  const images = new ImageStore(paths);
  const found: unknown[] = [];
  let failed = false;
  for (const ref of positionals) {
    try {
      found.push(await inspectOne(ref, type, containers, images, paths));
    } catch {
      failed = true;
      ctx.stderr.write(`sandbox: No such object: ${ref}\n`);
    }
  }
  if (options.format === undefined || options.format === '' || options.format === 'json') ctx.stdout.write(inspectJson(found));
  else for (const item of found) ctx.stdout.write(renderTemplate(options.format, item) + '\n');
  return failed ? 1 : 0;
}

async function inspectOne(ref: string, type: string, containers: ContainerStore, images: ImageStore, paths: SandboxPaths): Promise<unknown> {
  if (type !== 'image') {
    const rec = await containers.find(ref).catch(() => undefined);
    if (rec) {
      const now = await settle(containers, rec);
      const dir = containers.dir(rec.id);
      const config = await readFile(join(dir, 'config.json'), 'utf8').then((t) => JSON.parse(t) as RuntimeConfig, () => undefined);
      return inspectContainer(now, config, { stateDir: dir, logPath: monitorFiles(dir).log, volumesRoot: join(paths.data, 'volumes') });
    }
    if (type === 'container') throw new Error('not found');
  }
  const record = lookupImage(await images.readIndex(), ref);
  const resolved = await images.resolveImage(ref);
  return inspectImage(record, resolved.config, resolved.layerDirs);
}
