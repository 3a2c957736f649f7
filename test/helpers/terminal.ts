// A caller's terminal for -t tests: util-linux `script` runs a shell line on a pty of its own;
// keys are typed into it one chunk at a time, with a pause before each, the way a person would.
import { spawn } from 'node:child_process';
import { sandboxBin } from './cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI as a shell word list, for shell lines run in the terminal. */
export const cliWords = `${quote(process.execPath)} -- ${quote(sandboxBin)}`;

/** Keys to type: a string after the pause, or after the screen shows `after` (since the last keys). */
export type TypedKeys = string | { after: RegExp; keys: string; first?: () => unknown };

/**
 * Run `shellLine` in a terminal, typing `keys`. Resolves with everything the terminal showed
 * and script's exit status (the command's, with -e). The terminal's input stays open until the
 * command is done: script ends at our EOF.
 */
export function inTerminal(env: NodeJS.ProcessEnv, shellLine: string, keys: TypedKeys[] = [], pauseMs = 1500): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', shellLine, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    let screen = '';
    let closed = false;
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      closed = true;
      clearTimeout(timer);
      resolve({ code, screen });
    });
    void (async () => {
      let seen = 0;
      for (const k of keys) {
        if (typeof k === 'string') {
          await sleep(pauseMs);
          child.stdin.write(k);
          continue;
        }
        // Wait for what a person would wait for (a prompt) however slow the machine is.
        while (!closed && !k.after.test(screen.slice(seen))) await sleep(50);
        seen = screen.length;
        await sleep(200); // the prompt is written just before the shell reads
        await k.first?.();
        child.stdin.write(k.keys);
      }
    })();
  });
}
