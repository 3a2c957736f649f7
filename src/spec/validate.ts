// Checks on a completed spec that no single earlier stage can make. Pure; throws SpecError
// (exit 125) with one line naming the value and the fix.
import { SpecError } from '../errors.js';
import type { CompletedSpec } from './types.js';
import { validateNamespaces } from './namespaces.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function validateRunSpec(c: CompletedSpec): CompletedSpec {
  const { spec } = c;
  if (!c.cwd.startsWith('/')) {
    throw new SpecError(`the working directory '${c.cwd}' is invalid, it needs to be an absolute path`);
  }
  if (spec.identity.name !== undefined && !NAME_RE.test(spec.identity.name)) {
    throw new SpecError(`Invalid container name (${spec.identity.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  if (c.hostname.length > 253 || !HOSTNAME_RE.test(c.hostname)) {
    throw new SpecError(`invalid hostname '${c.hostname}' for --hostname: use letters, digits, '-' and '.' (RFC 1123)`);
  }
  for (const e of c.env) {
    if (e.startsWith('=') || e.includes('\0')) throw new SpecError(`invalid environment variable '${e}': use NAME=value`);
  }
  validateNamespaces(spec.namespaces, spec.identity.hostname, spec.network.network, spec.userns?.mode);
  return c;
}
