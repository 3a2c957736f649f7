// `sandbox image COMMAND`: docker's management command. ls, rm, pull, push, tag, save, load and
// import are the top-level commands under another name; inspect and prune live here.
import { ImageError, UsageError } from '../../errors.js';
import { renderTemplate } from '../../format/template.js';
import { humanSize } from '../../format/units.js';
import { parseImageConfig } from '../../image/config.js';
import { ImageNotFoundError, lookupImage } from '../../image/image-index.js';
import { inspectImage, inspectJson } from '../../image/inspect.js';
import { parseReference } from '../../image/reference.js';
import { planPrune } from '../../image/remove.js';
import { ImageStore } from '../../image/store.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { monitorPath } from '../../runtime/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { sandboxPaths } from '../../state/paths.js';
import { imageInspectOptions, imagePruneOptions } from '../command-options.js';
import { findCommand, type CommandSpec } from '../command-table.js';
import type { CommandContext, CommandModule } from '../context.js';
import { commandHelp } from '../help.js';
import { parseCommandArgs } from '../parse.js';
import { readLine } from '../prompt.js';

/** A subcommand: its help (from the same tables) and where it runs. */
interface Sub {
  spec: CommandSpec;
  run: (args: string[], ctx: CommandContext) => Promise<number>;
}

/** The top-level command `name`, under `image <alias>`. */
function alias(alias: string, name: string, usage: string): Sub {
  const top = findCommand(name)!;
  return {
    spec: { ...top, name: `image ${alias}`, usage },
    run: async (args, ctx) => ((await import(`./${name}.js`)) as CommandModule).command(args, ctx),
  };
}

const inspectSpec: CommandSpec = {
  name: 'image inspect',
  summary: 'Display detailed information on one or more images',
  usage: 'sandbox image inspect [OPTIONS] IMAGE [IMAGE...]',
  options: imageInspectOptions,
  minArgs: 1,
};

const pruneSpec: CommandSpec = {
  name: 'image prune',
  summary: 'Remove unused images',
  usage: 'sandbox image prune [OPTIONS]',
  options: imagePruneOptions,
  maxArgs: 0,
};

function shownName(target: string): string {
  try {
    return parseReference(target).familiar;
  } catch {
    return target;
  }
}

/** `image inspect`: docker's JSON array, or a template per image with --format. */
async function inspect(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(imageInspectOptions, args, 'image inspect', inspectSpec);
  const store = new ImageStore(sandboxPaths(ctx.env));
  const index = await store.readIndex();
  const found: ReturnType<typeof inspectImage>[] = [];
  const missing: string[] = [];
  for (const target of positionals) {
    try {
      const record = lookupImage(index, target);
      const config = parseImageConfig(await store.readBlob(record.configDigest), record.configDigest);
      found.push(inspectImage(record, config, record.layers.map((l) => store.layerDir(l.chainId))));
    } catch (err) {
      if (!(err instanceof ImageNotFoundError)) throw err;
      missing.push(target);
    }
  }
  const format = options.format;
  if (format === undefined || format === '' || format === 'json') ctx.stdout.write(inspectJson(found));
  else for (const item of found) ctx.stdout.write(renderTemplate(format, item) + '\n');
  if (missing.length === 0) return 0;
  if (missing.length === 1) throw new ImageError(`No such image: ${shownName(missing[0]!)}`);
  for (const m of missing.slice(0, -1)) ctx.stderr.write(`sandbox: No such image: ${shownName(m)}\n`);
  throw new ImageError(`No such image: ${shownName(missing[missing.length - 1]!)}`);
}

/** `image prune [-a] [-f]`: docker's prompt, its "Deleted Images:" list and the space reclaimed. */
async function prune(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(imagePruneOptions, args, 'image prune', pruneSpec);
  if (!options.force) {
    ctx.stdout.write(
      options.all
        ? 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] '
        : 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ',
    );
    const answer = await readLine(ctx.stdin);
    if (!/^y(es)?$/i.test(answer)) return 0;
  }
  const paths = sandboxPaths(ctx.env);
  const store = new ImageStore(paths);
  const containers = await new ContainerStore(paths).list();
  const unpacker = nativeUnpacker({ monitor: monitorPath(ctx.env) });
  await store.init();
  await store.removeStaleTemp(unpacker);
  let lines: string[] = [];
  const { removedLayers, reclaimed } = await store.removeImages((index) => {
    const plan = planPrune(index, options.all, containers);
    lines = plan.lines;
    return plan;
  }, unpacker);
  const all = [...lines, ...removedLayers.map((c) => `deleted: ${c}`)];
  if (all.length > 0) ctx.stdout.write(`Deleted Images:\n${all.join('\n')}\n\n`);
  ctx.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, Sub> = {
  inspect: { spec: inspectSpec, run: inspect },
  prune: { spec: pruneSpec, run: prune },
  ls: alias('ls', 'images', 'sandbox image ls [OPTIONS] [REPOSITORY[:TAG]]'),
  list: alias('list', 'images', 'sandbox image ls [OPTIONS] [REPOSITORY[:TAG]]'),
  rm: alias('rm', 'rmi', 'sandbox image rm [OPTIONS] IMAGE [IMAGE...]'),
  remove: alias('remove', 'rmi', 'sandbox image rm [OPTIONS] IMAGE [IMAGE...]'),
  pull: alias('pull', 'pull', 'sandbox image pull [OPTIONS] NAME[:TAG|@DIGEST]'),
  push: alias('push', 'push', 'sandbox image push [OPTIONS] NAME[:TAG]'),
  tag: alias('tag', 'tag', 'sandbox image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]'),
  save: alias('save', 'save', 'sandbox image save [OPTIONS] IMAGE [IMAGE...]'),
  load: alias('load', 'load', 'sandbox image load [OPTIONS]'),
  import: alias('import', 'import', 'sandbox image import [OPTIONS] file|- [REPOSITORY[:TAG]]'),
};

/** `sandbox image` alone, or `--help`: the subcommands, docker's layout. */
export function imageHelp(): string {
  const shown = ['import', 'inspect', 'load', 'ls', 'prune', 'pull', 'push', 'rm', 'save', 'tag'];
  const width = Math.max(...shown.map((s) => s.length));
  return [
    'Usage:  sandbox image COMMAND',
    '',
    'Manage images',
    '',
    'Commands:',
    ...shown.map((s) => `  ${s.padEnd(width)}   ${SUBCOMMANDS[s]!.spec.summary}`),
    '',
    "Run 'sandbox image COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    ctx.stdout.write(imageHelp());
    return 0;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) throw new UsageError(`unknown command "${name}" for "sandbox image"`, "See 'sandbox image --help'.");
  const parsed = parseCommandArgs(sub.spec.options, rest, sub.spec.name, { ...sub.spec, minArgs: 0, maxArgs: undefined } as CommandSpec);
  if ((parsed.options as Record<string, unknown>).help === true) {
    ctx.stdout.write(commandHelp(sub.spec));
    return 0;
  }
  return sub.run(rest, ctx);
}
