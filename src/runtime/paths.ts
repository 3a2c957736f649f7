// Where the native executable and binding live: built by cmake-js into build/Release, found
// relative to this package so an installed copy works from any directory.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const packageRoot = fileURLToPath(new URL('../../../', import.meta.url)); // dist/src/runtime -> root

export function monitorPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SANDBOX_MONITOR ?? join(packageRoot, 'build', 'Release', 'sandbox-monitor');
}

export function bindingPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SANDBOX_BINDING ?? join(packageRoot, 'build', 'Release', 'sandbox.node');
}

export { packageRoot };
