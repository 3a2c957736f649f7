// Published ports as docker prints them (`sandbox port`, and the PORTS column of ps). Pure.
import type { PortBinding } from './options.js';

function hostAddress(p: PortBinding): string {
  const ip = p.hostIp === '' ? '0.0.0.0' : p.hostIp;
  return ip.includes(':') ? `[${ip}]:${p.hostPort}` : `${ip}:${p.hostPort}`;
}

/** `sandbox port` lines; with a filter ("80" or "80/udp") only that port, without the prefix. */
export function formatPortLines(ports: PortBinding[], filter?: string): string[] {
  if (filter === undefined) return ports.map((p) => `${p.containerPort}/${p.protocol} -> ${hostAddress(p)}`);
  const [port, proto = 'tcp'] = filter.split('/');
  return ports.filter((p) => String(p.containerPort) === port && p.protocol === proto).map(hostAddress);
}

/** ps's PORTS column: `0.0.0.0:8080->80/tcp, 127.0.0.1:9000->9000/tcp`. */
export function formatPortsColumn(ports: PortBinding[]): string {
  return ports.map((p) => `${hostAddress(p)}->${p.containerPort}/${p.protocol}`).join(', ');
}
