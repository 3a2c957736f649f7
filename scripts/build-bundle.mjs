#!/usr/bin/env node
// Second half of `npm run build:ts`: the CLI as one System.register file (tsconfig.bundle.json)
// and V8's code caches for it, which src/boot/bundle.cts loads instead of ~60 ES modules (see
// there). Run after `tsc -p tsconfig.json`: the loader trusts the bundle only when it is at least
// as new as dist/src. The caches are made in a fresh node each with no flags, as the CLI runs
// (V8 rejects a cache made under other flags).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A relative specifier resolved against the importing module's id: the loader's own function
 *  (dist/src/boot/bundle.cjs, built by the `tsc -p tsconfig.json` that runs before this). */
const { resolveId } = createRequire(import.meta.url)(join(root, 'dist/src/boot/bundle.cjs'));
const bundleFile = join(root, 'dist/bundle/sandbox.js');

/** Through a rename: a CLI started during a build reads the old file or the new, never half. */
const writeWhole = (path, text) => {
  writeFileSync(`${path}.${process.pid}`, text);
  renameSync(`${path}.${process.pid}`, path);
};

const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
// The parts and caches of an earlier build go first: none may outlive the bundle they were cut from.
for (const old of ['commands', 'main.js', 'main.cache']) rmSync(join(root, 'dist/bundle', old), { recursive: true, force: true });
run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.bundle.json']);

