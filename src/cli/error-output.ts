// How a failure reaches the user: the text main prints on stderr and the exit code it returns.
// Pure, so every shape of failure is tested without running a command.
import { exitCodeOf, SandboxError, UsageError } from '../errors.js';

export interface ErrorOutput {
  text: string;
  exitCode: number;
}

/**
 * A SandboxError prints `sandbox: <message>` (bare for docker's flag errors) and its hint lines;
 * anything else is our bug: `sandbox: internal error: <message>`, exit 125. The stack is
 * printed only when asked for (--log-level debug, -D): users want the one line, we want the stack.
 */
export function describeError(err: unknown, showStack: boolean): ErrorOutput {
  const lines: string[] = [];
  if (err instanceof SandboxError) {
    lines.push(err instanceof UsageError && err.bare ? err.message : `sandbox: ${err.message}`);
    if (err.hint !== undefined) lines.push(err.hint);
    if (showStack && !(err instanceof UsageError) && err.stack) lines.push(err.stack);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    lines.push(`sandbox: internal error: ${message}`);
    if (showStack && err instanceof Error && err.stack) lines.push(err.stack);
  }
  return { text: lines.join('\n') + '\n', exitCode: exitCodeOf(err) };
}
