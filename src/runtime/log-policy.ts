// Which containers the monitor logs (docs/detached.md, Logging). Pure: the CLI's launch and
// `inspect` (LogPath, LogConfig) ask the same question.
import type { LogSettings } from '../spec/logging.js';

export interface LogFacts {
  /** -t: the monitor relays the container's terminal anyway. */
  tty: boolean;
  /** --rm: nothing can read the log once the run has ended. */
  autoRemove: boolean;
  /** --log-driver/--log-opt as given; absent: none given (k8s-file by default). */
  log?: LogSettings | undefined;
}

/**
 * A foreground run is logged as docker logs every container: -t always (its output passes
 * through the monitor anyway; `none` sends it to /dev/null), without -t unless --log-driver
 * none, or --rm with no --log-driver/--log-opt: such a run keeps the container writing to the
 * caller's stdio directly, the lean start-up `run --rm` is used for.
 */
export function foregroundLogged(f: LogFacts): boolean {
  if (f.tty) return true;
  if (f.log?.driver === 'none') return false;
  return !f.autoRemove || f.log !== undefined;
}
