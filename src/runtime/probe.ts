// Run `sandbox-monitor probe` (user namespaces, id maps, overlay in a user namespace, FUSE,
// tun are only testable from a fresh single-threaded process) and return its report.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { NativeError } from '../errors.js';
import { formatIdMap, type IdMaps } from './idmap.js';
import { monitorPath } from './paths.js';
import { parseNativeMessage, type ProbeReport } from './protocol.js';

export function probeHost(maps: IdMaps, scratchDir: string): Promise<ProbeReport> {
  return mkdir(scratchDir, { recursive: true, mode: 0o700 }).then(
    () =>
      new Promise<ProbeReport>((resolve, reject) => {
        const args = ['probe', '--uidmap', formatIdMap(maps.uidMappings), '--gidmap', formatIdMap(maps.gidMappings), '--scratch', scratchDir];
        execFile(monitorPath(), args, { timeout: 10_000 }, (err, stdout) => {
          const line = stdout.split('\n').find((l) => l.includes('"type"'));
          if (!line) {
            reject(new NativeError(`sandbox-monitor probe gave no report${err ? `: ${err.message}` : ''}`));
            return;
          }
          const m = parseNativeMessage(line);
          if (m.type === 'probe') resolve(m);
          else if (m.type === 'error') reject(new NativeError(m.message, { step: m.step, errno: m.errno }));
          else reject(new NativeError(`unexpected '${m.type}' message from sandbox-monitor probe`));
        });
      }),
  );
}
