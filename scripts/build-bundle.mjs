#!/usr/bin/env node
// Second half of `npm run build:ts`: the CLI as one System.register file (tsconfig.bundle.json)
// and V8's code caches for it, which src/boot/bundle.cts loads instead of ~60 ES modules (see
// there). Run after `tsc -p tsconfig.json`: the loader trusts the bundle only when it is at least
// as new as dist/src. The caches are made in a fresh node each with no flags, as the CLI runs
// (V8 rejects a cache made under other flags).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundleFile = join(root, 'dist/bundle/sandbox.js');

const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.bundle.json']);

// Runtime dependencies that are one self-contained CommonJS file (minimist) go into the bundle
// too, wrapped as a System module with ESM's default export: require() would otherwise search
// node_modules and compile them on every run (~1.5 ms). One that requires anything else stays
// a plain require() at run time.
const require = createRequire(import.meta.url);
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
  const ts = require('typescript');
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
  writeFileSync(bundleFile, out);
}

// ASCII only: a single µ or … makes V8 hold the whole source as a two-byte string, and the
// loader decode it as UTF-8 (~1 ms more per run than reading it as latin1). Comments are gone
// (removeComments), so what is left is in strings, regular expressions and identifiers, where
// \uXXXX means the same character (UTF-16 units, as JavaScript counts them). Not in a template
// literal's raw text (String.raw would see the escape): the build stops there instead.
{
  const source = readFileSync(bundleFile, 'utf8');
  const escaped = source.replace(/[^\0-\x7f]/g, (c, at) => {
    const line = source.slice(source.lastIndexOf('\n', at) + 1, source.indexOf('\n', at));
    if (line.includes('`')) throw new Error(`build-bundle: non-ASCII ${JSON.stringify(c)} on a line with a template literal, escape it in the source: ${line.trim()}`);
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  if (escaped !== source) writeFileSync(bundleFile, escaped);
}

// The caches (src/boot/bundle.cts writeCodeCache): the whole, cli/main alone, and each command's
// own, two at a time (a fresh node each: a cache holds whatever its process compiled).
const { commandTable } = await import(pathToFileURL(join(root, 'dist/src/cli/command-table.js')).href);
rmSync(join(root, 'dist/bundle/commands'), { recursive: true, force: true });
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
