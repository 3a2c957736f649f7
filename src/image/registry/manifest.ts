// Manifests as a registry serves them: which media types we ask for, checking the bytes against
// the digest we asked for (a digest reference) or the one the registry claims, and parsing with
// the same code the archive loader uses. Pure.
import { ImageError } from '../../errors.js';
import { MEDIA, parseJson, parseManifestDoc, type Descriptor, type ManifestDoc } from '../archive.js';
import { sha256Digest, type Digest } from '../digest.js';
import { formatPlatform, selectPlatform, type Platform } from '../platform.js';

/** What we accept, most wanted first (OCI before Docker, images before indexes: none is refused). */
export const MANIFEST_ACCEPT = [MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList].join(', ');

const SCHEMA1 = new Set(['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']);

/**
 * The digest of manifest bytes, checked: against `expected` when the reference names a digest
 * (a registry must not substitute content), and against the registry's Docker-Content-Digest
 * header when it sent one.
 */
export function verifyManifest(bytes: Buffer, what: string, expected: Digest | undefined, headerDigest: string | undefined): Digest {
  const actual = sha256Digest(bytes);
  if (expected !== undefined && actual !== expected) {
    throw new ImageError(`manifest ${what} failed verification: expected digest ${expected}, the registry sent content with digest ${actual}; the registry is broken or hostile`);
  }
  if (headerDigest !== undefined && headerDigest.startsWith('sha256:') && headerDigest !== actual) {
    throw new ImageError(`manifest ${what} failed verification: the registry says its digest is ${headerDigest}, its content is ${actual}; the registry is broken or hostile`);
  }
  return actual;
}

/** Parse a manifest or index; schema 1 and non-image artifacts are refused with the reason. */
export function parseRegistryManifest(bytes: Buffer, mediaType: string, what: string): ManifestDoc {
  if (SCHEMA1.has(mediaType)) {
    throw new ImageError(`${what} is a Docker schema 1 manifest, which is deprecated and not supported; push the image again with a current tool (schema 2 or OCI)`);
  }
  const doc = parseJson(bytes, `manifest ${what}`);
  if ((doc as { schemaVersion?: unknown } | null)?.schemaVersion === 1) {
    throw new ImageError(`${what} is a Docker schema 1 manifest, which is deprecated and not supported; push the image again with a current tool (schema 2 or OCI)`);
  }
  // Registries send a generic Content-Type now and then; the document's own field decides then.
  const known = new Set<string>([MEDIA.ociManifest, MEDIA.dockerManifest, MEDIA.ociIndex, MEDIA.dockerList]);
  return parseManifestDoc(doc, known.has(mediaType) ? mediaType : '', `manifest ${what}`);
}

/** The entry of an index for `platform`, or an error listing what the index offers. */
export function chooseFromIndex(manifests: Descriptor[], platform: Platform, what: string): Descriptor {
  const chosen = selectPlatform(manifests, platform);
  if (chosen) return chosen;
  const offered = manifests
    .filter((m) => m.platform?.os && m.platform.os !== 'unknown')
    .map((m) => formatPlatform({ os: m.platform!.os!, architecture: m.platform!.architecture ?? '?', ...(m.platform!.variant ? { variant: m.platform!.variant } : {}) }));
  throw new ImageError(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries of ${what} (it has: ${offered.join(', ') || 'none'}); choose one with --platform`);
}
