// The subset of Go's text/template that docker's --format users write, over plain JS data:
//   {{.A.B}} {{.}} {{$}} {{$v.A}}             fields (a method-less getter is a field too)
//   {{json .}} {{index .Labels "k"}} {{len .X}} {{upper .X}} {{lower .X}} {{title .X}}
//   {{join .Args ","}} {{split .X ","}} {{printf "%-10s" .X}} {{print}} {{println}}
//   {{truncate .X 5}} {{pad .X 1 1}} {{eq a b}} {{ne}} {{lt}} {{le}} {{gt}} {{ge}} {{and}} {{or}} {{not}}
//   {{if P}}..{{else if P}}..{{else}}..{{end}}  {{range P}}..{{else}}..{{end}}
//   {{range $i, $v := P}}  {{with P}}..{{end}}  {{$x := P}}  {{.X | json}}  {{- trim -}}  {{/* comment */}}
// and docker's `table` prefix (renderRows): a header row, then one row per item, columns aligned
// as docker's tabwriter aligns them. Values print as Go prints them: a missing key is
// <no value>, a list [a b], an object map[k:v].
import { UsageError } from '../errors.js';
import { goJson, goString, sprintf, truthy } from './go-values.js';

export { goJson, goString, sprintf, truthy };

export class TemplateError extends UsageError {}

// ---- syntax tree ------------------------------------------------------------------------------

type Arg =
  | { kind: 'field'; base: 'dot' | 'var' | 'pipe'; name?: string; pipe?: Pipeline; path: string[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'ident'; name: string };

interface Pipeline {
  decl?: { vars: string[]; assign: boolean };
  cmds: Arg[][];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; body: Node[]; otherwise?: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; otherwise?: Node[] };

export interface Template {
  readonly source: string;
  readonly nodes: Node[];
}

// ---- lexing actions ---------------------------------------------------------------------------

type Tok =
  | { t: 'field'; path: string[] }
  | { t: 'var'; name: string; path: string[] }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'ident'; name: string }
  | { t: 'punct'; value: '(' | ')' | '|' | ':=' | '=' | ',' };

function parseError(msg: string): TemplateError {
  return new TemplateError(`template parsing error: template: :1: ${msg}`);
}

function lexAction(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const fieldPath = (): string[] => {
    const path: string[] = [];
    while (src[i] === '.' && /[A-Za-z_]/.test(src[i + 1] ?? '')) {
      i++;
      const start = i;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      path.push(src.slice(start, i));
    }
    return path;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '.') {
      if (/[A-Za-z_]/.test(src[i + 1] ?? '')) toks.push({ t: 'field', path: fieldPath() });
      else {
        i++;
        toks.push({ t: 'field', path: [] });
      }
    } else if (c === '$') {
      i++;
      const start = i;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      toks.push({ t: 'var', name: '$' + src.slice(start, i), path: fieldPath() });
    } else if (c === '"') {
      let j = i + 1;
      let raw = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') {
          raw += src.slice(j, j + 2);
          j += 2;
        } else raw += src[j++];
      }
      if (j >= src.length) throw parseError('unterminated quoted string');
      try {
        toks.push({ t: 'string', value: JSON.parse(`"${raw}"`) as string });
      } catch {
        throw parseError(`invalid syntax in string "${raw}"`);
      }
      i = j + 1;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end === -1) throw parseError('unterminated raw quoted string');
      toks.push({ t: 'string', value: src.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9-]/.test(c) && /[0-9]/.test(c === '-' ? (src[i + 1] ?? '') : c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      toks.push({ t: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i]!)) i++;
      toks.push({ t: 'ident', name: src.slice(start, i) });
    } else if (c === ':' && src[i + 1] === '=') {
      toks.push({ t: 'punct', value: ':=' });
      i += 2;
    } else if (c === '(' || c === ')' || c === '|' || c === '=' || c === ',') {
      toks.push({ t: 'punct', value: c });
      i++;
    } else {
      throw parseError(`unexpected "${c}" in command`);
    }
  }
  return toks;
}

