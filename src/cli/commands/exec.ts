// `sandbox exec [-d] [-i] [-t] [--detach-keys K] [-e K=V] [--env-file F] [-u U] [-w DIR] [--privileged] CONTAINER CMD...`:
// run a command in a running container, with its capabilities, no_new_privs and seccomp.
import { readFile } from 'node:fs/promises';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';
import { execOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import { sandboxPaths } from '../../state/paths.js';
import { ContainerStore } from '../../state/containers.js';
import { gatherFacts, effectiveRecord } from '../../state/observe.js';
import { containerLayout } from '../../oci/generate.js';
import { launchExec } from '../../runtime/launch.js';
import { SpecError, StateError, UsageError } from '../../errors.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys.js';

/** -e K=V as is; -e K takes K from our environment, dropped when unset (docker). */
export function envEntries(words: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const w of words) {
    if (w.includes('=')) {
      if (w.startsWith('=')) throw new UsageError(`invalid environment variable: ${w}`);
      out.push(w);
    } else if (env[w] !== undefined) out.push(`${w}=${env[w]}`);
  }
  return out;
}

/** An --env-file: one variable per line, blank lines and # comments skipped. */
export function parseEnvFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const spec = findCommand('exec');
  const { options, positionals } = parseCommandArgs(execOptions, args, 'exec', spec);
  const [ref, ...cmd] = positionals as [string, ...string[]];
  // Checked before anything starts, like every bad value.
  const detachKeys = parseDetachKeys(options.detachKeys || DEFAULT_DETACH_KEYS);
  // docker's check: -it copies our input into a terminal, which has no EOF of its own.
  if (options.tty && options.interactive && !options.detach && process.stdin.isTTY !== true) throw new SpecError('the input device is not a TTY');
  const fileEnv: string[] = [];
  for (const f of options.envFile) {
    const text = await readFile(f, 'utf8').catch((err: Error) => {
      throw new UsageError(`open ${f}: ${err.message.replace(/^[A-Z]+: /, '')}`);
    });
    fileEnv.push(...parseEnvFile(text));
  }
  const env = envEntries([...fileEnv, ...options.env], ctx.env);
  const store = new ContainerStore(sandboxPaths(ctx.env));
  const rec = await store.find(ref);
  const facts = await gatherFacts(rec, store.dir(rec.id));
  const now = effectiveRecord(rec, facts);
  const pid = facts.pidFromFile;
  if (now.status !== 'running' || !facts.monitorAlive || pid === undefined) throw new StateError(`container ${rec.id} is not running`);
  const code = await launchExec({
    configPath: containerLayout(store.dir(rec.id)).config,
    initPid: pid,
    command: cmd,
    env,
    user: options.user,
    cwd: options.workdir,
    privileged: options.privileged,
    interactive: options.interactive,
    detach: options.detach,
    tty: options.tty,
    // docker: the keys detach only a client that is attached to the terminal's input.
    ...(options.tty && options.interactive && !options.detach ? { detachKeys } : {}),
  });
  return code;
}
