// The one error hierarchy. Every failure a user can see is one of these; cli/main maps them to
// exit codes in exactly one place (exitCodeOf) and prints `sandbox: <message>` on one line.
// docker's conventions: 125 = the runtime (us) failed, 126 = command not invokable,
// 127 = command not found; otherwise the container's own exit code.

export const EXIT_RUNTIME = 125;
export const EXIT_NOT_INVOKABLE = 126;
export const EXIT_NOT_FOUND = 127;

export abstract class SandboxError extends Error {
  abstract readonly exitCode: number;
  /** Extra lines printed after the message (docker's "See 'sandbox run --help'."). */
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Bad command line: unknown flag, bad value, missing argument. */
export class UsageError extends SandboxError {
  readonly exitCode = EXIT_RUNTIME;
  /** When true, main prints the message bare (docker prints `flag provided but not defined` without a prefix). */
  readonly bare: boolean;
  constructor(message: string, hint?: string, bare = false) {
    super(message, hint);
    this.bare = bare;
  }
}

/** A run spec that cannot be honoured (conflicting or impossible options). */
export class SpecError extends SandboxError {
  readonly exitCode = EXIT_RUNTIME;
}

/** Image references, archives, registries, the store. */
export class ImageError extends SandboxError {
  readonly exitCode = EXIT_RUNTIME;
}

/** Container records, names, locks. */
export class StateError extends SandboxError {
  readonly exitCode = EXIT_RUNTIME;
}

/** A failure reported by the native side (monitor, init, unpacker). */
export class NativeError extends SandboxError {
  readonly exitCode = EXIT_RUNTIME;
  readonly step: string | undefined;
  readonly errno: number | undefined;
  constructor(message: string, opts: { step?: string; errno?: number; hint?: string } = {}) {
    super(message, opts.hint);
    this.step = opts.step;
    this.errno = opts.errno;
  }
}

/** The container's command could not be executed (docker: 126 / 127). */
export class ExecError extends SandboxError {
  readonly exitCode: number;
  constructor(message: string, exitCode: typeof EXIT_NOT_INVOKABLE | typeof EXIT_NOT_FOUND) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A feature this host lacks (no user namespaces, no subordinate ids, ...), with its fix. */
export class HostError extends SandboxError {
  readonly exitCode = EXIT_RUNTIME;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof SandboxError ? err.exitCode : EXIT_RUNTIME;
}
