// The commands `sandbox` dispatches, in the order `sandbox --help` lists them. A command is
// added here when it is built (docker's images, ps, pull... are not listed before that); main
// loads its module, src/cli/commands/<name>.js, only when it runs.
import type { OptionTable } from './option-spec.js';
import type { ParseRules } from './parse.js';
import { runOptions, runSummary, runUsage } from './run-options.js';
import { infoOptions, loadOptions, versionOptions } from './command-options.js';

export interface CommandSpec extends ParseRules {
  readonly name: string;
  /** One line: the `sandbox --help` listing and the description under the command's Usage. */
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionTable;
}

export const commandTable = [
  { name: 'run', summary: runSummary, usage: runUsage, options: runOptions, stopAtFirstPositional: true, minArgs: 1 },
  { name: 'load', summary: 'Load an image from a tar archive or STDIN', usage: 'sandbox load [OPTIONS]', options: loadOptions, maxArgs: 0 },
  { name: 'info', summary: 'Display what this host offers sandbox', usage: 'sandbox info [OPTIONS]', options: infoOptions, maxArgs: 0 },
  { name: 'version', summary: 'Show the sandbox version information', usage: 'sandbox version [OPTIONS]', options: versionOptions, maxArgs: 0 },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof commandTable)[number]['name'];

export function findCommand(name: string): CommandSpec | undefined {
  return (commandTable as readonly CommandSpec[]).find((c) => c.name === name);
}
