// The small option tables of the commands other than run (run's is run-options.ts). Each
// command module parses its argv with parseCommandArgs(<table>, args, '<name>'); help is
// generated from the same rows. Flip `status` to 'built' when an option is built.
import type { OptionTable, ParsedOptions } from './option-spec.js';

export const loadOptions = [
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
  { long: 'input', short: 'i', kind: 'string', status: 'built', placeholder: 'string', help: 'Read from tar archive file, instead of STDIN' },
  { long: 'quiet', short: 'q', kind: 'bool', status: 'planned', help: 'Suppress the load output' },
] as const satisfies OptionTable;
export type LoadOptions = ParsedOptions<typeof loadOptions>;

export const infoOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: "Format output: 'json' prints in JSON format" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;
export type InfoOptions = ParsedOptions<typeof infoOptions>;

export const versionOptions = [
  { long: 'format', short: 'f', kind: 'string', status: 'built', placeholder: 'string', help: "Format output: 'json' prints in JSON format" },
  { long: 'help', short: 'h', kind: 'bool', status: 'built', help: 'Print usage' },
] as const satisfies OptionTable;
export type VersionOptions = ParsedOptions<typeof versionOptions>;
