// Help text, generated from the same tables the parser uses, so help can't drift from what is
// accepted. Layout follows docker's: Usage, one-line description, then an aligned list.
import type { OptionSpec, OptionTable } from './option-spec.js';
import { commandTable, type CommandSpec } from './command-table.js';
import { globalOptions, globalSummary, globalUsage } from './global-options.js';

const NOT_BUILT = '(not supported yet)';

function leftColumn(spec: OptionSpec): string {
  const names = spec.short ? `-${spec.short}, --${spec.long}` : `    --${spec.long}`;
  return spec.placeholder ? `${names} ${spec.placeholder}` : names;
}

function rightColumn(spec: OptionSpec): string {
  const parts = [spec.help];
  if (spec.default !== undefined) parts.push(`(default ${typeof spec.default === 'string' ? JSON.stringify(spec.default) : String(spec.default)})`);
  if (spec.status === 'planned') parts.push(NOT_BUILT);
  return parts.join(' ');
}

/** Two aligned columns, one line per row; hidden aliases are not shown (docker hides --net). */
function alignedRows(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`);
}

/** One line per option of the table, aligned. */
export function formatOptionLines(table: OptionTable): string[] {
  return alignedRows(table.map((spec) => [leftColumn(spec), rightColumn(spec)] as const));
}

/** `sandbox --help`: the commands that are built, and the global options. */
export function globalHelp(commands: readonly CommandSpec[] = commandTable): string {
  return [
    `Usage:  ${globalUsage}`,
    '',
    globalSummary,
    '',
    'Commands:',
    ...alignedRows(commands.map((c) => [c.name, c.summary] as const)),
    '',
    'Global Options:',
    ...formatOptionLines(globalOptions),
    '',
    "Run 'sandbox COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

/** `sandbox COMMAND --help`. */
export function commandHelp(command: CommandSpec): string {
  return [`Usage:  ${command.usage}`, '', command.summary, '', 'Options:', ...formatOptionLines(command.options), ''].join('\n');
}