// ---- parsing ----------------------------------------------------------------------------------

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block']);

class ActionParser {
  private pos = 0;
  constructor(private readonly toks: Tok[]) {}

  done(): boolean {
    return this.pos >= this.toks.length;
  }

  private peek(): Tok | undefined {
    return this.toks[this.pos];
  }

  pipeline(stopAtParen = false): Pipeline {
    const pipe: Pipeline = { cmds: [] };
    // `$x := ...`, `$i, $v := ...`, `$x = ...`
    const save = this.pos;
    const vars: string[] = [];
    while (this.peek()?.t === 'var' && (this.peek() as { path: string[] }).path.length === 0) {
      vars.push((this.toks[this.pos++] as { name: string }).name);
      const p = this.peek();
      if (p?.t === 'punct' && p.value === ',') {
        this.pos++;
        continue;
      }
      break;
    }
    const p = this.peek();
    if (vars.length > 0 && p?.t === 'punct' && (p.value === ':=' || p.value === '=')) {
      this.pos++;
      pipe.decl = { vars, assign: p.value === '=' };
    } else this.pos = save;

    let cmd: Arg[] = [];
    for (;;) {
      const tok = this.peek();
      if (!tok || (stopAtParen && tok.t === 'punct' && tok.value === ')')) break;
      this.pos++;
      if (tok.t === 'punct') {
        if (tok.value === '|') {
          if (cmd.length === 0) throw parseError('missing command before |');
          pipe.cmds.push(cmd);
          cmd = [];
          continue;
        }
        if (tok.value === '(') {
          const inner = this.pipeline(true);
          const close = this.peek();
          if (!close || close.t !== 'punct' || close.value !== ')') throw parseError('unclosed left paren');
          this.pos++;
          // `(pipeline).Field`
          const next = this.peek();
          let path: string[] = [];
          if (next?.t === 'field' && next.path.length > 0) {
            this.pos++;
            path = next.path;
          }
          cmd.push({ kind: 'field', base: 'pipe', pipe: inner, path });
          continue;
        }
        throw parseError(`unexpected "${tok.value}" in command`);
      }
      if (tok.t === 'field') cmd.push({ kind: 'field', base: 'dot', path: tok.path });
      else if (tok.t === 'var') cmd.push({ kind: 'field', base: 'var', name: tok.name, path: tok.path });
      else if (tok.t === 'string' || tok.t === 'number') cmd.push({ kind: 'literal', value: tok.value });
      else if (tok.name === 'true' || tok.name === 'false') cmd.push({ kind: 'literal', value: tok.name === 'true' });
      else if (tok.name === 'nil') cmd.push({ kind: 'literal', value: null });
      else {
        if (KEYWORDS.has(tok.name)) throw parseError(`unexpected <${tok.name}> in command`);
        if (!(tok.name in FUNCTIONS)) throw parseError(`function "${tok.name}" not defined`);
        cmd.push({ kind: 'ident', name: tok.name });
      }
    }
    if (cmd.length === 0) throw parseError(pipe.cmds.length > 0 ? 'missing command after |' : 'missing value for command');
    pipe.cmds.push(cmd);
    return pipe;
  }
}

function parsePipeline(src: string): Pipeline {
  const p = new ActionParser(lexAction(src));
  const pipe = p.pipeline();
  if (!p.done()) throw parseError('unexpected ")" in command');
  return pipe;
}

interface RawAction {
  text: string;
}

