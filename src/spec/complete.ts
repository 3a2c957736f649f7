// RunSpec + image -> everything the runtime config needs (docker's rules for Entrypoint/Cmd,
// Env, User, WorkingDir). Pure: the image's config and its passwd/group text are passed in.
import { SpecError } from '../errors.js';
import type { ImageConfig } from '../image/config.js';
import { resolveCapabilities } from './capabilities.js';
import { securityWarnings } from './security.js';
import type { CompletedSpec, RunSpec, Warning } from './types.js';
import { resolveUser } from './user.js';
import { keepIdEtcFiles } from './userns.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageInputs {
  id: string;
  name: string;
  config: ImageConfig;
  layerDirs: string[];
  /** The image's /etc/passwd and /etc/group, when present. */
  passwd: string | undefined;
  group: string | undefined;
}

/** Replace NAME=... if present, else append (docker's ReplaceOrAppendEnvValues). */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const nameOf = (kv: string) => (kv.includes('=') ? kv.slice(0, kv.indexOf('=')) : kv);
  const out = [...base];
  for (const kv of overrides) {
    const i = out.findIndex((e) => nameOf(e) === nameOf(kv));
    if (i >= 0) out[i] = kv;
    else out.push(kv);
  }
  return out;
}

/** Entrypoint + Cmd as docker combines them. */
export function commandLine(spec: RunSpec, config: ImageConfig): string[] {
  const c = config.config ?? {};
  const entrypoint = spec.process.entrypoint ?? c.Entrypoint ?? [];
  // Overriding the entrypoint clears the image's Cmd; a given COMMAND replaces it.
  const cmd = spec.process.command.length > 0 ? spec.process.command : spec.process.entrypoint !== undefined ? [] : c.Cmd ?? [];
  return [...entrypoint, ...cmd];
}

export function completeRunSpec(spec: RunSpec, image: ImageInputs, containerId: string): { completed: CompletedSpec; warnings: Warning[] } {
  const warnings: Warning[] = [...securityWarnings(spec.security)];
  const c = image.config.config ?? {};
  const args = commandLine(spec, image.config);
  if (args.length === 0) throw new SpecError(`no command specified: the image ${image.name} has no Cmd or Entrypoint; give a COMMAND`);

  const hostname = spec.identity.hostname ?? containerId.slice(0, 12);
  const cwd = spec.process.workdir ?? (c.WorkingDir || '/');
  // keep-id: you run as your own ids inside unless --user says otherwise (podman's default);
  // run fills your ids and name into the request (spec/userns withOwnIds) before this stage.
  const ns = spec.userns;
  const keep = ns?.mode === 'keep-id' ? { uid: ns.uid ?? 0, gid: ns.gid ?? 0 } : undefined;
  const keepEtc = keep && ns?.mode === 'keep-id' ? keepIdEtcFiles(keep, ns.name ?? `user${keep.uid}`, cwd, image.passwd, image.group) : {};
  const userSpec = spec.process.user ?? (keep ? `${keep.uid}:${keep.gid}` : c.User ?? '');
  const userFlag = spec.process.user !== undefined ? '--user' : keep ? '--userns=keep-id' : 'image User';
  const user = resolveUser(userSpec, keepEtc.passwd ?? image.passwd, keepEtc.group ?? image.group, spec.process.groupAdd, userFlag);

  // docker: PATH default and HOSTNAME first (TERM with a tty), then the image's Env and the -e
  // values replace or append; HOME is added last when nobody set it.
  let env = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`];
  if (spec.process.tty) env.push('TERM=xterm');
  env = mergeEnv(env, c.Env ?? []);
  env = mergeEnv(env, spec.process.env);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);

  return {
    completed: {
      spec,
      imageId: image.id,
      imageName: image.name,
      imageConfig: image.config,
      layerDirs: image.layerDirs,
      containerId,
      hostname,
      args,
      env,
      cwd,
      user,
      capabilities: resolveCapabilities(spec.security.capAdd, spec.security.capDrop, spec.security.privileged),
      ...(keep ? { keepId: { ...keep, ...keepEtc } } : {}),
    },
    warnings,
  };
}
