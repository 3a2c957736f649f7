// `sandbox push [-a] [-q] [--tls-verify=false] NAME[:TAG]`: docker's output on stdout (per-layer
// Preparing / Pushing / Pushed / Layer already exists, then `TAG: digest: sha256:... size: N`).
import { ImageError } from '../../errors.js';
import { progressFor, silentProgress } from '../../image/pull-progress.js';
import { localTags, pushImage } from '../../image/push.js';
import { parseReference } from '../../image/reference.js';
import { RegistryClient } from '../../image/registry/client.js';
import { ImageStore } from '../../image/store.js';
import { sandboxPaths } from '../../state/paths.js';
import { pushOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(pushOptions, args, 'push', findCommand('push'));
  const input = positionals[0]!;
  const store = new ImageStore(sandboxPaths(ctx.env));
  const progress = options.quiet ? silentProgress : progressFor(ctx.stdout);
  const common = { env: ctx.env, tlsVerify: options.tlsVerify, progress };
  let targets = [input];
  if (options.allTags) {
    const lastPart = input.slice(input.lastIndexOf('/') + 1);
    if (lastPart.includes(':') || input.includes('@')) throw new ImageError('tag can\'t be used with --all-tags/-a');
    const ref = parseReference(input);
    targets = localTags(await store.readIndex(), ref);
    if (targets.length === 0) throw new ImageError(`An image does not exist locally with the tag: ${ref.familiar.replace(/:latest$/, '')}`);
  }
  const client = new RegistryClient(parseReference(targets[0]!).registry, { env: ctx.env, tlsVerify: options.tlsVerify });
  for (const t of targets) {
    const r = await pushImage(t, store, { ...common, client });
    if (options.quiet) ctx.stdout.write(`${r.ref.canonical}\n`);
  }
  return 0;
}
