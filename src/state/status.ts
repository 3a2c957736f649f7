// Container status transitions, allowed in exactly one place. Pure.
import { StateError } from '../errors.js';

export type ContainerStatus = 'created' | 'running' | 'exited' | 'removing';

const ALLOWED: Record<ContainerStatus, ContainerStatus[]> = {
  created: ['running', 'exited', 'removing'],
  running: ['exited', 'removing'],
  exited: ['running', 'removing'],
  removing: [],
};

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function assertTransition(id: string, from: ContainerStatus, to: ContainerStatus): void {
  if (!canTransition(from, to)) throw new StateError(`container ${id.slice(0, 12)} cannot go from ${from} to ${to}`);
}
