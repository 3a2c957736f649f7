// `sandbox container COMMAND`: docker's management form. The container commands under their
// docker names (ls = ps), and `prune`, which lives only here.
import { UsageError } from '../../errors.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { removeContainer, settle } from '../../runtime/lifecycle.js';
import { nativeUnpacker } from '../../image/unpacker.js';
import { monitorPath } from '../../runtime/paths.js';
import { containerPruneOptions } from '../command-options.js';
import { findCommand, type CommandSpec } from '../command-table.js';
import type { CommandContext, CommandModule } from '../context.js';
import { commandHelp } from '../help.js';
import { parseCommandArgs } from '../parse.js';

interface Sub {
  spec: CommandSpec;
  run: (args: string[], ctx: CommandContext) => Promise<number>;
}

function alias(sub: string, name: string): Sub {
  const top = findCommand(name)!;
  return {
    spec: { ...top, name: `container ${sub}`, usage: top.usage.replace(/^sandbox \S+/, `sandbox container ${sub}`) },
    run: async (args, ctx) => ((await import(`./${name}.js`)) as CommandModule).command(args, ctx),
  };
}

const pruneSpec: CommandSpec = {
  name: 'container prune',
  summary: 'Remove all stopped containers',
  usage: 'sandbox container prune [OPTIONS]',
  options: containerPruneOptions,
  maxArgs: 0,
};

async function readAnswer(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.trim();
}

/** `container prune [-f]`: docker's prompt, then "Deleted Containers:" and the ids. */
async function prune(args: string[], ctx: CommandContext): Promise<number> {
  const { options } = parseCommandArgs(containerPruneOptions, args, 'container prune', pruneSpec);
  if (!options.force) {
    ctx.stdout.write('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
    if (!/^y(es)?$/i.test(await readAnswer(ctx.stdin))) return 0;
  }
  const store = new ContainerStore(sandboxPaths(ctx.env));
  const unpacker = nativeUnpacker({ monitor: monitorPath(ctx.env) });
  const deleted: string[] = [];
  for (const rec of await store.list()) {
    const now = await settle(store, rec);
    if (now.status === 'running' || now.status === 'removing') continue;
    await removeContainer(store, now, false, (p) => unpacker.remove(p)).then(
      () => deleted.push(now.id),
      () => undefined, // started meanwhile, or removed by someone else: not ours to report
    );
  }
  if (deleted.length) ctx.stdout.write(`Deleted Containers:\n${deleted.join('\n')}\n\n`);
  ctx.stdout.write('Total reclaimed space: 0B\n');
  return 0;
}

const SUBCOMMANDS: Record<string, Sub> = {
  prune: { spec: pruneSpec, run: prune },
  ls: alias('ls', 'ps'),
  list: alias('list', 'ps'),
  ps: alias('ps', 'ps'),
  ...Object.fromEntries(['exec', 'inspect', 'kill', 'logs', 'rename', 'restart', 'rm', 'start', 'stop', 'top', 'wait'].filter((n) => findCommand(n)).map((n) => [n, alias(n, n)])),
};

export function containerHelp(): string {
  const shown = Object.keys(SUBCOMMANDS).filter((s) => s !== 'list' && s !== 'ps').sort();
  const width = Math.max(...shown.map((s) => s.length));
  return [
    'Usage:  sandbox container COMMAND',
    '',
    'Manage containers',
    '',
    'Commands:',
    ...shown.map((s) => `  ${s.padEnd(width)}   ${SUBCOMMANDS[s]!.spec.summary}`),
    '',
    "Run 'sandbox container COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    ctx.stdout.write(containerHelp());
    return 0;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) throw new UsageError(`unknown command "${name}" for "sandbox container"`, "See 'sandbox container --help'.");
  const parsed = parseCommandArgs(sub.spec.options, rest, sub.spec.name, { ...sub.spec, minArgs: 0, maxArgs: undefined } as CommandSpec);
  if ((parsed.options as Record<string, unknown>).help === true) {
    ctx.stdout.write(commandHelp(sub.spec));
    return 0;
  }
  return sub.run(rest, ctx);
}
