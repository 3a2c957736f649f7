// `sandbox exec [-d] [-i] [-e K=V] [--env-file F] [-u U] [-w DIR] [--privileged] CONTAINER CMD...`:
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
import { StateError, UsageError } from '../../errors.js';

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
  });
  return code;
}