/** Split into text and actions, applying the {{- and -}} trim markers. */
function split(source: string): (string | RawAction)[] {
  const parts: (string | RawAction)[] = [];
  let i = 0;
  let trimNext = false;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    let text = source.slice(i, open === -1 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open === -1) {
      if (text) parts.push(text);
      break;
    }
    let start = open + 2;
    if (source[start] === '-' && /\s/.test(source[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) parts.push(text);
    const close = source.indexOf('}}', start);
    if (close === -1) throw parseError('unclosed action');
    let end = close;
    if (source[close - 1] === '-' && /\s/.test(source[close - 2] ?? '')) {
      end = close - 1;
      trimNext = true;
    }
    const inner = source.slice(start, end).trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) parts.push({ text: inner });
    i = close + 2;
  }
  return parts;
}

/** Parse a template; a TemplateError (exit 125) names what is wrong. */
export function parseTemplate(source: string): Template {
  const parts = split(source);
  let pos = 0;
  // Parse nodes until one of `stops` ('end', 'else'); return the nodes and the stopping keyword.
  const list = (stops: string[]): { nodes: Node[]; stop: string; rest: string } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const part = parts[pos++]!;
      if (typeof part === 'string') {
        nodes.push({ kind: 'text', text: part });
        continue;
      }
      const word = /^[a-z]+/.exec(part.text)?.[0] ?? '';
      const rest = part.text.slice(word.length).trim();
      if (word === 'end' || word === 'else') {
        if (!stops.includes(word)) throw parseError(`unexpected {{${word}}}`);
        return { nodes, stop: word, rest };
      }
      if (word === 'if' || word === 'with' || word === 'range') nodes.push(block(word, rest));
      else if (word === 'define' || word === 'template' || word === 'block') throw parseError(`{{${word}}} is not supported`);
      else if (part.text === '') throw parseError('missing value for command');
      else nodes.push({ kind: 'output', pipe: parsePipeline(part.text) });
    }
    if (stops.length > 0) throw parseError('unexpected EOF');
    return { nodes, stop: '', rest: '' };
  };
  const block = (kind: 'if' | 'with' | 'range', header: string): Node => {
    if (header === '') throw parseError(`missing value for ${kind}`);
    const pipe = parsePipeline(header);
    const body = list(['end', 'else']);
    const node: Extract<Node, { kind: 'if' | 'with' | 'range' }> = { kind, pipe, body: body.nodes };
    if (body.stop === 'else') {
      if (body.rest.startsWith('if ') && kind === 'if') {
        // {{else if P}}: an if nested in the else branch, sharing our {{end}}.
        node.otherwise = [block('if', body.rest.slice(3).trim())];
      } else {
        if (body.rest !== '') throw parseError(`unexpected "${body.rest}" after else`);
        node.otherwise = list(['end']).nodes;
      }
    }
    return node;
  };
  return { source, nodes: list([]).nodes };
}

// ---- functions ----------------------------------------------------------------------------

class ExecError extends Error {}

function compare(a: unknown, b: unknown, name: string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new ExecError(`error calling ${name}: incompatible types for comparison`);
}

function sprint(args: unknown[]): string {
  // fmt.Sprint: a space between operands when neither side is a string.
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goString(a);
  });
  return out;
}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === undefined || cur === null) throw new ExecError('error calling index: index of untyped nil');
      if (Array.isArray(cur)) {
        if (typeof k !== 'number' || k < 0 || k >= cur.length) throw new ExecError(`error calling index: index out of range: ${goString(k)}`);
        cur = cur[k];
      } else if (typeof cur === 'object') cur = (cur as Record<string, unknown>)[String(k)];
      else throw new ExecError(`error calling index: can't index item of type ${typeof cur}`);
    }
    return cur;
  },
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new ExecError(`error calling len: len of type ${v === null || v === undefined ? 'nil' : typeof v}`);
  },
  upper: (s) => goString(s).toUpperCase(),
  lower: (s) => goString(s).toLowerCase(),
  title: (s) => goString(s).replace(/\b([a-z])/g, (c) => c.toUpperCase()),
  join: (list, sep) => {
    if (!Array.isArray(list)) throw new ExecError(`error calling join: wrong type for value; expected []string; got ${typeof list}`);
    return list.map(goString).join(goString(sep));
  },
  split: (s, sep) => goString(s).split(goString(sep)),
  truncate: (s, n) => {
    const str = goString(s);
    return typeof n === 'number' && str.length > n ? str.slice(0, n) : str;
  },
  pad: (s, left, right) => `${' '.repeat(Number(left) || 0)}${goString(s)}${' '.repeat(Number(right) || 0)}`,
  printf: (format, ...args) => sprintf(goString(format), args),
  print: (...args) => sprint(args),
  println: (...args) => `${args.map(goString).join(' ')}\n`,
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b, 'lt') < 0,
  le: (a, b) => compare(a, b, 'le') <= 0,
  gt: (a, b) => compare(a, b, 'gt') > 0,
  ge: (a, b) => compare(a, b, 'ge') >= 0,
  not: (v) => !truthy(v),
  and: (...args) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (...args) => args.find((a) => truthy(a)) ?? args[args.length - 1],
};

