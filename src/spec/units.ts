// Byte sizes as docker reads them (go-units RAMInBytes: binary multiples, "64m", "1.5g",
// "512k", "100b", "2GiB"), and numbers checked against a range. Pure; errors name the flag.
import { SpecError } from '../errors.js';

const SIZE_RE = /^(\d+(?:\.\d+)?) ?([kmgtp])?(i)?(b)?$/i;
const MULTIPLIER: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Bytes for `value` (no unit = bytes); `flag` names the option in the error. */
export function parseBytes(value: string, flag: string): number {
  const m = SIZE_RE.exec(value.trim());
  if (!m) throw new SpecError(`invalid value "${value}" for ${flag}: use a number with an optional unit b, k, m or g (e.g. 64m)`);
  const unit = m[2]?.toLowerCase();
  const bytes = Math.floor(Number(m[1]) * (unit ? MULTIPLIER[unit]! : 1));
  if (!Number.isSafeInteger(bytes)) throw new SpecError(`invalid value "${value}" for ${flag}: too large`);
  return bytes;
}

/** A whole number in [min, max] (docker's int flags), else one line naming the flag. */
export function parseIntInRange(value: string, flag: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new SpecError(`invalid value "${value}" for ${flag}: not a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new SpecError(`invalid value "${value}" for ${flag}: must be between ${min} and ${max}`);
  return n;
}
