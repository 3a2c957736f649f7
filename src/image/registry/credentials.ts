// Registry credentials in the files users already have:
//   $REGISTRY_AUTH_FILE, or $XDG_RUNTIME_DIR/containers/auth.json     podman's; `sandbox login` writes here
//   ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json                podman's fallback (no runtime dir)
//   ${DOCKER_CONFIG:-~/.docker}/config.json                           docker's `auths`, read only
// All three hold {"auths": {"<server>": {"auth": base64("user:password")}}}. Credential helpers
// (docker's credsStore/credHelpers) are not run: a helper is an arbitrary program, and the
// inline entries cover `docker login`/`podman login` on a machine without a keyring.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageError } from '../../errors.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { DEFAULT_REGISTRY } from '../reference.js';

export interface Credentials {
  username: string;
  password: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/**
 * The one spelling of a login server: no scheme, no path (`https://index.docker.io/v1/` is
 * docker.io, `http://127.0.0.1:5000/v2/` is 127.0.0.1:5000), Docker Hub's aliases folded.
 */
export function registryKey(server: string): string {
  let s = server.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = s.indexOf('/');
  if (slash !== -1) s = s.slice(0, slash);
  s = s.toLowerCase();
  return DOCKER_HUB_ALIASES.has(s) ? DEFAULT_REGISTRY : s;
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME ?? '/';
}

function configHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home(env), '.config');
}

/** Where `sandbox login` writes (podman's choice of file). */
export function authFileForWrite(env: NodeJS.ProcessEnv): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  if (env.XDG_RUNTIME_DIR?.startsWith('/')) return join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
  return join(configHome(env), 'containers', 'auth.json');
}

/** Docker's client config file. */
export function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG || join(home(env), '.docker'), 'config.json');
}

/** Every file credentials are read from, first match wins. */
export function authFilesForRead(env: NodeJS.ProcessEnv): string[] {
  const files = [authFileForWrite(env), join(configHome(env), 'containers', 'auth.json'), dockerConfigFile(env)];
  return [...new Set(files)];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The entry for `registry` in an auth file's JSON, decoded; undefined when there is none. Pure. */
export function findCredentials(doc: unknown, registry: string, file = 'auth file'): Credentials | undefined {
  if (!isObject(doc) || !isObject(doc.auths)) return undefined;
  const want = registryKey(registry);
  for (const [server, entry] of Object.entries(doc.auths)) {
    if (registryKey(server) !== want || !isObject(entry)) continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon <= 0) throw new ImageError(`the credentials for ${server} in ${file} are malformed (auth is not base64 of user:password); log in again with 'sandbox login ${want}'`);
      return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  }
  return undefined;
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new ImageError(`cannot read credentials file ${path}: ${(err as Error).message}`);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ImageError(`credentials file ${path} is not valid JSON; fix or remove it, then log in again`);
  }
}

/** The credentials stored for `registry`, and the file they came from. */
export async function lookupCredentials(registry: string, env: NodeJS.ProcessEnv): Promise<{ credentials: Credentials; file: string } | undefined> {
  for (const file of authFilesForRead(env)) {
    const found = findCredentials(await readJsonFile(file), registry, file);
    if (found) return { credentials: found, file };
  }
  return undefined;
}

/** The document with `registry`'s entry set (or removed with `creds` undefined); other entries kept. Pure. */
export function withCredentials(doc: unknown, registry: string, creds: Credentials | undefined): { doc: Json; changed: boolean } {
  const base: Json = isObject(doc) ? { ...doc } : {};
  const auths: Json = isObject(base.auths) ? { ...base.auths } : {};
  const key = registryKey(registry);
  let changed = false;
  for (const server of Object.keys(auths)) {
    if (registryKey(server) === key) {
      delete auths[server];
      changed = true;
    }
  }
  if (creds) {
    auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
    changed = true;
  }
  base.auths = auths;
  return { doc: base, changed };
}

/** Save credentials for `registry` in the auth file (0600, atomically). Returns the file. */
export async function storeCredentials(registry: string, creds: Credentials, env: NodeJS.ProcessEnv): Promise<string> {
  const file = authFileForWrite(env);
  const { doc } = withCredentials(await readJsonFile(file), registry, creds);
  await writeFileAtomic(file, JSON.stringify(doc, null, '\t') + '\n', 0o600);
  return file;
}

/** Remove `registry`'s entry from the auth file; false when it had none. */
export async function removeCredentials(registry: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const file = authFileForWrite(env);
  const { doc, changed } = withCredentials(await readJsonFile(file), registry, undefined);
  if (changed) await writeFileAtomic(file, JSON.stringify(doc, null, '\t') + '\n', 0o600);
  return changed;
}
