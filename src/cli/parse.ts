// Pure argv parsing over an option table, with docker's (pflag's) rules. minimist alone can't
// express them: it turns `--no-healthcheck` into `healthcheck: false`, gives `--name` an empty
// value when the next word starts with '-' (docker takes `--memory-swap -1` verbatim), and
// reads `-eFOO=bar` as the switches -e -F -O -O. So a small tokenizer here resolves every word
// against the table first and hands minimist canonical `--long=value` words, which it only
// collects (repeats become arrays). Errors are UsageErrors (exit 125) with docker's wording.
import minimist from 'minimist';
import { UsageError } from '../errors.js';
import { camelCase, type OptionSpec, type OptionTable, type ParsedOptions } from './option-spec.js';
import { runOptions, runSummary, runUsage, type RunOptions } from './run-options.js';

export interface ParseRules {
  /** docker run's rule: the first non-option word ends the options; the rest is verbatim. */
  readonly stopAtFirstPositional?: boolean;
  readonly minArgs?: number;
  readonly maxArgs?: number;
  /** Usage line and summary, printed under an argument-count error as docker does. */
  readonly usage?: string;
  readonly summary?: string;
}

export interface ParsedArgs<T extends OptionTable> {
  options: ParsedOptions<T>;
  positionals: string[];
}

interface Token {
  spec: OptionSpec;
  value: string;
}

/** `sandbox run` or `sandbox` (commandName '' is the top level). */
function commandPath(commandName: string): string {
  return commandName ? `sandbox ${commandName}` : 'sandbox';
}

function flagError(message: string, commandName: string): UsageError {
  return new UsageError(message, `See '${commandPath(commandName)} --help'.`, true);
}

/** How pflag names a flag in its messages: `-c, --cpu-shares` or `--rm`. */
function flagLabel(spec: OptionSpec): string {
  return spec.short ? `-${spec.short}, --${spec.long}` : `--${spec.long}`;
}

// Go's strconv.ParseBool spellings, which docker accepts in `--rm=false`.
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function parseBool(text: string): boolean | undefined {
  return TRUE_WORDS.has(text) ? true : FALSE_WORDS.has(text) ? false : undefined;
}

/** Why `text` is not a valid value for a number option, or undefined when it is. */
function numberProblem(spec: OptionSpec, text: string): string | undefined {
  switch (spec.placeholder) {
    case 'decimal':
      return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? undefined : 'expected a decimal number';
    case 'uint16':
      return /^\d+$/.test(text) && Number(text) <= 65535 ? undefined : 'expected an integer between 0 and 65535';
    default:
      return /^[+-]?\d+$/.test(text) ? undefined : 'expected an integer';
  }
}

function checkValue(spec: OptionSpec, value: string, commandName: string): void {
  const problem =
    spec.kind === 'bool' ? (parseBool(value) === undefined ? 'expected true or false' : undefined)
    : spec.kind === 'number' ? numberProblem(spec, value)
    : undefined;
  if (problem) throw flagError(`invalid argument ${JSON.stringify(value)} for ${JSON.stringify(flagLabel(spec))} flag: ${problem}`, commandName);
}

interface TableIndex {
  byLong: Map<string, OptionSpec>;
  byShort: Map<string, OptionSpec>;
  /** Each row's parsed-result key (camelCase of its long name), in table order. */
  keys: string[];
  longs: string[];
}

// Built once per table: `sandbox run` parses its ~100-row table twice (main.ts, for help and
// usage errors, then the command), and the camelCase keys were most of a parse's time.
const indexes = new WeakMap<OptionTable, TableIndex>();

function indexTable(table: OptionTable): TableIndex {
  const known = indexes.get(table);
  if (known) return known;
  const byLong = new Map<string, OptionSpec>();
  const byShort = new Map<string, OptionSpec>();
  for (const spec of table) {
    byLong.set(spec.long, spec);
    for (const alias of spec.aliases ?? []) byLong.set(alias, spec);
    if (spec.short) byShort.set(spec.short, spec);
  }
  const index = { byLong, byShort, keys: table.map((spec) => camelCase(spec.long)), longs: table.map((spec) => spec.long) };
  indexes.set(table, index);
  return index;
}

