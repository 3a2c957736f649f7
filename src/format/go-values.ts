// Values as Go's fmt and encoding/json print them, for the template engine (template.ts) and
// anything else that must print like docker: %v of lists and maps, template truth, {{json}},
// and a Sprintf for the verbs templates use.

// ---- values as Go prints them -------------------------------------------------------------

/** fmt's %v of a value. */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goInner).join(' ')}]`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goInner((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** Inside a list or map a nil prints as <nil> too, and a missing value as <nil>. */
function goInner(v: unknown): string {
  return v === undefined ? '<nil>' : goString(v);
}

/** Go's template truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** json.Marshal: what docker's {{json}} prints (HTML-escaped, as Go's encoder does). */
export function goJson(v: unknown): string {
  const text = JSON.stringify(v === undefined ? null : v) ?? 'null';
  return text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

// ---- printf -------------------------------------------------------------------------------

/** fmt.Sprintf for the verbs templates use: %v %s %d %q %t %x %X %f %g %%, flags - 0 + and widths. */
export function sprintf(format: string, args: unknown[]): string {
  let argi = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (argi >= args.length) return `%!${verb}(MISSING)`;
    const a = args[argi++];
    let s: string;
    switch (verb) {
      case 'v':
      case 's':
        s = goString(a);
        if (prec !== undefined && verb === 's') s = s.slice(0, Number(prec));
        break;
      case 'q':
        s = JSON.stringify(goString(a));
        break;
      case 'd':
        s = typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${typeof a}=${goString(a)})`;
        if (flags.includes('+') && typeof a === 'number' && a >= 0) s = `+${s}`;
        break;
      case 't':
        s = typeof a === 'boolean' ? String(a) : `%!t(${goString(a)})`;
        break;
      case 'x':
      case 'X':
        s = typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(goString(a)).toString('hex');
        if (verb === 'X') s = s.toUpperCase();
        break;
      case 'f':
        s = typeof a === 'number' ? a.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${goString(a)})`;
        break;
      case 'g':
        s = typeof a === 'number' ? String(a) : `%!g(${goString(a)})`;
        break;
      default:
        s = `%!${verb}(${goString(a)})`;
    }
    if (width !== undefined && s.length < Number(width)) {
      const w = Number(width);
      if (flags.includes('-')) s = s.padEnd(w);
      else if (flags.includes('0') && /^[-+]?\d/.test(s)) s = s.startsWith('-') || s.startsWith('+') ? s[0] + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
      else s = s.padStart(w);
    }
    return s;
  }) + (argi < args.length ? `%!(EXTRA ${args.slice(argi).map(goString).join(', ')})` : '');
}
