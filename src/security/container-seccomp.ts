// Which seccomp filter a container gets: none with --privileged or seccomp=unconfined (docker's
// rule), else the default profile or the user's, resolved for this container's capabilities,
// architecture and kernel.
import { createHash } from 'node:crypto';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import type { SecurityOptions } from '../spec/security.js';
import { DEFAULT_SECCOMP_PROFILE } from './default-seccomp.js';
import { resolveSeccompProfile, type OciSeccomp } from './seccomp-profile.js';

export function containerSeccomp(s: SecurityOptions, capabilities: readonly string[], host: { arch: string; kernel: string } = { arch: process.arch, kernel: release() }): OciSeccomp | undefined {
  if (s.privileged || s.seccomp.mode === 'unconfined') return undefined;
  const profile = s.seccomp.mode === 'profile' ? s.seccomp.profile : DEFAULT_SECCOMP_PROFILE;
  if (!profile) throw new Error(`internal: the seccomp profile ${s.seccomp.mode === 'profile' ? s.seccomp.path : ''} was not loaded`);
  return resolveSeccompProfile(profile, { capabilities, ...host });
}

/** Bump when the native side's compiled form changes meaning (libseccomp output is stable). */
const CACHE_FORMAT = 'bpf-v1';

/**
 * <data>/seccomp/<sha256>.bpf for a container in <data>/containers/<id>: the name is the hash of
 * the resolved rules and the architecture, so equal profiles share one compiled program and a
 * changed profile can never meet a stale one. Only the user can write there (the data dir is
 * 0700, and no container sees it).
 */
export function seccompCacheFile(stateDir: string, seccomp: OciSeccomp, arch: string = process.arch): string {
  const key = createHash('sha256').update(`${CACHE_FORMAT}\n${arch}\n${JSON.stringify(seccomp)}`).digest('hex');
  return join(dirname(dirname(stateDir)), 'seccomp', `${key}.bpf`);
}
