// Registry error bodies (distribution spec): {"errors": [{"code": "MANIFEST_UNKNOWN",
// "message": "manifest unknown", "detail": ...}]}, worded as docker words them:
// "manifest unknown: manifest unknown". Pure.
import { STATUS_CODES } from 'node:http';

export interface RegistryErrorEntry {
  code: string;
  message: string;
}

export function parseRegistryErrors(body: Buffer | string): RegistryErrorEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return [];
  }
  const errors = (doc as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is { code?: unknown; message?: unknown } => typeof e === 'object' && e !== null)
    .map((e) => ({ code: typeof e.code === 'string' ? e.code : 'UNKNOWN', message: typeof e.message === 'string' ? e.message : '' }));
}

/** docker's wording of one error code: MANIFEST_UNKNOWN -> "manifest unknown". */
export function codeWords(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}

/** "manifest unknown: manifest unknown", or "404 Not Found" when the body says nothing. */
export function describeRegistryErrors(status: number, body: Buffer | string): string {
  const errors = parseRegistryErrors(body);
  if (errors.length === 0) return `${status} ${STATUS_CODES[status] ?? 'error'}`;
  return errors.map((e) => (e.message ? `${codeWords(e.code)}: ${e.message}` : codeWords(e.code))).join('; ');
}
