// Which URL a registry name is reached at, and how strictly. docker's rules:
//  - docker.io is served by registry-1.docker.io;
//  - loopback registries (localhost, 127.0.0.0/8, ::1) are insecure by default: plain http
//    (docker tries https first and falls back; nothing on loopback needs TLS, so we skip the try);
//  - a registry listed as insecure (`--tls-verify=false`, or `insecure-registries` in
//    $XDG_CONFIG_HOME/sandbox/registries.json, docker daemon.json's key) gets https without
//    certificate verification, falling back to plain http when the server doesn't speak TLS;
//  - everything else is https with verification.
// podman's registries.conf is not read: its TOML would need a parser of its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageError } from '../../errors.js';
import { DEFAULT_REGISTRY } from '../reference.js';

export interface Endpoint {
  /** scheme://host[:port], no trailing slash. */
  base: string;
  insecureTls: boolean;
}

/** Host part of `host:port`, `[v6]:port`. */
export function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon === -1 ? registry : registry.slice(0, colon);
}

export function isLoopback(registry: string): boolean {
  const host = hostOf(registry).toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface EndpointOptions {
  /** false: --tls-verify=false. */
  tlsVerify?: boolean;
  /** From registries.json. */
  insecureRegistries?: readonly string[];
}

/** The endpoints to try for `registry`, in order. Pure. */
export function endpointsFor(registry: string, opts: EndpointOptions = {}): Endpoint[] {
  if (registry === DEFAULT_REGISTRY) return [{ base: 'https://registry-1.docker.io', insecureTls: opts.tlsVerify === false }];
  if (isLoopback(registry)) return [{ base: `http://${registry}`, insecureTls: false }];
  const insecure = opts.tlsVerify === false || (opts.insecureRegistries ?? []).includes(registry);
  if (!insecure) return [{ base: `https://${registry}`, insecureTls: false }];
  return [
    { base: `https://${registry}`, insecureTls: true },
    { base: `http://${registry}`, insecureTls: false },
  ];
}

/** $XDG_CONFIG_HOME/sandbox/registries.json. */
export function registriesConfigFile(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? '/', '.config');
  return join(configHome, 'sandbox', 'registries.json');
}

interface RegistriesConfig {
  insecure: string[];
  blocked: string[];
}

/** registries.json, checked; both lists empty when the file is absent. */
function readRegistriesConfig(env: NodeJS.ProcessEnv): RegistriesConfig {
  const file = registriesConfigFile(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { insecure: [], blocked: [] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ImageError(`${file} is not valid JSON; expected {"insecure-registries": ["host:port", ...], "blocked-registries": [...]}`);
  }
  const list = (key: string): string[] => {
    const v = (doc as Record<string, unknown> | null)?.[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new ImageError(`${file}: "${key}" must be a list of host:port strings`);
    return v;
  };
  return { insecure: list('insecure-registries'), blocked: list('blocked-registries') };
}

/** `insecure-registries` from registries.json; [] when the file is absent. */
export function readInsecureRegistries(env: NodeJS.ProcessEnv): string[] {
  return readRegistriesConfig(env).insecure;
}

/**
 * Refuse a registry that registries.json's `blocked-registries` names (podman's `blocked =
 * true`): a site that forbids a registry, or an offline machine (and the test suite) that must
 * never reach one. `"*"` blocks every registry but loopback ones.
 */
export function checkNotBlocked(registry: string, env: NodeJS.ProcessEnv): void {
  const blocked = readRegistriesConfig(env).blocked;
  if (blocked.includes(registry) || (blocked.includes('*') && !isLoopback(registry))) {
    throw new ImageError(`registry ${registry} is blocked by ${registriesConfigFile(env)} ("blocked-registries"): use another registry, or load the image with 'sandbox load'`);
  }
}
