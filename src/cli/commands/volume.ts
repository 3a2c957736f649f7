// `sandbox volume COMMAND`: docker's volume management (create, ls, inspect, rm, prune) over
// the store's named volumes (src/state/volumes.ts).
import { randomBytes } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError, UsageError } from '../../errors.js';
import { humanSize } from '../../format/units.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { monitorPath } from '../../runtime/paths.js';
import { checkVolumeName } from '../../spec/mounts.js';
import { collectLabels } from '../../spec/process-options.js';
import { sandboxPaths } from '../../state/paths.js';
import { ANONYMOUS_LABEL, VolumeStore, type VolumeRecord } from '../../state/volumes.js';
import { volumeCreateOptions, volumeInspectOptions, volumeLsOptions, volumePruneOptions, volumeRmOptions } from '../command-options.js';
import type { CommandSpec } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { commandHelp } from '../help.js';
import { parseCommandArgs } from '../parse.js';
import { readLine } from '../prompt.js';

interface Sub {
  spec: CommandSpec;
  run: (args: string[], ctx: CommandContext, spec: CommandSpec) => Promise<number>;
}

const store = (ctx: CommandContext) => new VolumeStore(sandboxPaths(ctx.env));
const remover = (ctx: CommandContext) => (p: string[]) => nativeUnpacker({ monitor: monitorPath(ctx.env) }).remove(p);

async function render(format: string, data: unknown): Promise<string> {
  const { renderTemplate } = await import('../../format/template.js');
  return renderTemplate(format, data);
}

async function create(args: string[], ctx: CommandContext, spec: CommandSpec): Promise<number> {
  const { options, positionals } = parseCommandArgs(volumeCreateOptions, args, spec.name, spec);
  if (options.driver !== undefined && options.driver !== 'local') throw new StateError(`create: volume driver "${options.driver}" is not supported: only local volumes exist`);
  // Unnamed: a random name, but not an anonymous volume (prune without -a leaves it, as docker).
  const name = positionals[0] ?? randomBytes(32).toString('hex');
  checkVolumeName(name);
  const { volume } = await store(ctx).ensure(name, collectLabels([], options.label));
  ctx.stdout.write(`${volume.Name}\n`);
  return 0;
}

async function ls(args: string[], ctx: CommandContext, spec: CommandSpec): Promise<number> {
  const { options } = parseCommandArgs(volumeLsOptions, args, spec.name, spec);
  const volumes = await store(ctx).list();
  if (options.quiet) {
    for (const v of volumes) ctx.stdout.write(`${v.Name}\n`);
  } else if (options.format === 'json') {
    for (const v of volumes) ctx.stdout.write(`${JSON.stringify(v)}\n`);
  } else if (options.format !== undefined && options.format !== '') {
    for (const v of volumes) ctx.stdout.write(`${await render(options.format, v)}\n`);
  } else {
    // docker's tabwriter layout: columns padded to their widest cell plus three spaces.
    const width = Math.max('DRIVER'.length, ...volumes.map((v) => v.Driver.length)) + 4;
    ctx.stdout.write(`${'DRIVER'.padEnd(width)}VOLUME NAME\n`);
    for (const v of volumes) ctx.stdout.write(`${v.Driver.padEnd(width)}${v.Name}\n`);
  }
  return 0;
}

async function inspect(args: string[], ctx: CommandContext, spec: CommandSpec): Promise<number> {
  const { options, positionals } = parseCommandArgs(volumeInspectOptions, args, spec.name, spec);
  const found: VolumeRecord[] = [];
  const missing: string[] = [];
  for (const name of positionals) {
    const v = await store(ctx).read(name);
    if (v) found.push(v);
    else missing.push(name);
  }
  if (options.format === undefined || options.format === '' || options.format === 'json') ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  else for (const v of found) ctx.stdout.write(`${await render(options.format, v)}\n`);
  for (const m of missing.slice(0, -1)) ctx.stderr.write(`sandbox: get ${m}: no such volume\n`);
  if (missing.length > 0) throw new StateError(`get ${missing[missing.length - 1]}: no such volume`);
  return 0;
}

