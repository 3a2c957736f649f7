// `sandbox logout [SERVER]`: remove the server's entry from the auth file sandbox login writes.
// Credentials that only docker's own config holds are docker's to remove (`docker logout`).
import { DEFAULT_REGISTRY } from '../../image/reference.js';
import { dockerConfigFile, lookupCredentials, registryKey, removeCredentials } from '../../image/registry/credentials.js';
import { logoutOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(logoutOptions, args, 'logout', findCommand('logout'));
  const server = registryKey(positionals[0] ?? DEFAULT_REGISTRY);
  if (await removeCredentials(server, ctx.env)) {
    ctx.stdout.write(`Removing login credentials for ${server}\n`);
    return 0;
  }
  const other = await lookupCredentials(server, ctx.env);
  if (other && other.file === dockerConfigFile(ctx.env)) {
    ctx.stdout.write(`Not logged in to ${server} with sandbox; the credentials in ${other.file} were saved by docker login: remove them with docker logout\n`);
    return 0;
  }
  ctx.stdout.write(`Not logged in to ${server}\n`);
  return 0;
}
