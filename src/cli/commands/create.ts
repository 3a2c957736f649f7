// `sandbox create [OPTIONS] IMAGE [COMMAND] [ARG...]`: run's pipeline up to a container that
// exists but has not started (status Created); `sandbox start` runs it, detached.
import type { CommandContext } from '../context.js';
import { command as run } from './run.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  return run(args, ctx, 'create');
}
