// Docker's seccomp profile format (what `--security-opt seccomp=PROFILE.json` reads, and what our
// default is written in), checked, and resolved for one container into the OCI runtime spec's
// linux.seccomp: includes/excludes decided by the container's capabilities, architecture and
// kernel, so the native side only compiles rules. Pure.
import { SpecError } from '../errors.js';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompFilterCondition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SeccompProfileRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
  includes?: SeccompFilterCondition;
  excludes?: SeccompFilterCondition;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls: SeccompProfileRule[];
}

/** linux.seccomp of the runtime config (OCI runtime-spec). */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: { names: string[]; action: string; errnoRet?: number; args?: SeccompArg[] }[];
}

const ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG'];
const OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];

/** Node's process.arch -> docker's architecture names (includes.arches) and libseccomp's. */
const ARCHES: Record<string, { docker: string; scmp: string }> = {
  x64: { docker: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  arm64: { docker: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
  ia32: { docker: '386', scmp: 'SCMP_ARCH_X86' },
  arm: { docker: 'arm', scmp: 'SCMP_ARCH_ARM' },
  ppc64: { docker: 'ppc64le', scmp: 'SCMP_ARCH_PPC64LE' },
  s390x: { docker: 's390x', scmp: 'SCMP_ARCH_S390X' },
  riscv64: { docker: 'riscv64', scmp: 'SCMP_ARCH_RISCV64' },
};

function fail(source: string, what: string): never {
  throw new SpecError(`invalid seccomp profile ${source}: ${what}`);
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** JSON text -> a checked profile; every problem is one line naming the file and the field. */
export function parseSeccompProfile(text: string, source: string): SeccompProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(source, `not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(source, 'want a JSON object');
  const p = doc as Record<string, unknown>;
  if (typeof p.defaultAction !== 'string' || !ACTIONS.includes(p.defaultAction)) fail(source, `defaultAction '${String(p.defaultAction)}' is not one of ${ACTIONS.join(', ')}`);
  if (p.defaultErrnoRet !== undefined && !Number.isInteger(p.defaultErrnoRet)) fail(source, 'defaultErrnoRet must be an integer');
  if (p.architectures !== undefined && !isStrings(p.architectures)) fail(source, 'architectures must be a list of names');
  if (p.archMap !== undefined && (!Array.isArray(p.archMap) || !p.archMap.every((a) => typeof a?.architecture === 'string'))) fail(source, 'archMap entries need an architecture');
  if (p.syscalls !== undefined && !Array.isArray(p.syscalls)) fail(source, 'syscalls must be a list');
  const rules = (p.syscalls ?? []) as unknown[];
  rules.forEach((r, i) => {
    const at = `syscalls[${i}]`;
    if (typeof r !== 'object' || r === null) fail(source, `${at} must be an object`);
    const rule = r as Record<string, unknown>;
    // docker's older single-name form.
    if (typeof rule.name === 'string' && rule.names === undefined) rule.names = [rule.name];
    if (!isStrings(rule.names) || rule.names.length === 0) fail(source, `${at}.names must list syscall names`);
    if (typeof rule.action !== 'string' || !ACTIONS.includes(rule.action)) fail(source, `${at}.action '${String(rule.action)}' is not one of ${ACTIONS.join(', ')}`);
    if (rule.errnoRet !== undefined && !Number.isInteger(rule.errnoRet)) fail(source, `${at}.errnoRet must be an integer`);
    for (const [j, a] of ((rule.args as unknown[] | undefined) ?? []).entries()) {
      const arg = a as Record<string, unknown>;
      if (!Number.isInteger(arg?.index) || (arg.index as number) < 0 || (arg.index as number) > 5) fail(source, `${at}.args[${j}].index must be 0 to 5`);
      if (!Number.isInteger(arg.value) || (arg.valueTwo !== undefined && !Number.isInteger(arg.valueTwo))) fail(source, `${at}.args[${j}] values must be integers`);
      if (typeof arg.op !== 'string' || !OPS.includes(arg.op)) fail(source, `${at}.args[${j}].op '${String(arg.op)}' is not one of ${OPS.join(', ')}`);
    }
  });
  return { ...(p as unknown as SeccompProfile), syscalls: rules as SeccompProfileRule[] };
}

/** "6.18.44-fc" >= "4.8"? */
export function kernelAtLeast(release: string, min: string): boolean {
  const parse = (s: string) => (/^(\d+)\.(\d+)/.exec(s) ?? ['', '0', '0']).slice(1, 3).map(Number) as [number, number];
  const [a, b] = parse(release);
  const [c, d] = parse(min);
  return a > c || (a === c && b >= d);
}

export interface SeccompContext {
  /** The container's bounding set, CAP_-prefixed. */
  capabilities: readonly string[];
  /** Node's process.arch. */
  arch: string;
  /** os.release(). */
  kernel: string;
}

function applies(rule: SeccompProfileRule, ctx: SeccompContext): boolean {
  const arch = ARCHES[ctx.arch]?.docker ?? ctx.arch;
  const inc = rule.includes ?? {};
  const exc = rule.excludes ?? {};
  if (inc.caps?.some((c) => !ctx.capabilities.includes(c))) return false;
  if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(arch)) return false;
  if (inc.minKernel && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false;
  if (exc.caps?.some((c) => ctx.capabilities.includes(c))) return false;
  if (exc.arches?.includes(arch)) return false;
  if (exc.minKernel && kernelAtLeast(ctx.kernel, exc.minKernel)) return false;
  return true;
}

/**
 * The profile as the native side compiles it for this container. A syscall's first
 * unconditional rule wins and later rules for it are dropped (libseccomp refuses two verdicts
 * for one syscall), which lets a profile list "allowed with CAP_X" before "denied otherwise".
 */
export function resolveSeccompProfile(profile: SeccompProfile, ctx: SeccompContext): OciSeccomp {
  const native = ARCHES[ctx.arch]?.scmp;
  const mapped = profile.archMap?.find((a) => a.architecture === native);
  const architectures = mapped ? [mapped.architecture, ...(mapped.subArchitectures ?? [])] : profile.architectures ?? [];
  const decided = new Set<string>();
  const conditional = new Set<string>();
  const syscalls: OciSeccomp['syscalls'] = [];
  for (const rule of profile.syscalls) {
    if (!applies(rule, ctx)) continue;
    const hasArgs = (rule.args?.length ?? 0) > 0;
    const fresh = rule.names.filter((n) => !decided.has(n) && (hasArgs || !conditional.has(n)));
    for (const n of fresh) (hasArgs ? conditional : decided).add(n);
    if (fresh.length === 0) continue;
    const out: OciSeccomp['syscalls'][number] = { names: fresh, action: rule.action };
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    if (hasArgs) out.args = rule.args!.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op }));
    syscalls.push(out);
  }
  const out: OciSeccomp = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  return out;
}
