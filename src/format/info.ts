// `sandbox info` as text. Pure.
import type { HostInfo } from '../runtime/host-info.js';

export function formatHostInfo(info: HostInfo): string {
  const lines = [
    'Host:',
    `  Version:     ${info.version}`,
    `  Kernel:      ${info.kernel}`,
    `  OS/Arch:     ${info.os}/${info.arch}`,
    `  User:        ${info.user.name} (uid ${info.user.uid}, gid ${info.user.gid})`,
    `  Cgroups:     ${info.cgroups.version}${info.cgroups.path ? ` (${info.cgroups.path})` : ''}`,
    'Storage:',
    `  Data dir:    ${info.storage.dataDir} (${info.storage.filesystem})`,
    `  Runtime dir: ${info.storage.runtimeDir}`,
  ];
  // The rootfs driver a run would use, and why; then every driver and whether it works here.
  const d = info.storage.driver;
  if (d) lines.push('error' in d ? `  Driver:      none (${d.error})` : `  Driver:      ${d.driver} (${d.reason})`);
  for (const s of info.storage.drivers ?? []) lines.push(`    ${s.driver.padEnd(12)}  ${s.works ? 'works' : 'no   '}  ${s.detail}`);
  lines.push('Checks:');
  const width = Math.max(...info.checks.map((c) => c.name.length));
  for (const c of info.checks) {
    lines.push(`  ${c.ok ? 'ok  ' : 'MISS'}  ${c.name.padEnd(width)}  ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`        ${''.padEnd(width)}  fix: ${c.fix}`);
  }
  return lines.join('\n') + '\n';
}
