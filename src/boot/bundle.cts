// Loading the CLI from one file instead of ~60 ES modules. Node 20 spends ~30 ms resolving,
// reading and compiling the ES modules `sandbox run` needs (each module is a resolve, a realpath,
// a read and a compile of its own); `npm run build:ts` also emits the whole of src/ as one
// System.register file (tsconfig.bundle.json) and a V8 code cache of it
// (scripts/build-bundle.mjs), which together load in ~10 ms. This file is the ~100-line loader
// for that format: it links modules on demand (only the commands that run are executed), with
// ESM's semantics (live bindings, cycles, top-level await, import.meta.url of the module's own
// file in dist/src, so relative paths such as the addon's still resolve). Stack traces point
// into dist/bundle/sandbox.js; SANDBOX_NO_BUNDLE=1 loads dist/src as before (for debugging).
//
// A command reads only its part of the bundle when the build made one (dist/bundle/commands/
// <name>.js: cli/main and the modules the command imports; main.js without a command), with
// that part's code cache; a module the part lacks brings in the whole bundle (see loadCli).
//
// The bundle is used only when it is at least as new as the ES build in dist/src (a plain
// `tsc -p tsconfig.json` re-emits every file, so a bundle older than it may hold stale code);
// otherwise, or when it is missing, the CLI loads from dist/src as before. The code cache is
// used only when it is at least as new as the bundle (V8 checks the source's length, not its
// text); a cache V8 rejects (another node version) costs only the compile it would have saved.
//
// The build's caches hold the module bodies; the functions a command calls are compiled when it
// runs (~5-10 ms for `run`). So the first successful run of each command also leaves a cache of
// its own in ~/.cache/sandbox/v8 (XDG_CACHE_HOME), named by command, node version and bundle,
// which later runs of that command load instead: written once, 0600, trusted only when the open
// file is ours.
//
// CommonJS on purpose (with bin/sandbox.js, see bin/package.json): a run that never loads an ES
// module never starts Node's ES module loader (~3 ms), and require() of a builtin does not
// snapshot its exports as an ES import does (which runs getters such as fs.ReadStream).
import { fstatSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

type Namespace = Record<string, unknown>;
type Setter = ((ns: Namespace) => void) | undefined;
type ExportFn = (name: string | Namespace, value?: unknown) => unknown;
interface Context {
  id: string;
  meta: { url: string };
  import: (specifier: string) => Promise<Namespace>;
}
type Declare = (exportFn: ExportFn, context: Context) => { setters: Setter[]; execute?: () => unknown };

interface ModuleRecord {
  ns: Namespace;
  importers: ((ns: Namespace) => void)[];
  deps: ModuleRecord[];
  execute: (() => unknown) | undefined;
  /** 0 linked, 1 executing (a cycle reaching it again skips it, as ESM does), 2 done. */
  state: 0 | 1 | 2;
}

/** dist/src/ (this file is dist/src/boot/bundle.cjs): module `a/b` stands for dist/src/a/b.js. */
// Plain paths, not URLs: a URL costs a parse (~0.3 ms for the first few), and fs takes paths.
const srcDir = dirname(__dirname);
const distDir = dirname(srcDir);
const bundleFile = `${distDir}/bundle/sandbox.js`;
const cacheFile = `${distDir}/bundle/sandbox.cache`;
/** Parts of the bundle and their caches: per command (commands/<name>.js, .cache), and for
 *  no command (main.js, main.cache). */
const commandDir = `${distDir}/bundle/commands`;
const mainPartFile = `${distDir}/bundle/main.js`;
const mainCacheFile = `${distDir}/bundle/main.cache`;
/** A file every `tsc -p tsconfig.json` rewrites: the ES build's age. */
const esBuildFile = `${srcDir}/cli/main.js`;

/** import.meta.url of module `id` (dist/src/<id>.js), made when a module reads it. */
let srcUrl: string | undefined;
function moduleUrl(id: string): string {
  srcUrl ??= pathToFileURL(`${srcDir}/`).href;
  // Our module ids are file names under src/: letters, digits, - _ . and /, nothing to escape.
  return /^[\w./-]+$/.test(id) ? `${srcUrl}${id}.js` : pathToFileURL(`${srcDir}/${id}.js`).href;
}

function stat(path: string): Stats | undefined {
  return statSync(path, { throwIfNoEntry: false });
}

/** A relative specifier resolved against the importing module's id, without `.js` (also the
 *  build's, scripts/build-bundle.mjs, to find each command's modules). */
export function resolveId(specifier: string, parent: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const parts = parent.split('/');
  parts.pop();
  for (const p of specifier.replace(/\.js$/, '').split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.') parts.push(p);
  }
  return parts.join('/');
}

/** A CommonJS module's exports as a namespace: a prototype link, not a copy (copying would run
 *  getters such as fs.promises), plus `default` as ESM gives. */
function namespaceOf(mod: object): Namespace {
  return Object.create(mod, { default: { value: mod, enumerable: true } }) as Namespace;
}

/**
 * A node: builtin's namespace that requires the builtin on first use. Our modules import
 * crypto, child_process, net, fs/promises... at the top, but most commands call few of them,
 * and loading a builtin that Node's startup has not (its internal modules, ~0.5-2 ms each:
 * crypto, child_process) is the largest part of a command's load. The bundle's code reads an
 * import through the namespace when it runs (`node_crypto_1.randomBytes(...)`), so that is when
 * the builtin loads; a use in a module body loads it with the body, as before. Once loaded, the
 * importers' bindings are set to the real namespace (as for a live binding), so only the first
 * use goes through the proxy.
 */
function lazyBuiltin(id: string, rec: ModuleRecord): Namespace {
  let ns: Namespace | undefined;
  const load = (): Namespace => {
    if (ns === undefined) {
      ns = namespaceOf(require(id) as object);
      rec.ns = ns;
      for (const set of rec.importers) set(ns);
    }
    return ns;
  };
  return new Proxy(Object.create(null) as Namespace, {
    get: (_target, key) => load()[key as string],
    has: (_target, key) => key in load(),
    ownKeys: () => [...new Set(['default', ...Reflect.ownKeys(Object.getPrototypeOf(load()) as object)])],
    getOwnPropertyDescriptor: (_target, key) => (key in load() ? { value: load()[key as string], writable: false, enumerable: true, configurable: true } : undefined),
  });
}

class BundleLoader {
  private readonly declared = new Map<string, { deps: string[]; declare: Declare }>();
  private readonly records = new Map<string, ModuleRecord>();
  readonly script: Script;

  /** `file`: the bundle, or a part of it (a command's modules); `whole`, for a part: the bundle,
   *  read only if a module the part lacks is asked for (a command other than the part's). */
  constructor(
    file: string,
    cachedData: Buffer | undefined,
    private whole?: string,
  ) {
    this.script = this.declareFrom(file, cachedData);
  }

  /** Runs a bundle file, whose System.register calls declare its modules (the first
   *  declaration of a module wins: the whole bundle after a part adds only what it lacked). */
  private declareFrom(file: string, cachedData: Buffer | undefined): Script {
    const previous = (globalThis as { System?: unknown }).System;
    (globalThis as { System?: unknown }).System = {
      register: (id: string, deps: string[], declare: Declare) => void (this.declared.has(id) || this.declared.set(id, { deps, declare })),
    };
    try {
      // 'latin1': the build writes the bundle in ASCII (scripts/build-bundle.mjs), which V8
      // then holds as a one-byte string; utf8 decoding would cost ~1 ms more for the same text.
      const script = new Script(readFileSync(file, 'latin1'), { filename: file, ...(cachedData ? { cachedData } : {}) });
      script.runInThisContext();
      return script;
    } finally {
      (globalThis as { System?: unknown }).System = previous;
    }
  }

  /** A module of ours, from the whole bundle when the part lacks it. */
  private declaration(id: string): { deps: string[]; declare: Declare } | undefined {
    const decl = this.declared.get(id);
    if (decl !== undefined || this.whole === undefined || id.startsWith('node:')) return decl;
    const whole = this.whole;
    this.whole = undefined;
    const st = stat(whole);
    this.declareFrom(whole, st === undefined ? undefined : readIfCurrent(cacheFile, st));
    return this.declared.get(id);
  }

  ids(): string[] {
    return [...this.declared.keys()];
  }

  /** Whether module `id` has been executed. */
  executed(id: string): boolean {
    return this.records.get(id)?.state === 2;
  }

  async load(id: string): Promise<Namespace> {
    const rec = this.link(id);
    await this.run(rec);
    return rec.ns;
  }

  /** node: builtins and packages (CommonJS here): their exports, plus `default` as ESM gives. */
  private external(id: string): ModuleRecord {
    const rec: ModuleRecord = { ns: {}, importers: [], deps: [], execute: undefined, state: 2 };
    rec.ns = id.startsWith('node:') ? lazyBuiltin(id, rec) : namespaceOf(require(id) as object);
    return rec;
  }

  /** A module of the bundle, else a node: builtin or a package (the bundle names its own
   *  modules by path, so a name it does not declare is not one of ours). */
  private link(id: string): ModuleRecord {
    const known = this.records.get(id);
    if (known) return known;
    const decl = this.declaration(id);
    if (!decl) {
      const ext = this.external(id);
      this.records.set(id, ext);
      return ext;
    }
    const rec: ModuleRecord = { ns: Object.create(null) as Namespace, importers: [], deps: [], execute: undefined, state: 0 };
    this.records.set(id, rec);
    const exportFn: ExportFn = (name, value) => {
      if (typeof name === 'string') rec.ns[name] = value;
      else Object.assign(rec.ns, name);
      for (const set of rec.importers) set(rec.ns);
      return value;
    };
    const context: Context = {
      id,
      meta: {
        get url() {
          return moduleUrl(id);
        },
      },
      import: (s) => this.importDynamic(s, id),
    };
    const { setters, execute } = decl.declare(exportFn, context);
    rec.execute = execute;
    decl.deps.forEach((dep, i) => {
      const d = this.link(resolveId(dep, id));
      rec.deps.push(d);
      const set = setters[i];
      if (set) {
        d.importers.push(set);
        set(d.ns);
      }
    });
    return rec;
  }

  /** import(): a relative specifier must name a module of the bundle (ESM's error otherwise). */
  private importDynamic(specifier: string, parent: string): Promise<Namespace> {
    const id = resolveId(specifier, parent);
    if (specifier.startsWith('.') && !this.declaration(id)) {
      const err = Object.assign(new Error(`Cannot find module '${srcDir}/${id}.js' imported from ${srcDir}/${parent}.js`), { code: 'ERR_MODULE_NOT_FOUND' });
      return Promise.reject(err);
    }
    return this.load(id);
  }

  /** Executes a module's dependencies, then the module, as ESM does: synchronously, until a
   *  module body is asynchronous (top-level await), from which point on the rest waits for it.
   *  (An await per module and import cost ~1-4 ms on `run`'s ~100 modules.) */
  private run(rec: ModuleRecord): Promise<void> | undefined {
    if (rec.state !== 0) return undefined;
    rec.state = 1;
    return this.runFrom(rec, 0);
  }

  private runFrom(rec: ModuleRecord, dep: number): Promise<void> | undefined {
    for (let i = dep; i < rec.deps.length; i++) {
      const pending = this.run(rec.deps[i]!);
      if (pending !== undefined) return pending.then(() => this.runFrom(rec, i + 1));
    }
    const result = rec.execute?.();
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      return Promise.resolve(result).then(() => {
        rec.state = 2;
      });
    }
    rec.state = 2;
    return undefined;
  }
}