// ---- execution ----------------------------------------------------------------------------

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>[];
}

function lookupVar(scope: Scope, name: string): unknown {
  for (let i = scope.vars.length - 1; i >= 0; i--) if (scope.vars[i]!.has(name)) return scope.vars[i]!.get(name);
  throw new ExecError(`undefined variable: ${name}`);
}

function walkPath(value: unknown, path: string[], label: string): unknown {
  let cur = value;
  for (const name of path) {
    if (cur === undefined || cur === null) return undefined;
    if (typeof cur !== 'object') throw new ExecError(`can't evaluate field ${name} in type ${typeof cur} at <${label}>`);
    const v = (cur as Record<string, unknown>)[name];
    cur = typeof v === 'function' ? (v as () => unknown).call(cur) : v;
  }
  return cur;
}

function evalArg(arg: Arg, scope: Scope): unknown {
  switch (arg.kind) {
    case 'literal':
      return arg.value;
    case 'ident':
      return FUNCTIONS[arg.name]!();
    case 'field': {
      const base = arg.base === 'dot' ? scope.dot : arg.base === 'var' ? lookupVar(scope, arg.name!) : evalPipeline(arg.pipe!, scope);
      const label = `${arg.base === 'var' ? arg.name : ''}.${arg.path.join('.')}`;
      return walkPath(base, arg.path, label);
    }
  }
}

function evalPipeline(pipe: Pipeline, scope: Scope): unknown {
  let value: unknown;
  let havePiped = false;
  for (const cmd of pipe.cmds) {
    const [head, ...rest] = cmd;
    if (head!.kind === 'ident') {
      const args = rest.map((a) => evalArg(a, scope));
      if (havePiped) args.push(value);
      value = FUNCTIONS[head!.name]!(...args);
    } else {
      if (rest.length > 0 || havePiped) throw new ExecError(`can't give argument to non-function ${goString(evalArg(head!, scope))}`);
      value = evalArg(head!, scope);
    }
    havePiped = true;
  }
  if (pipe.decl) {
    if (pipe.decl.assign) {
      const name = pipe.decl.vars[0]!;
      const frame = [...scope.vars].reverse().find((f) => f.has(name));
      if (!frame) throw new ExecError(`undefined variable: ${name}`);
      frame.set(name, value);
    } else scope.vars[scope.vars.length - 1]!.set(pipe.decl.vars[0]!, value);
  }
  return value;
}

