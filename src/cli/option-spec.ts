// The shape of a command-line option table, and the parsed-result type derived from a table.
// Tables are data (`as const`), so the compiler knows every row: the parsed type gets one field
// per row, and code that must handle every built option can be written as a mapped type over
// BuiltOptionName and fails to compile when a row is flipped to 'built' without a handler.

/**
 * bool: a switch (`--rm`, `--rm=false`); string: one value, the last one given wins;
 * number: like string, but the text must be a number (docker's int/uint16/decimal flags);
 * list: repeatable, every value kept in order.
 */
export type OptionKind = 'bool' | 'string' | 'number' | 'list';

/** 'planned' options are listed in help and refused when given; nothing is accepted and ignored. */
export type OptionStatus = 'built' | 'planned';

export interface OptionSpec {
  /** Long name without dashes: 'cap-add'. */
  readonly long: string;
  /** One-letter shorthand without the dash: 'e'. */
  readonly short?: string;
  readonly kind: OptionKind;
  readonly status: OptionStatus;
  /** One line, docker's wording. */
  readonly help: string;
  /** Value placeholder shown in help ('list', 'string', 'bytes', 'duration', 'int', 'decimal'); none for bool. */
  readonly placeholder?: string;
  /** Hidden spellings accepted for the same option (docker's --net for --network). */
  readonly aliases?: readonly string[];
  /** Shown in help as `(default X)`. For a bool it is also the parsed value when the flag is absent. */
  readonly default?: boolean | string | number;
}

export type OptionTable = readonly OptionSpec[];

/** 'cap-add' -> 'capAdd', 'health-start-interval' -> 'healthStartInterval'. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

export function camelCase(long: string): string {
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Raw text for string and number options: units and ranges are the spec stage's business. */
export type OptionValue<K extends OptionKind> = K extends 'bool' ? boolean : K extends 'list' ? string[] : string | undefined;

/** The parsed result of a table: one camelCase field per row. */
export type ParsedOptions<T extends OptionTable> = {
  -readonly [E in T[number] as CamelCase<E['long']>]: OptionValue<E['kind']>;
};

/** camelCase names of the rows whose status is 'built'. */
export type BuiltOptionName<T extends OptionTable> = CamelCase<Extract<T[number], { status: 'built' }>['long']>;
