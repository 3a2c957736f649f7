// Image references, parsed and normalised the way docker's distribution/reference does it
// (ParseNormalizedNamed + TagNameOnly), so `busybox`, `library/busybox` and
// `docker.io/library/busybox:latest` are one image, and `localhost:5000/lab/busybox` is not.
// Pure: no I/O, one ImageError per malformed reference.
import { ImageError } from '../errors.js';
import type { Digest } from './digest.js';

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';
const OFFICIAL_NAMESPACE = 'library/';
const NAME_MAX = 255; // docker's NameTotalLengthMax

export interface ImageReference {
  /** Registry host, with port when given: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  registry: string;
  /** Path inside the registry, with docker's `library/` for official images. */
  repository: string;
  /** `latest` when neither tag nor digest was given; absent for a digest-only reference. */
  tag?: string;
  digest?: Digest;
  /** docker's short display form: `busybox:latest`, `user/img:1`, `localhost:5000/lab/busybox:latest`. */
  familiar: string;
  /** The full form: `docker.io/library/busybox:latest`, `host:5000/ns/name:tag@sha256:...`. */
  canonical: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[0-9a-fA-F:]+\]$/;
const PORT = /^[0-9]+$/;
const DIGEST_ANY = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX64 = /^[0-9a-f]{64}$/;

function malformed(input: string, why: string): ImageError {
  return new ImageError(
    `invalid reference format: ${why} in '${input}'; use [REGISTRY[:PORT]/]NAME[:TAG][@sha256:DIGEST], e.g. busybox:latest`,
  );
}

function validHost(host: string): boolean {
  let h = host;
  const portAt = h.startsWith('[') ? h.indexOf(']:') + 1 : h.lastIndexOf(':');
  if (portAt > 0) {
    if (!PORT.test(h.slice(portAt + 1))) return false;
    h = h.slice(0, portAt);
  }
  if (IPV6_HOST.test(h)) return true;
  return h.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/**
 * docker's rule for "is the first path component a registry?": it has a `.` or a `:`, is
 * `localhost`, or has an uppercase letter (repository paths are lowercase, hosts need not be).
 */
function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return { registry: DEFAULT_REGISTRY, path: name };
  }
  return { registry: first === 'index.docker.io' ? DEFAULT_REGISTRY : first, path: name.slice(slash + 1) };
}

function familiarName(registry: string, repository: string): string {
  if (registry !== DEFAULT_REGISTRY) return `${registry}/${repository}`;
  const rest = repository.startsWith(OFFICIAL_NAMESPACE) ? repository.slice(OFFICIAL_NAMESPACE.length) : repository;
  return rest.includes('/') ? repository : rest;
}

function format(name: string, tag: string | undefined, digest: string | undefined): string {
  return name + (tag !== undefined ? `:${tag}` : '') + (digest !== undefined ? `@${digest}` : '');
}

/** Parse and normalise a docker image reference; the tag defaults to `latest` unless a digest is given. */
export function parseReference(input: string): ImageReference {
  if (input === '') throw malformed(input, 'empty reference');
  if (HEX64.test(input)) {
    throw new ImageError(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings; use sha256:${input} for an image id`);
  }

  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    if (!DIGEST_ANY.test(d)) throw malformed(input, `bad digest '${d}'`);
    if (!/^sha256:[0-9a-f]{64}$/.test(d)) {
      throw new ImageError(`unsupported digest '${d}' in '${input}': only sha256:<64 lowercase hex> digests are supported`);
    }
    digest = d as Digest;
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    if (!TAG.test(tag)) throw malformed(input, `bad tag '${tag}'`);
    rest = rest.slice(0, colon);
  }

  if (rest === '') throw malformed(input, 'missing repository name');
  if (rest.length > NAME_MAX) throw malformed(input, `repository name longer than ${NAME_MAX} characters`);

  const { registry, path } = splitRegistry(rest);
  // docker.io (every reference without a registry) is valid as it is: no host regexes to compile.
  if (registry !== DEFAULT_REGISTRY && !validHost(registry)) throw malformed(input, `bad registry host '${registry}'`);
  const components = path.split('/');
  const repository = registry === DEFAULT_REGISTRY && components.length === 1 ? OFFICIAL_NAMESPACE + path : path;
  for (const c of components) {
    if (PATH_COMPONENT.test(c)) continue;
    if (PATH_COMPONENT.test(c.toLowerCase())) {
      throw new ImageError(`invalid reference format: repository name (${repository}) must be lowercase in '${input}'`);
    }
    throw malformed(input, c === '' ? 'empty path component' : `bad name component '${c}'`);
  }

  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;

  const ref: ImageReference = {
    registry,
    repository,
    familiar: format(familiarName(registry, repository), tag, digest),
    canonical: format(`${registry}/${repository}`, tag, digest),
  };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** docker's familiar repository name, without tag or digest: `busybox`, `localhost:5000/lab/app`. */
export function familiarRepository(ref: ImageReference): string {
  return familiarName(ref.registry, ref.repository);
}

/** True when the two references name the same repository (registry and path), whatever their tags. */
export function sameRepository(a: ImageReference, b: ImageReference): boolean {
  return a.registry === b.registry && a.repository === b.repository;
}
