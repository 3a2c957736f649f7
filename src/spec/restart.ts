// --restart: docker's policies, checked here and carried to the monitor in the runtime config's
// sandbox.restart (the monitor restarts the container; there is no daemon). Pure.
import { SpecError } from '../errors.js';

export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  /** on-failure only: give up after this many restarts (0 = never give up). */
  maxRetries: number;
}

export function parseRestartPolicy(text: string | undefined, autoRemove: boolean): RestartPolicy {
  const value = text ?? 'no';
  const [name, count] = value.split(':', 2) as [string, string | undefined];
  if (!['no', 'on-failure', 'always', 'unless-stopped'].includes(name)) throw new SpecError(`invalid restart policy: ${value}`);
  if (count !== undefined && name !== 'on-failure') throw new SpecError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  const maxRetries = count === undefined ? 0 : Number(count);
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || count === '') throw new SpecError(`invalid restart policy: invalid maximum retry count: ${count}`);
  if (autoRemove && name !== 'no') throw new SpecError('Conflicting options: --restart and --rm');
  return { name: name as RestartPolicy['name'], maxRetries };
}