// Runtime dependencies that are one self-contained CommonJS file (minimist) go into the bundle
// too, wrapped as a System module with ESM's default export: require() would otherwise search
// node_modules and compile them on every run (~1.5 ms). One that requires anything else stays
// a plain require() at run time.
const require = createRequire(import.meta.url);
const ts = require('typescript');
const { dependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const name of Object.keys(dependencies)) {
  const source = readFileSync(require.resolve(name), 'utf8');
  if (/\brequire\s*\(/.test(source)) continue;
  appendFileSync(
    bundleFile,
    `System.register(${JSON.stringify(name)}, [], function (exports_1) {\n  return { setters: [], execute: function () {\n` +
      `    var module = { exports: {} };\n    (function (module, exports) {\n${source}\n    }).call(module.exports, module, module.exports);\n` +
      `    exports_1("default", module.exports);\n  } };\n});\n`,
  );
}

// No indentation: a quarter of tsc's output is leading spaces, which every run reads (~1 us per
// KB). Lines keep their numbers (stack traces still point at the right line of the bundle). A
// line that starts inside a literal (a template or a string continued over lines) is kept whole:
// the literal's tokens come from TypeScript's own parse of the bundle.
{
  const source = readFileSync(bundleFile, 'utf8');
  const file = ts.createSourceFile(bundleFile, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const literals = new Set([
    ts.SyntaxKind.StringLiteral,
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TemplateHead,
    ts.SyntaxKind.TemplateMiddle,
    ts.SyntaxKind.TemplateTail,
    ts.SyntaxKind.RegularExpressionLiteral,
  ]);
  const multiline = []; // [start, end) of literals that span lines, in source order
  const visit = (node) => {
    if (literals.has(node.kind)) {
      const start = node.getStart(file);
      if (source.slice(start, node.end).includes('\n')) multiline.push([start, node.end]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  multiline.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  let lit = 0;
  while (at < source.length) {
    const eol = source.indexOf('\n', at);
    const end = eol === -1 ? source.length : eol + 1;
    while (lit < multiline.length && multiline[lit][1] <= at) lit++;
    const inLiteral = lit < multiline.length && multiline[lit][0] < at;
    const line = source.slice(at, end);
    out += inLiteral ? line : line.replace(/^[ \t]+/, '');
    at = end;
  }
  writeWhole(bundleFile, out);
}

// ASCII only: a single µ or … makes V8 hold the whole source as a two-byte string, and the
// loader decode it as UTF-8 (~1 ms more per run than reading it as latin1). Comments are gone
// (removeComments), so what is left is in strings, templates, regular expressions and
// identifiers, where \uXXXX means the same UTF-16 unit (an astral character becomes its two
// surrogates: right in strings and regular expressions, a syntax error in an identifier, which
// the cache step below then reports). Not in a tagged template, whose tag sees the raw text
// (String.raw`µ` is not String.raw`\u00b5`): the build stops there instead.
{
  const source = readFileSync(bundleFile, 'utf8');
  if (/[^\0-\x7f]/.test(source)) {
    const file = ts.createSourceFile(bundleFile, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    const tagged = [];
    const visit = (node) => {
      if (ts.isTaggedTemplateExpression(node)) tagged.push([node.template.getStart(), node.template.end]);
      ts.forEachChild(node, visit);
    };
    visit(file);
    const escaped = source.replace(/[^\0-\x7f]/g, (c, at) => {
      if (tagged.some(([start, end]) => start <= at && at < end)) {
        const line = source.slice(source.lastIndexOf('\n', at) + 1, source.indexOf('\n', at));
        throw new Error(`build-bundle: non-ASCII ${JSON.stringify(c)} in a tagged template, write it as an escape in the source: ${line.trim()}`);
      }
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    });
    writeWhole(bundleFile, escaped);
  }
}

// Parts of the bundle (src/boot/bundle.cts loadCli): for each command, cli/main and the modules
// the command's module imports, statically or by an import() of a literal name, in the bundle's
// order; main.js, cli/main's alone, for a run without a command. A command whose modules import
// a computed name (container, image: their subcommands) has no part: it loads the whole bundle.
const { commandTable } = await import(pathToFileURL(join(root, 'dist/src/cli/command-table.js')).href);
{
  const source = readFileSync(bundleFile, 'latin1');
  const file = ts.createSourceFile(bundleFile, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const modules = new Map(); // id -> { text, imports: ids, computed: an import() of a computed name }
  for (const st of file.statements) {
    const call = ts.isExpressionStatement(st) && ts.isCallExpression(st.expression) ? st.expression : undefined;
    const [name, deps, body] = call?.arguments ?? [];
    if (call?.expression.getText() !== 'System.register' || !ts.isStringLiteral(name) || !ts.isArrayLiteralExpression(deps) || body === undefined) {
      throw new Error(`build-bundle: not a System.register() at the bundle's top level: ${st.getText().slice(0, 80)}`);
    }
    const id = name.text;
    const imports = deps.elements.map((d) => resolveId(d.text, id));
    let computed = false;
    const visit = (node) => {
      // context_N.import(x): the System form of import(x)
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'import' && /^context_\d+$/.test(node.expression.expression.getText())) {
        const [arg] = node.arguments;
        if (arg !== undefined && ts.isStringLiteral(arg)) imports.push(resolveId(arg.text, id));
        else if (id !== 'cli/main') computed = true; // cli/main's is the command itself
      }
      ts.forEachChild(node, visit);
    };
    visit(body);
    modules.set(id, { text: source.slice(st.getStart(), st.end), imports, computed });
  }
  const writePart = (roots, path) => {
    const closure = new Set();
    const todo = [...roots];
    while (todo.length > 0) {
      const id = todo.pop();
      const mod = modules.get(id);
      if (mod === undefined || closure.has(id)) continue;
      if (mod.computed) return;
      closure.add(id);
      todo.push(...mod.imports);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeWhole(path, [...modules].filter(([id]) => closure.has(id)).map(([, m]) => `${m.text}\n`).join(''));
  };
  writePart(['cli/main'], join(root, 'dist/bundle/main.js'));
  for (const { name } of commandTable) if (modules.has(`cli/commands/${name}`)) writePart(['cli/main', `cli/commands/${name}`], join(root, `dist/bundle/commands/${name}.js`));
}

// The caches (src/boot/bundle.cts writeCodeCache): the whole, main.js, and each command's part
// (or the whole, for a command without one), two at a time (a fresh node each: a cache holds
// whatever its process compiled).
// Targets: null for the whole, '' for cli/main alone, else a command's name.
const targets = [null, '', ...commandTable.map((c) => c.name)];
const writeCache = (target) =>
  new Promise((resolve, reject) => {
    const arg = target === null ? '' : JSON.stringify(target);
    const child = spawn(process.execPath, ['-e', `require('./dist/src/boot/bundle.cjs').writeCodeCache(${arg})`], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build-bundle: the code cache for ${arg || 'the whole bundle'} failed (exit ${code})`))));
  });
let next = 0;
const worker = async () => {
  while (next < targets.length) await writeCache(targets[next++]);
};
await Promise.all([worker(), worker()]);