/** Split argv into option tokens (resolved against the table) and positional words. */
function tokenize(table: OptionTable, argv: readonly string[], commandName: string, stopAtFirstPositional: boolean): { tokens: Token[]; positionals: string[] } {
  const { byLong, byShort } = indexTable(table);
  const tokens: Token[] = [];
  const positionals: string[] = [];
  let i = 0;
  // A value-taking flag with nothing attached takes the next word whatever it looks like
  // (pflag does: `--name --rm` names the container "--rm").
  const nextWord = (): string | undefined => (i < argv.length ? argv[i++] : undefined);

  while (i < argv.length) {
    const word = argv[i++]!;
    if (word === '--') {
      positionals.push(...argv.slice(i));
      break;
    }
    if (word.startsWith('--')) {
      const body = word.slice(2);
      if (body.startsWith('-') || body.startsWith('=')) throw flagError(`bad flag syntax: ${word}`, commandName);
      const eq = body.indexOf('=');
      const name = eq === -1 ? body : body.slice(0, eq);
      const attached = eq === -1 ? undefined : body.slice(eq + 1);
      const spec = byLong.get(name);
      if (!spec) throw flagError(`flag provided but not defined: --${name}`, commandName);
      let value: string;
      if (spec.kind === 'bool') value = attached ?? 'true';
      else {
        const v = attached ?? nextWord();
        if (v === undefined) throw flagError(`flag needs an argument: --${name}`, commandName);
        value = v;
      }
      checkValue(spec, value, commandName);
      tokens.push({ spec, value });
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      // A cluster of shorthands: `-it`, `-itd`, `-p8080:80`, `-eFOO=bar`, `-d=false`. A
      // value-taking letter swallows the rest of the word, or the next word when nothing follows.
      const letters = word.slice(1);
      for (let j = 0; j < letters.length; ) {
        const letter = letters[j]!;
        const spec = byShort.get(letter);
        if (!spec) throw flagError(`unknown shorthand flag: '${letter}' in ${word}`, commandName);
        const rest = letters.slice(j + 1);
        let value: string;
        if (rest.startsWith('=')) {
          value = rest.slice(1);
          j = letters.length;
        } else if (spec.kind === 'bool') {
          value = 'true';
          j += 1;
        } else if (rest.length > 0) {
          value = rest;
          j = letters.length;
        } else {
          const v = nextWord();
          if (v === undefined) throw flagError(`flag needs an argument: '${letter}' in ${word}`, commandName);
          value = v;
          j = letters.length;
        }
        checkValue(spec, value, commandName);
        tokens.push({ spec, value });
      }
      continue;
    }
    // A positional word ('-' alone is one too, as in pflag).
    if (stopAtFirstPositional) {
      positionals.push(word, ...argv.slice(i));
      break;
    }
    positionals.push(word);
  }
  return { tokens, positionals };
}

/** Fold the tokens into one typed value per row: bools and strings keep the last, lists all. */
function collect<T extends OptionTable>(table: T, tokens: readonly Token[]): ParsedOptions<T> {
  // Every row is declared a string so minimist neither coerces numbers nor negates --no-*.
  const { keys, longs } = indexTable(table);
  const raw = minimist(
    tokens.map((t) => `--${t.spec.long}=${t.value}`),
    { string: longs },
  ) as Record<string, string | string[] | undefined>;
  const options: Record<string, boolean | string | string[] | undefined> = {};
  for (let i = 0; i < table.length; i++) {
    const spec = table[i]!;
    const given = raw[spec.long];
    const values = given === undefined ? [] : Array.isArray(given) ? given : [given];
    const last = values[values.length - 1];
    const key = keys[i]!;
    if (spec.kind === 'bool') options[key] = last === undefined ? spec.default === true : parseBool(last)!;
    else if (spec.kind === 'list') options[key] = values;
    else options[key] = last;
  }
  return options as ParsedOptions<T>;
}

function pluralArgs(n: number): string {
  return `${n} ${n === 1 ? 'argument' : 'arguments'}`;
}

function checkArgCount(positionals: readonly string[], commandName: string, rules: ParseRules): void {
  const { minArgs, maxArgs } = rules;
  const path = commandPath(commandName);
  let message: string | undefined;
  if (maxArgs === 0 && positionals.length > 0) message = `"${path}" accepts no arguments.`;
  else if (minArgs !== undefined && positionals.length < minArgs) message = `"${path}" requires at least ${pluralArgs(minArgs)}.`;
  else if (maxArgs !== undefined && positionals.length > maxArgs) message = `"${path}" requires at most ${pluralArgs(maxArgs)}.`;
  if (message === undefined) return;
  // docker prints the help pointer, then the usage line and the summary.
  const hint = [`See '${path} --help'.`];
  if (rules.usage) hint.push('', `Usage:  ${rules.usage}`);
  if (rules.summary) hint.push('', rules.summary);
  throw new UsageError(message, hint.join('\n'));
}

/**
 * Parse one command's argv against its table. `--help` wins over argument counts and planned
 * options, so help is always reachable. Throws UsageError (exit 125).
 */
export function parseCommandArgs<T extends OptionTable>(table: T, argv: readonly string[], commandName: string, rules: ParseRules = {}): ParsedArgs<T> {
  const { tokens, positionals } = tokenize(table, argv, commandName, rules.stopAtFirstPositional ?? false);
  const options = collect(table, tokens);
  if ((options as Record<string, unknown>).help === true) return { options, positionals };
  checkArgCount(positionals, commandName, rules);
  const planned = tokens.find((t) => t.spec.status === 'planned');
  if (planned) throw new UsageError(`--${planned.spec.long} is not supported yet`);
  return { options, positionals };
}

/**
 * `sandbox run [OPTIONS] IMAGE [COMMAND] [ARG...]`. With --help, image may be '' (the caller
 * prints help and stops).
 */
export function parseRunArgs(argv: readonly string[]): { options: RunOptions; image: string; command: string[] } {
  const { options, positionals } = parseCommandArgs(runOptions, argv, 'run', {
    stopAtFirstPositional: true,
    minArgs: 1,
    usage: runUsage,
    summary: runSummary,
  });
  const [image = '', ...command] = positionals;
  return { options, image, command };
}