/** The command a CLI argv names (after the global flags), if it looks like one. */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-l' || a === '--log-level') i++;
    else if (a === '--') return undefined;
    else if (!a.startsWith('-')) return /^[a-z][a-z-]{0,30}$/.test(a) ? a : undefined;
  }
  return undefined;
}

interface UserCache {
  dir: string;
  path: string;
  data?: Buffer;
}

/** This command's own cache for this bundle and node; `data` when there is one we can trust. */
function userCache(command: string | undefined, bundle: Stats): UserCache | undefined {
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? `${process.env.HOME}/.cache` : '');
  if (command === undefined || !base.startsWith('/')) return undefined;
  const dir = `${base}/sandbox/v8`;
  const path = `${dir}/${command}-${process.version}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}.cache`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { dir, path };
  }
  try {
    // Checked on the open file: code we run must not come from anyone but us (or root).
    const st = fstatSync(fd);
    if ((st.uid !== process.getuid?.() && st.uid !== 0) || (st.mode & 0o022) !== 0) return undefined;
    return { dir, path, data: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

/** Best effort: a cache that can't be written only means the next run compiles again. */
function saveUserCache(script: Script, cache: UserCache): void {
  try {
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    const tmp = `${cache.path}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, cache.path);
    // The same command's caches for older bundles or node versions are dead weight now.
    const name = cache.path.slice(cache.dir.length + 1);
    const command = name.slice(0, name.indexOf('-v'));
    for (const f of readdirSync(cache.dir)) if (f !== name && f.startsWith(`${command}-v`) && f.endsWith('.cache')) unlinkSync(`${cache.dir}/${f}`);
  } catch {
    /* read-only or full home: nothing to do */
  }
}

/** The file's content when it is at least as new as the bundle (V8 checks only the length). */
function readIfCurrent(path: string, bundle: Stats): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).mtimeMs >= bundle.mtimeMs ? readFileSync(fd) : undefined;
  } finally {
    closeSync(fd);
  }
}

/** The file of a command's part of the bundle (main.js without a command: --version, --help). */
function partFile(command: string | undefined): string {
  return command === undefined ? mainPartFile : `${commandDir}/${command}.js`;
}

/** The build's cache of the script `file` (made with the part's modules executed). */
function builtCache(command: string | undefined, file: string, st: Stats): Buffer | undefined {
  const own = readIfCurrent(command === undefined ? mainCacheFile : `${commandDir}/${command}.cache`, st);
  return own ?? (file === bundleFile ? readIfCurrent(cacheFile, st) : undefined);
}

/**
 * The CLI's main module: from the command's part of the bundle, else the whole bundle, when it
 * is current, else from dist/src. A part holds cli/main and the modules the command imports
 * (statically or by a literal import()), so a run reads, deserializes and declares only those:
 * `run` ~2/3 of the bundle, `ps` 1/3, `--version` 1/10. Its caches (the build's, the user's)
 * hold only its modules' code, and deserializing costs ~3.5 us per KB.
 */
export async function loadCli(argv: string[] = process.argv.slice(2)): Promise<{ main: (argv: string[]) => Promise<number> }> {
  const esBuild = stat(esBuildFile);
  const current = (st: Stats | undefined): st is Stats => st !== undefined && (esBuild === undefined || esBuild.mtimeMs <= st.mtimeMs);
  const command = commandName(argv);
  let file = partFile(command);
  let st = stat(file);
  if (!current(st)) {
    file = bundleFile;
    st = stat(file);
  }
  if (!current(st) || process.env.SANDBOX_NO_BUNDLE === '1') {
    return (await import('../cli/main.js')) as { main: (argv: string[]) => Promise<number> };
  }
  const user = userCache(command, st);
  const loader = new BundleLoader(file, user?.data ?? builtCache(command, file, st), file === bundleFile ? undefined : bundleFile);
  if (user && (user.data === undefined || loader.script.cachedDataRejected === true)) {
    // Only after the command itself ran: a cache left by `run --help` (which never loads the
    // command's module) would hold none of its code, and it is written only once.
    process.once('exit', (code) => {
      if (code === 0 && loader.executed(`cli/commands/${command!}`)) saveUserCache(loader.script, user);
    });
  }
  return (await loader.load('cli/main')) as { main: (argv: string[]) => Promise<number> };
}

/**
 * Build step (scripts/build-bundle.mjs runs this in a fresh node per cache): link and execute
 * modules of the bundle (module bodies only declare things), then save V8's code for the
 * functions compiled so far. `target` undefined: every module of the bundle, sandbox.cache; '':
 * cli/main and its imports in main.js, main.cache; a command's name: those and the command's
 * module and its imports in commands/<name>.js (the whole bundle for a command without a part),
 * commands/<name>.cache. Written through a rename so that a concurrent CLI never reads half a
 * cache.
 */
export async function writeCodeCache(target?: string): Promise<number> {
  const part = target === undefined ? undefined : partFile(target === '' ? undefined : target);
  const file = part !== undefined && stat(part) !== undefined ? part : bundleFile;
  const loader = new BundleLoader(file, undefined, file === bundleFile ? undefined : bundleFile);
  if (target === undefined) {
    for (const id of loader.ids()) if (!id.startsWith('boot/')) await loader.load(id);
  } else {
    // A command of the table whose module has not landed yet has nothing to cache.
    if (target !== '' && !loader.ids().includes(`cli/commands/${target}`)) return 0;
    await loader.load('cli/main');
    if (target !== '') await loader.load(`cli/commands/${target}`);
  }
  const data = loader.script.createCachedData();
  const out = target === undefined ? cacheFile : target === '' ? mainCacheFile : `${commandDir}/${target}.cache`;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o644 });
  renameSync(tmp, out);
  return data.length;
}
