// A caller's terminal for -t tests: util-linux `script` runs a shell line on a pty of its own;
// keys are typed into it one chunk at a time, with a pause before each, the way a person would.
import { spawn } from 'node:child_process';
import { sandboxBin } from './cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI as a shell word list, for shell lines run in the terminal. */
export const cliWords = `${quote(process.execPath)} -- ${quote(sandboxBin)}`;

/**
 * Run `shellLine` in a terminal, typing `keys`. Resolves with everything the terminal showed
 * and script's exit status (the command's, with -e). The terminal's input stays open until the
 * command is done: script ends at our EOF.
 */
export function inTerminal(env: NodeJS.ProcessEnv, shellLine: string, keys: string[] = [], pauseMs = 1500): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', shellLine, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
    void (async () => {
      for (const k of keys) {
        await sleep(pauseMs);
        child.stdin.write(k);
      }
    })();
  });
}
