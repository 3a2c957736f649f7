// `import --change`: the Dockerfile instructions docker import accepts (CMD, ENTRYPOINT, ENV,
// EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR), applied to an image's
// container config in order. Pure.
import { posix } from 'node:path';
import { ImageError } from '../errors.js';
import type { ContainerConfig, HealthConfig } from './config.js';

/** JSON form `["a", "b"]`, or undefined when the text is not a JSON array of strings. */
function jsonArray(text: string): string[] | undefined {
  if (!text.trim().startsWith('[')) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Exec form as given, or shell form through /bin/sh -c (Dockerfile's rule). */
function command(text: string): string[] {
  return jsonArray(text) ?? ['/bin/sh', '-c', text];
}

/** Words of `k=v k2="v 2"`, quotes removed, backslash escapes honoured. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length && quote !== "'") {
      cur += text[++i];
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new ImageError(`unterminated quote in '${text}'`);
  if (inWord) words.push(cur);
  return words;
}

/** `k=v` pairs, or the legacy `KEY value with spaces` form. */
function pairs(instruction: string, rest: string): [string, string][] {
  const words = splitWords(rest);
  if (words.length === 0) throw new ImageError(`${instruction} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^\s*(\S+)\s+(.*)$/.exec(rest);
    if (!m) throw new ImageError(`${instruction} requires at least two arguments, e.g. ${instruction} KEY=value`);
    return [[m[1]!, splitWords(m[2]!).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new ImageError(`${instruction} ${w}: expected KEY=value`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Go durations as Dockerfile flags take them: 30s, 1m30s, 500ms, 1h. In nanoseconds. */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== text.length || text === '') throw new ImageError(`invalid duration '${text}': use e.g. 30s, 1m30s, 500ms`);
  return Math.round(total);
}

function healthcheck(rest: string): HealthConfig {
  const words = rest.trim();
  if (/^NONE$/i.test(words)) return { Test: ['NONE'] };
  const h: HealthConfig = {};
  let text = words;
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s*/.exec(text);
    if (!m) break;
    text = text.slice(m[0].length);
    const [, flag, value] = m as unknown as [string, string, string];
    if (flag === 'interval') h.Interval = parseGoDuration(value);
    else if (flag === 'timeout') h.Timeout = parseGoDuration(value);
    else if (flag === 'start-period') h.StartPeriod = parseGoDuration(value);
    else if (flag === 'start-interval') h.StartInterval = parseGoDuration(value);
    else if (flag === 'retries') h.Retries = Number(value);
    else throw new ImageError(`HEALTHCHECK: unknown flag --${flag}`);
  }
  const cmd = /^CMD\s+(.*)$/is.exec(text);
  if (!cmd) throw new ImageError('HEALTHCHECK: expected NONE or [OPTIONS] CMD command');
  const exec = jsonArray(cmd[1]!);
  h.Test = exec ? ['CMD', ...exec] : ['CMD-SHELL', cmd[1]!];
  return h;
}

/** Apply one instruction (`CMD ["sh"]`, `ENV A=1`, ...). */
export function applyChange(config: ContainerConfig, change: string): ContainerConfig {
  const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(change);
  if (!m) throw new ImageError(`${change.trim() || '(empty)'} is not a valid change command`);
  const instruction = m[1]!.toUpperCase();
  const rest = (m[2] ?? '').trim();
  const c: ContainerConfig = { ...config };
  switch (instruction) {
    case 'CMD':
      c.Cmd = command(rest);
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = command(rest);
      break;
    case 'ENV': {
      const env = [...(c.Env ?? [])];
      for (const [k, v] of pairs('ENV', rest)) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i === -1) env.push(`${k}=${v}`);
        else env[i] = `${k}=${v}`;
      }
      c.Env = env;
      break;
    }
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs('LABEL', rest)) };
      break;
    case 'EXPOSE': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      for (const p of splitWords(rest)) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw new ImageError(`EXPOSE ${p}: expected PORT[/PROTOCOL]`);
        ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
      }
      c.ExposedPorts = ports;
      break;
    }
    case 'USER':
      if (!rest) throw new ImageError('USER requires exactly one argument');
      c.User = rest;
      break;
    case 'WORKDIR':
      if (!rest) throw new ImageError('WORKDIR requires exactly one argument');
      c.WorkingDir = posix.resolve(c.WorkingDir || '/', rest);
      break;
    case 'STOPSIGNAL':
      if (!rest) throw new ImageError('STOPSIGNAL requires exactly one argument');
      c.StopSignal = rest;
      break;
    case 'VOLUME': {
      const vols = { ...(c.Volumes ?? {}) };
      for (const v of jsonArray(rest) ?? splitWords(rest)) vols[v] = {};
      c.Volumes = vols;
      break;
    }
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), rest];
      break;
    case 'HEALTHCHECK':
      c.Healthcheck = healthcheck(rest);
      break;
    default:
      throw new ImageError(`${instruction} is not a valid change command`);
  }
  return c;
}

export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  return changes.reduce(applyChange, config);
}
