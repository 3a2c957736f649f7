// Options -> RunSpec. Pure: the caller's environment is passed in (for `-e NAME`, which copies
// the caller's value, and sets nothing when the caller has none).
import type { RunSpec } from './types.js';

/** The subset of parsed run options this stage reads (cli/run-options' RunOptions satisfies it). */
export interface FillInput {
  rm: boolean;
  detach: boolean;
  env: string[];
  entrypoint: string | undefined;
  user: string | undefined;
  groupAdd: string[];
  workdir: string | undefined;
  hostname: string | undefined;
  name: string | undefined;
  tty: boolean;
  interactive: boolean;
  capAdd: string[];
  capDrop: string[];
  readOnly: boolean;
}

/** `-e NAME=value` as given; `-e NAME` copies the caller's value or is dropped. */
export function resolveEnvArgs(entries: string[], callerEnv: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq >= 0) {
      out.push(e);
      continue;
    }
    const v = callerEnv[e];
    if (v !== undefined) out.push(`${e}=${v}`);
  }
  return out;
}

export function fillRunSpec(opts: FillInput, image: string, command: string[], callerEnv: NodeJS.ProcessEnv): RunSpec {
  return {
    image,
    identity: { name: opts.name, hostname: opts.hostname },
    process: {
      command,
      // docker passes --entrypoint as one argv element; "" resets it.
      entrypoint: opts.entrypoint === undefined ? undefined : opts.entrypoint === '' ? [] : [opts.entrypoint],
      env: resolveEnvArgs(opts.env, callerEnv),
      user: opts.user,
      groupAdd: opts.groupAdd,
      workdir: opts.workdir,
      tty: opts.tty,
      interactive: opts.interactive,
    },
    lifecycle: { rm: opts.rm, detach: opts.detach },
    security: { capAdd: opts.capAdd, capDrop: opts.capDrop, readOnly: opts.readOnly },
  };
}
