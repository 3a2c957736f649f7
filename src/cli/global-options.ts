// Flags of `sandbox` itself, given before the command name (`sandbox -D run ...`), as docker's.
import type { OptionTable, ParsedOptions } from './option-spec.js';

export const globalUsage = 'sandbox [OPTIONS] COMMAND';
export const globalSummary = 'A rootless, daemonless container runner: docker run for unprivileged users';

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export const globalOptions = [
  { long: 'debug', short: 'D', kind: 'bool', status: 'built', help: 'Enable debug mode (same as --log-level debug)' },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'log-level', short: 'l', kind: 'string', status: 'built', placeholder: 'string', help: 'Set the logging level ("debug"|"info"|"warn"|"error")', default: 'info' },
  { long: 'version', short: 'v', kind: 'bool', status: 'built', help: 'Print version information and quit' },
] as const satisfies OptionTable;

export type GlobalOptions = ParsedOptions<typeof globalOptions>;
