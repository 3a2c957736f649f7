// Capability sets: docker's 14 defaults (the reference's first table), --cap-add/--cap-drop with
// or without the CAP_ prefix, case-insensitive, and ALL. Pure.
import { SpecError } from '../errors.js';

export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
] as const;

/** Every capability Linux defines (up to CAP_CHECKPOINT_RESTORE, 40), in number order. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

function normalise(name: string, flag: string): string {
  const up = name.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const full = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!(ALL_CAPABILITIES as readonly string[]).includes(full)) {
    throw new SpecError(`invalid capability '${name}' for ${flag}: see 'sandbox run --help' for the names (with or without CAP_)`);
  }
  return full;
}

/** Docker's rule: start from the defaults (or ALL when added), add, then drop (drop ALL empties). */
export function resolveCapabilities(capAdd: string[], capDrop: string[], privileged = false): string[] {
  const adds = capAdd.map((c) => normalise(c, '--cap-add'));
  const drops = capDrop.map((c) => normalise(c, '--cap-drop'));
  let set = new Set<string>(privileged || adds.includes('ALL') ? ALL_CAPABILITIES : DEFAULT_CAPABILITIES);
  for (const a of adds) if (a !== 'ALL') set.add(a);
  if (drops.includes('ALL')) set = new Set(adds.filter((a) => a !== 'ALL' && !drops.includes(a)));
  for (const d of drops) set.delete(d);
  return ALL_CAPABILITIES.filter((c) => set.has(c));
}
