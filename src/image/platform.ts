// Platforms and manifest selection: which entry of an image index (OCI) or manifest list
// (docker) this host runs. Pure; the registry client (--platform) will reuse it.
import { ImageError } from '../errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Node's process.arch in GOARCH spelling, the spelling image configs and indexes use. */
const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le', // Node says ppc64 on little-endian POWER, the only one Linux images target
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64el: 'mips64le',
  loong64: 'loong64',
};

export function hostPlatform(arch: string = process.arch): Platform {
  const p: Platform = { os: 'linux', architecture: GOARCH[arch] ?? arch };
  if (arch === 'arm') p.variant = 'v7';
  if (arch === 'arm64') p.variant = 'v8';
  return p;
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** Parse `linux/amd64`, `linux/arm/v7`, `arm64` (os defaults to linux). */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.some((x) => !/^[a-z0-9_.-]+$/.test(x)) || parts.length > 3) {
    throw new ImageError(`invalid platform '${s}'; use OS/ARCH[/VARIANT], e.g. linux/amd64`);
  }
  const [os, architecture, variant] = parts.length === 1 ? ['linux', parts[0]!] : parts;
  const p: Platform = { os: os!, architecture: architecture! };
  if (variant) p.variant = variant;
  return p;
}

/** A manifest entry as found in an image index / manifest list. */
export interface PlatformEntry {
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** Buildkit stores provenance/SBOM manifests next to the images, with platform unknown/unknown. */
function isAttestation(e: PlatformEntry): boolean {
  return e.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || e.platform?.os === 'unknown';
}

/**
 * The entry for `want`: os and architecture must match; the variant must match when both sides
 * name one (arm64 images often omit v8). With no platform information at all and a single
 * candidate, that candidate is taken. Undefined when nothing fits.
 */
export function selectPlatform<T extends PlatformEntry>(entries: readonly T[], want: Platform): T | undefined {
  const candidates = entries.filter((e) => !isAttestation(e));
  const fits = candidates.filter(
    (e) =>
      e.platform?.os === want.os &&
      e.platform?.architecture === want.architecture &&
      (want.variant === undefined || e.platform?.variant === undefined || e.platform.variant === want.variant),
  );
  if (fits.length > 0) {
    // Prefer an exact variant match over an entry that just left the variant out.
    return fits.find((e) => e.platform?.variant === want.variant) ?? fits[0];
  }
  if (candidates.length === 1 && candidates[0]!.platform === undefined) return candidates[0];
  return undefined;
}
