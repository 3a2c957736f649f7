// The entry point: global flags, dispatch to a lazily loaded command module, and the one
// top-level catch that turns failures into stderr text and an exit code. Only small, pure
// modules are imported at the top: Node alone costs ~37 ms to start, and a command's heavy
// dependencies (registry client, store, native addon) load only when that command runs.
import { UsageError } from '../errors.js';
import { findCommand, type CommandSpec } from './command-table.js';
import type { CommandContext, CommandModule } from './context.js';
import { describeError } from './error-output.js';
import { globalOptions, logLevels, type LogLevel } from './global-options.js';
import { commandHelp, globalHelp } from './help.js';
import { packageVersion } from './package-version.js';
import { parseCommandArgs } from './parse.js';
import { mark } from './timing.js';

/** The process's streams and environment; tests pass fakes. */
export type MainIO = Partial<Pick<CommandContext, 'stdout' | 'stderr' | 'stdin' | 'env'>>;

function toLogLevel(text: string | undefined, debug: boolean): LogLevel {
  if (text !== undefined && !(logLevels as readonly string[]).includes(text)) {
    throw new UsageError(`invalid argument ${JSON.stringify(text)} for "-l, --log-level" flag: expected debug, info, warn or error`, "See 'sandbox --help'.", true);
  }
  return debug ? 'debug' : ((text as LogLevel | undefined) ?? 'info');
}

function lookupCommand(name: string): CommandSpec {
  const spec = findCommand(name);
  if (!spec) throw new UsageError(`'${name}' is not a sandbox command.`, "See 'sandbox --help'");
  return spec;
}

async function loadCommand(name: string): Promise<CommandModule> {
  // A computed specifier: the module is read only when its command runs, and a command whose
  // module has not landed yet fails when invoked rather than breaking the build.
  // `name` comes from the command table, never straight from argv.
  const mod = (await import(`./commands/${name}.js`)) as Partial<CommandModule>;
  if (typeof mod.command !== 'function') throw new Error(`commands/${name}.js does not export command()`);
  return mod as CommandModule;
}

async function dispatch(argv: string[], io: MainIO, setShowStack: (on: boolean) => void): Promise<number> {
  mark('main');
  // process.stdout and process.stderr are built on first use (a stream, and for a pipe a
  // socket: ~1-2 ms); a run that prints nothing never builds them.
  const out = () => io.stdout ?? process.stdout;
  const { options, positionals } = parseCommandArgs(globalOptions, argv, '', { stopAtFirstPositional: true });
  const logLevel = toLogLevel(options.logLevel, options.debug);
  setShowStack(logLevel === 'debug');
  if (options.help) {
    out().write(globalHelp());
    return 0;
  }
  if (options.version) {
    out().write(`sandbox version ${await packageVersion()}\n`);
    return 0;
  }
  const [name, ...args] = positionals;
  // docker prints its usage for a bare `docker`, and so do we.
  if (name === undefined) {
    out().write(globalHelp());
    return 0;
  }
  if (name === 'help') {
    const topic = args[0];
    out().write(topic === undefined ? globalHelp() : commandHelp(lookupCommand(topic)));
    return 0;
  }
  const spec = lookupCommand(name);
  // Parsed here too (the command parses again; it is pure and takes microseconds) so that help
  // and usage errors never load the command's module.
  const parsed = parseCommandArgs(spec.options, args, spec.name, spec);
  if ((parsed.options as Record<string, unknown>).help === true) {
    out().write(commandHelp(spec));
    return 0;
  }
  const mod = await loadCommand(spec.name);
  mark(`command ${spec.name} loaded`);
  const ctx: CommandContext = {
    get stdout() {
      return out();
    },
    get stderr() {
      return io.stderr ?? process.stderr;
    },
    env: io.env ?? process.env,
    logLevel,
    // process.stdin opens a handle when first touched; only commands that read it pay for that.
    get stdin() {
      return io.stdin ?? process.stdin;
    },
  };
  const code = await mod.command(args, ctx);
  mark('command done');
  return code;
}

/** Run `sandbox <argv>`; resolves to the process exit code. Never rejects. */
export async function main(argv: string[], io: MainIO = {}): Promise<number> {
  let showStack = false;
  try {
    return await dispatch(argv, io, (on) => {
      showStack = on;
    });
  } catch (err) {
    const { text, exitCode } = describeError(err, showStack);
    (io.stderr ?? process.stderr).write(text);
    return exitCode;
  }
}
