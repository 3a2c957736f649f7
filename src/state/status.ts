// Container status transitions, allowed in exactly one place. Pure.
import { StateError } from '../errors.js';

// 'dead' is docker's word for a container whose end we could not observe: its monitor died
// (kill -9) before writing the exit file, so its exit code is unknown.
export type ContainerStatus = 'created' | 'running' | 'exited' | 'dead' | 'removing';

const ALLOWED: Record<ContainerStatus, ContainerStatus[]> = {
  created: ['running', 'exited', 'dead', 'removing'],
  running: ['exited', 'dead', 'removing'],
  exited: ['running', 'removing'],
  dead: ['running', 'removing'],
  removing: [],
};

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function assertTransition(id: string, from: ContainerStatus, to: ContainerStatus): void {
  if (!canTransition(from, to)) throw new StateError(`container ${id.slice(0, 12)} cannot go from ${from} to ${to}`);
}
