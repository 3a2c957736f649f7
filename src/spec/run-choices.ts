// Options that choose among things docker has several of and we have one (--runtime,
// --isolation, --disable-content-trust, --gpus), plus --annotation and -a/--attach. Pure: the
// host's GPU device nodes come in as a list (run-host reads /dev).
import { SpecError } from '../errors.js';

/** Our runtime's name, as `inspect` shows it in HostConfig.Runtime. */
export const RUNTIME_NAME = 'sandbox';

export type AttachStream = 'stdin' | 'stdout' | 'stderr';

/**
 * --runtime: one runtime is built in, so only its name is accepted; anything else (runc,
 * crun, kata, nvidia) would be a promise we don't keep, refused as docker's daemon refuses a
 * runtime it doesn't know.
 */
export function checkRuntime(value: string | undefined): void {
  if (value === undefined || value === '' || value === RUNTIME_NAME) return;
  throw new SpecError(`unknown or invalid runtime name: ${value} (--runtime: sandbox is its own runtime; use --runtime=${RUNTIME_NAME} or leave it out)`);
}

/** --isolation: docker on Linux knows only 'default' (docker's message). */
export function checkIsolation(value: string | undefined): void {
  if (value === undefined || value === '' || value === 'default') return;
  throw new SpecError(`invalid isolation: "${value}" - linux only supports 'default' (--isolation)`);
}

/**
 * --disable-content-trust (docker's default: true, trust off). We verify every blob against its
 * digest but have no Notary signatures, so asking for trust (=false) is refused rather than
 * ignored.
 */
export function checkContentTrust(disabled: boolean | undefined): void {
  if (disabled === false) throw new SpecError('--disable-content-trust=false: content trust (signed images, Notary) is not supported; images are verified by digest only. Leave the flag out.');
}

/**
 * --gpus: docker hands GPUs over through the NVIDIA container toolkit's hook, which needs its
 * libraries and a root-side setup we don't run. Refused with what is there instead.
 */
export function checkGpus(requests: readonly string[], gpuDevices: readonly string[]): void {
  if (requests.length === 0) return;
  const value = requests.join(',');
  if (gpuDevices.length === 0) throw new SpecError(`invalid value "${value}" for --gpus: this host has no GPU devices (no /dev/nvidia*)`);
  throw new SpecError(
    `invalid value "${value}" for --gpus: GPU requests need the NVIDIA container toolkit's hook, which sandbox does not run; pass the devices with ${gpuDevices.map((d) => `--device ${d}`).join(' ')} and bind the driver's libraries with -v`,
  );
}

/** --annotation KEY=VALUE (docker's map: KEY alone means an empty value). */
export function parseAnnotations(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    if (key === '' || /\s/.test(key)) throw new SpecError(`invalid argument "${w}" for "--annotation" flag: use KEY=VALUE`);
    out[key] = eq < 0 ? '' : w.slice(eq + 1);
  }
  return out;
}

/**
 * -a/--attach: the streams a foreground run is connected to; undefined when not given (docker:
 * stdout and stderr, and stdin with -i). Docker's wording for a bad one; -d conflicts.
 */
export function parseAttach(words: readonly string[], detach: boolean): AttachStream[] | undefined {
  if (words.length === 0) return undefined;
  const out: AttachStream[] = [];
  for (const w of words) {
    const s = w.toLowerCase();
    if (s !== 'stdin' && s !== 'stdout' && s !== 'stderr') throw new SpecError(`invalid argument "${w}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
    if (!out.includes(s)) out.push(s);
  }
  if (detach) throw new SpecError('conflicting options: cannot specify both --attach and --detach');
  return out;
}
