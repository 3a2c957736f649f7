// --log-driver and --log-opt: which log the monitor writes and how it rotates, and the
// attributes `logs --details` prints (docker's json-file options). Pure: the container's
// identity, labels and env are passed in once they are known.
import { SpecError } from '../errors.js';
import { renderTemplate } from '../format/template.js';

/** Drivers that mean "our log file": podman's name, docker's name for the same idea. */
const FILE_DRIVERS = ['k8s-file', 'json-file'] as const;
/** docker's other drivers: each needs a daemon-side service we don't have (or root). */
const SERVICE_DRIVERS = ['journald', 'syslog', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries', 'local', 'passthrough'];
/** json-file's options (docker's ValidateLogOpt), which k8s-file takes here too. */
const FILE_OPTIONS = ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'];

export type LogDriver = (typeof FILE_DRIVERS)[number] | 'none';

/** config.json's sandbox.log (docs/native-interface.md); absent: k8s-file with our defaults. */
export interface LogSettings {
  driver: LogDriver;
  /** The --log-opt values as given (inspect's HostConfig.LogConfig.Config). */
  options: Record<string, string>;
  /** Bytes per file before rotation; absent: the default cap (runtime/launch LOG_MAX_SIZE). */
  maxSize?: number;
  /** Files kept in all, the current one included (docker's max-file); absent: 2. */
  maxFiles?: number;
  /** What `logs --details` prints before each line (tag, labels, env), filled at create. */
  attrs?: Record<string, string>;
}

const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/** docker's units.FromHumanSize (decimal multiples: 10m = 10,000,000 bytes), as json-file reads max-size. */
function humanSize(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (m[2] ? DECIMAL[m[2].toLowerCase()]! : 1));
}

function parseBool(value: string): boolean | undefined {
  return ['1', 't', 'true', 'TRUE', 'True'].includes(value) ? true : ['0', 'f', 'false', 'FALSE', 'False'].includes(value) ? false : undefined;
}

function compileRegex(value: string, key: string): RegExp {
  try {
    return new RegExp(value);
  } catch (err) {
    throw new SpecError(`invalid value "${value}" for --log-opt ${key}: ${(err as Error).message}`);
  }
}

/** The log settings from the two flags, every bad value refused with one line. */
export function parseLogSettings(driverFlag: string | undefined, opts: string[]): LogSettings {
  const driver = driverFlag === undefined || driverFlag === '' ? 'k8s-file' : driverFlag;
  if (SERVICE_DRIVERS.includes(driver)) {
    throw new SpecError(`--log-driver ${driver}: not supported: a rootless container's output goes to its own log file; use --log-driver k8s-file (the default, also called json-file) or none`);
  }
  if (driver !== 'none' && !(FILE_DRIVERS as readonly string[]).includes(driver)) {
    throw new SpecError(`--log-driver ${driver}: no log driver named '${driver}' is registered; use k8s-file (the default), json-file or none`);
  }
  const options: Record<string, string> = {};
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new SpecError(`invalid value "${o}" for --log-opt: use KEY=VALUE (e.g. max-size=10m)`);
    const key = o.slice(0, eq);
    if (driver === 'none') throw new SpecError(`--log-opt ${o}: the none log driver takes no options`);
    if (!FILE_OPTIONS.includes(key)) throw new SpecError(`--log-opt ${o}: unknown log opt '${key}' for ${driver} log driver (known: ${FILE_OPTIONS.join(', ')})`);
    options[key] = o.slice(eq + 1);
  }
  // Sorted by key: docker prints LogConfig.Config as a Go map, whose keys come out sorted.
  const sorted = Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const settings: LogSettings = { driver: driver as LogDriver, options: sorted };
  if (options['max-size'] !== undefined) {
    const size = humanSize(options['max-size']);
    if (size === undefined) throw new SpecError(`invalid value "${options['max-size']}" for --log-opt max-size: use a size such as 10m or 1g`);
    if (size <= 0) throw new SpecError(`invalid value "${options['max-size']}" for --log-opt max-size: max-size must be a positive number`);
    settings.maxSize = size;
  }
  if (options['max-file'] !== undefined) {
    const v = options['max-file'];
    if (!/^\d+$/.test(v)) throw new SpecError(`invalid value "${v}" for --log-opt max-file: want a whole number of files`);
    if (Number(v) < 1) throw new SpecError(`invalid value "${v}" for --log-opt max-file: max-file cannot be less than 1`);
    settings.maxFiles = Number(v);
  }
  if (options.compress !== undefined) {
    const b = parseBool(options.compress);
    if (b === undefined) throw new SpecError(`invalid value "${options.compress}" for --log-opt compress: use true or false`);
    if (b) throw new SpecError(`--log-opt compress=${options.compress}: compressing rotated log files is not supported; leave it out (rotated files stay plain)`);
  }
  for (const key of ['labels-regex', 'env-regex']) if (options[key]) compileRegex(options[key]!, key);
  if (options.tag !== undefined) tagFor(options.tag, { id: '0'.repeat(64), name: 'x', imageId: 'sha256:' + '0'.repeat(64), imageName: 'x' });
  return settings;
}

export interface LogIdentity {
  id: string;
  name: string;
  imageId: string;
  imageName: string;
}

/** docker's log tag template ({{.ID}} {{.FullID}} {{.Name}} {{.ImageID}} {{.ImageFullID}} {{.ImageName}} {{.DaemonName}}). */
export function tagFor(template: string, who: LogIdentity): string {
  const imageHex = who.imageId.replace(/^sha256:/, '');
  const data = { ID: who.id.slice(0, 12), FullID: who.id, Name: who.name, ImageID: imageHex.slice(0, 12), ImageFullID: who.imageId, ImageName: who.imageName, DaemonName: 'sandbox' };
  try {
    return renderTemplate(template, data);
  } catch (err) {
    throw new SpecError(`invalid value "${template}" for --log-opt tag: ${(err as Error).message}`);
  }
}

/**
 * The attributes json-file keeps with each line (docker's Info.ExtraAttributes, plus tag when
 * asked): `labels`/`env` name keys, `labels-regex`/`env-regex` match them; absent keys are skipped.
 */
export function logAttributes(settings: LogSettings, who: LogIdentity & { labels: Record<string, string>; env: string[] }): Record<string, string> {
  const o = settings.options;
  const attrs: Record<string, string> = {};
  const envMap = new Map<string, string>();
  for (const e of who.env) {
    const eq = e.indexOf('=');
    if (eq > 0) envMap.set(e.slice(0, eq), e.slice(eq + 1));
  }
  for (const k of o.labels ? o.labels.split(',') : []) if (k in who.labels) attrs[k] = who.labels[k]!;
  if (o['labels-regex']) {
    const re = compileRegex(o['labels-regex'], 'labels-regex');
    for (const [k, v] of Object.entries(who.labels)) if (re.test(k)) attrs[k] = v;
  }
  for (const k of o.env ? o.env.split(',') : []) if (envMap.has(k)) attrs[k] = envMap.get(k)!;
  if (o['env-regex']) {
    const re = compileRegex(o['env-regex'], 'env-regex');
    for (const [k, v] of envMap) if (re.test(k)) attrs[k] = v;
  }
  if (o.tag !== undefined) {
    const tag = tagFor(o.tag, who);
    if (tag !== '') attrs.tag = tag;
  }
  return attrs;
}
