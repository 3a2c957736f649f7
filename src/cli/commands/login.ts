// `sandbox login [-u USER] [-p PASS | --password-stdin] [SERVER]`: check the credentials against
// the registry (GET /v2/, answering its challenge with them) and only then save them in the
// auth file (podman's $XDG_RUNTIME_DIR/containers/auth.json, 0600). Prompts on a terminal as
// docker does; refuses to prompt anywhere else.
import { ImageError, UsageError } from '../../errors.js';
import { DEFAULT_REGISTRY } from '../../image/reference.js';
import { RegistryClient } from '../../image/registry/client.js';
import { registryKey, storeCredentials, type Credentials } from '../../image/registry/credentials.js';
import { loginOptions } from '../command-options.js';
import { findCommand } from '../command-table.js';
import type { CommandContext } from '../context.js';
import { parseCommandArgs } from '../parse.js';

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) text += chunk.toString();
  return text;
}

/** One line typed at the terminal; with `secret` nothing is echoed. */
function prompt(ctx: CommandContext, question: string, secret: boolean): Promise<string> {
  const stdin = ctx.stdin as NodeJS.ReadStream;
  ctx.stdout.write(question);
  return new Promise((resolve) => {
    let text = '';
    const raw = secret && typeof stdin.setRawMode === 'function';
    if (raw) stdin.setRawMode(true);
    const done = () => {
      stdin.off('data', onData);
      if (raw) {
        stdin.setRawMode(false);
        ctx.stdout.write('\n');
      }
      stdin.pause();
      resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') {
          if (raw) stdin.setRawMode(false);
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

export async function command(args: string[], ctx: CommandContext): Promise<number> {
  const { options, positionals } = parseCommandArgs(loginOptions, args, 'login', findCommand('login'));
  const server = registryKey(positionals[0] ?? DEFAULT_REGISTRY);
  const tty = (ctx.stdin as NodeJS.ReadStream).isTTY === true;
  let username = options.username;
  let password = options.password;
  if (password !== undefined) {
    if (options.passwordStdin) throw new UsageError('--password and --password-stdin are mutually exclusive');
    ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  if (options.passwordStdin) {
    if (username === undefined) throw new UsageError('Must provide --username with --password-stdin');
    password = (await readAll(ctx.stdin)).replace(/\r?\n$/, '');
  }
  if (username === undefined || password === undefined) {
    if (!tty) throw new ImageError('Cannot perform an interactive login from a non TTY device');
    if (username === undefined) username = (await prompt(ctx, 'Username: ', false)).trim();
    if (password === undefined) password = await prompt(ctx, 'Password: ', true);
  }
  if (username === '') throw new UsageError('Username is required: give it with -u or at the prompt');
  if (password === '') throw new UsageError('Password is required: give it with --password-stdin or at the prompt');
  const credentials: Credentials = { username, password };
  const client = new RegistryClient(server, { env: ctx.env, tlsVerify: options.tlsVerify, credentials });
  const res = await client.ping();
  if (res.status !== 200) {
    throw new ImageError(`login attempt to ${client.base}/v2/ failed with status: ${res.status} ${res.status === 401 ? 'Unauthorized' : ''}`.trim());
  }
  await storeCredentials(server, credentials, ctx.env);
  ctx.stdout.write('Login Succeeded\n');
  return 0;
}
