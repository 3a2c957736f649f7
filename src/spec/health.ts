// The healthcheck a container runs: --health-* flags over the image's HEALTHCHECK (docker's
// merge: a flag given wins, each duration separately; --no-healthcheck or Test ["NONE"] turns
// it off). Pure. The monitor runs it (addon/monitor/health.h) from the runtime config's
// sandbox.healthcheck.
import { SpecError } from '../errors.js';
import type { HealthConfig } from '../image/config.js';

export interface HealthFlags {
  healthCmd?: string | undefined;
  healthInterval?: string | undefined;
  healthTimeout?: string | undefined;
  healthStartPeriod?: string | undefined;
  healthStartInterval?: string | undefined;
  healthRetries?: string | undefined;
  noHealthcheck?: boolean | undefined;
}

/** sandbox.healthcheck in the runtime config (milliseconds; 0 = docker's default). */
export interface HealthcheckSpec {
  test: string[];
  /** docker's Config.Healthcheck.Test, for inspect. */
  dockerTest: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, to milliseconds. */
export function parseGoDuration(text: string, flag: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  if (!/^((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/.test(t)) {
    throw new SpecError(`invalid argument "${text}" for "--${flag}" flag: time: invalid duration "${text}"`);
  }
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

export function healthcheckFrom(flags: HealthFlags, image: HealthConfig | undefined): HealthcheckSpec | undefined {
  const given = [flags.healthCmd, flags.healthRetries].some((v) => v !== undefined) ||
    [flags.healthInterval, flags.healthTimeout, flags.healthStartPeriod, flags.healthStartInterval].some((v) => v !== undefined && v !== '0s' && v !== '0');
  if (flags.noHealthcheck) {
    if (given) throw new SpecError('--no-healthcheck conflicts with --health-* options');
    return undefined;
  }
  const dur = (v: string | undefined, flag: string, imageNs: number | undefined) => {
    const ms = v !== undefined ? parseGoDuration(v, flag) : 0;
    if (ms < 0) throw new SpecError(`--${flag} cannot be negative`);
    return ms > 0 ? ms : imageNs ? imageNs / 1e6 : 0;
  };
  const dockerTest = flags.healthCmd !== undefined ? ['CMD-SHELL', flags.healthCmd] : (image?.Test ?? []);
  if (dockerTest.length === 0 || dockerTest[0] === 'NONE') return undefined;
  let test: string[];
  if (dockerTest[0] === 'CMD') test = dockerTest.slice(1);
  else if (dockerTest[0] === 'CMD-SHELL') test = ['/bin/sh', '-c', dockerTest.slice(1).join(' ')];
  else throw new SpecError(`unknown healthcheck type '${dockerTest[0]}' (want CMD, CMD-SHELL or NONE)`);
  if (test.length === 0) return undefined;
  const retries = flags.healthRetries !== undefined ? Number(flags.healthRetries) : (image?.Retries ?? 0);
  if (!Number.isInteger(retries) || retries < 0) throw new SpecError('--health-retries cannot be negative');
  const ms = {
    intervalMs: dur(flags.healthInterval, 'health-interval', image?.Interval),
    timeoutMs: dur(flags.healthTimeout, 'health-timeout', image?.Timeout),
    startPeriodMs: dur(flags.healthStartPeriod, 'health-start-period', image?.StartPeriod),
    startIntervalMs: dur(flags.healthStartInterval, 'health-start-interval', image?.StartInterval),
  };
  // docker refuses intervals under 1 ms... and timeouts likewise; ours are whole ms.
  return { test, dockerTest, ...ms, retries };
}