async function rm(args: string[], ctx: CommandContext, spec: CommandSpec): Promise<number> {
  const { options, positionals } = parseCommandArgs(volumeRmOptions, args, spec.name, spec);
  const failures: string[] = [];
  for (const name of positionals) {
    try {
      await store(ctx).remove(name, remover(ctx), options.force);
      ctx.stdout.write(`${name}\n`);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  for (const f of failures.slice(0, -1)) ctx.stderr.write(`sandbox: ${f}\n`);
  if (failures.length > 0) throw new StateError(failures[failures.length - 1]!);
  return 0;
}

async function treeSize(path: string): Promise<number> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await readdir(path).catch(() => [] as string[])) total += await treeSize(join(path, e));
  return total;
}

/** docker 23+: anonymous volumes no container uses; with -a every unused one. */
async function prune(args: string[], ctx: CommandContext, spec: CommandSpec): Promise<number> {
  const { options } = parseCommandArgs(volumePruneOptions, args, spec.name, spec);
  if (!options.force) {
    ctx.stdout.write(
      options.all
        ? 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] '
        : 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ',
    );
    if (!/^y(es)?$/i.test(await readLine(ctx.stdin))) return 0;
  }
  const volumes = store(ctx);
  const used = await volumes.usage();
  const removed: string[] = [];
  let reclaimed = 0;
  for (const v of await volumes.list()) {
    if (used.has(v.Name) || (!options.all && !(ANONYMOUS_LABEL in v.Labels))) continue;
    const size = await treeSize(v.Mountpoint);
    await volumes.remove(v.Name, remover(ctx));
    removed.push(v.Name);
    reclaimed += size;
  }
  if (removed.length > 0) ctx.stdout.write(`Deleted Volumes:\n${removed.join('\n')}\n\n`);
  ctx.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, Sub> = {
  create: { spec: { name: 'volume create', summary: 'Create a volume', usage: 'sandbox volume create [OPTIONS] [VOLUME]', options: volumeCreateOptions, maxArgs: 1 }, run: create },
  inspect: { spec: { name: 'volume inspect', summary: 'Display detailed information on one or more volumes', usage: 'sandbox volume inspect [OPTIONS] VOLUME [VOLUME...]', options: volumeInspectOptions, minArgs: 1 }, run: inspect },
  ls: { spec: { name: 'volume ls', summary: 'List volumes', usage: 'sandbox volume ls [OPTIONS]', options: volumeLsOptions, maxArgs: 0 }, run: ls },
  prune: { spec: { name: 'volume prune', summary: 'Remove unused local volumes', usage: 'sandbox volume prune [OPTIONS]', options: volumePruneOptions, maxArgs: 0 }, run: prune },
  rm: { spec: { name: 'volume rm', summary: 'Remove one or more volumes', usage: 'sandbox volume rm [OPTIONS] VOLUME [VOLUME...]', options: volumeRmOptions, minArgs: 1 }, run: rm },
};
const ALIASES: Record<string, string> = { list: 'ls', remove: 'rm' };

export function volumeHelp(): string {
  const names = Object.keys(SUBCOMMANDS);
  const width = Math.max(...names.map((s) => s.length));
  return [
    'Usage:  sandbox volume COMMAND',
    '',
    'Manage volumes',
    '',
    'Commands:',
    ...names.map((s) => `  ${s.padEnd(width)}   ${SUBCOMMANDS[s]!.spec.summary}`),
    '',
    "Run 'sandbox volume COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    ctx.stdout.write(volumeHelp());
    return 0;
  }
  const sub = SUBCOMMANDS[ALIASES[name] ?? name];
  if (!sub) throw new UsageError(`unknown command "${name}" for "sandbox volume"`, "See 'sandbox volume --help'.");
  const parsed = parseCommandArgs(sub.spec.options, rest, sub.spec.name, { ...sub.spec, minArgs: 0, maxArgs: undefined } as CommandSpec);
  if ((parsed.options as Record<string, unknown>).help === true) {
    ctx.stdout.write(commandHelp(sub.spec));
    return 0;
  }
  return sub.run(rest, ctx, sub.spec);
}
