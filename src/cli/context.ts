// What a command gets from main instead of reaching for process.*: its streams, environment and
// log level. Tests hand in fake streams and a fake environment.
import type { LogLevel } from './global-options.js';

export type { LogLevel };

export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  logLevel: LogLevel;
}

/** The shape of src/cli/commands/<name>.ts: returns the exit code; failures throw SandboxErrors. */
export interface CommandModule {
  command(args: string[], ctx: CommandContext): Promise<number>;
}