function run(nodes: Node[], scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        break;
      case 'output': {
        const v = evalPipeline(node.pipe, scope);
        if (!node.pipe.decl) out.push(goString(v));
        break;
      }
      case 'if':
      case 'with': {
        const v = evalPipeline(node.pipe, { ...scope, vars: [...scope.vars, new Map()] });
        const inner: Scope = { dot: node.kind === 'with' ? v : scope.dot, vars: [...scope.vars, new Map()] };
        if (truthy(v)) run(node.body, inner, out);
        else if (node.otherwise) run(node.otherwise, { ...scope, vars: [...scope.vars, new Map()] }, out);
        break;
      }
      case 'range': {
        const decl = node.pipe.decl;
        const v = evalPipeline({ cmds: node.pipe.cmds }, scope);
        let entries: [unknown, unknown][];
        if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
        else if (v && typeof v === 'object') entries = Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
        else if (v === undefined || v === null) entries = [];
        else if (typeof v === 'number') entries = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
        else throw new ExecError(`range can't iterate over ${goString(v)}`);
        if (entries.length === 0) {
          if (node.otherwise) run(node.otherwise, scope, out);
          break;
        }
        for (const [k, x] of entries) {
          const frame = new Map<string, unknown>();
          if (decl) {
            if (decl.vars.length === 1) frame.set(decl.vars[0]!, x);
            else {
              frame.set(decl.vars[0]!, k);
              frame.set(decl.vars[1]!, x);
            }
          }
          run(node.body, { dot: x, vars: [...scope.vars, frame] }, out);
        }
        break;
      }
    }
  }
}

/** Execute a parsed template over `data`; an error is a TemplateError naming what failed. */
export function execute(tmpl: Template, data: unknown): string {
  const out: string[] = [];
  try {
    run(tmpl.nodes, { dot: data, vars: [new Map([['$', data]])] }, out);
  } catch (err) {
    if (err instanceof ExecError) throw new TemplateError(`template: :1: executing "" ${err.message}`);
    throw err;
  }
  return out.join('');
}

/** Parse and execute in one step. */
export function renderTemplate(source: string, data: unknown): string {
  return execute(parseTemplate(source), data);
}

// ---- docker's table formats ---------------------------------------------------------------

/**
 * text/tabwriter as docker configures it (minwidth 10, padding 3, spaces): every cell that a
 * tab ends is padded to its column's width; the text after a line's last tab is left as it is.
 */
export function tabwrite(text: string, minWidth = 10, padding = 3): string {
  const lines = text.split('\n');
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c].length + padding, minWidth);
    });
  }
  return rows.map((cells) => cells.map((c, i) => (i < cells.length - 1 ? c + ' '.repeat(widths[i]! - [...c].length) : c)).join('')).join('\n');
}

/** docker's format presets: `table` alone means the command's default columns. */
export interface TableSpec {
  /** The default table template (without the `table ` prefix). */
  defaultTable: string;
  /** Field name -> column header (`ID` -> `IMAGE ID`). */
  headers: Record<string, string>;
}

/** `\t` and `\n` written literally in a --format become tab and newline, as in docker. */
export function unescapeFormat(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/**
 * Render rows with a docker --format: `table [TEMPLATE]` (header row, aligned columns),
 * `json` (one JSON object per row), or a plain template (one line per row).
 */
export function renderRows(format: string, rows: readonly unknown[], spec: TableSpec): string {
  const trimmed = format.trim();
  if (trimmed === 'json') return rows.map((r) => goJson(r) + '\n').join('');
  const isTable = trimmed === 'table' || trimmed.startsWith('table ') || trimmed.startsWith('table\t');
  const body = unescapeFormat(isTable ? trimmed.slice('table'.length).trim() || spec.defaultTable : format);
  const tmpl = parseTemplate(body);
  if (!isTable) return rows.map((r) => execute(tmpl, r) + '\n').join('');
  // The header row is the same template run over an object whose fields are the headers.
  const header = new Proxy(
    {},
    {
      get: (_t, key) => (typeof key === 'string' ? (spec.headers[key] ?? key.toUpperCase()) : undefined),
    },
  );
  const lines = [execute(tmpl, header), ...rows.map((r) => execute(tmpl, r))];
  return tabwrite(lines.join('\n')) + '\n';
}
