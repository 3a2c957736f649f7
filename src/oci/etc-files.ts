// The /etc files docker generates for each container and binds in: hostname, hosts and
// resolv.conf. Pure: the host's resolv.conf text comes in.

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** docker's default /etc/hosts; the container's own name resolves to loopback until it has a network address. */
export function hostsFile(hostname: string, address = '127.0.0.1'): string {
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `${address}\t${hostname}`,
    '',
  ].join('\n');
}

const LOOPBACK_NS = /^\s*nameserver\s+(127\.\S*|::1|0\.0\.0\.0)\s*$/;

/**
 * The host's resolv.conf without loopback nameservers (a local resolver such as
 * systemd-resolved's 127.0.0.53 is unreachable from the container's network namespace); with
 * none left, docker's fallback: Google's public servers.
 */
export function resolvConfFile(hostText: string | undefined): string {
  const lines = (hostText ?? '').split('\n').filter((l) => !LOOPBACK_NS.test(l));
  const hasServer = lines.some((l) => /^\s*nameserver\s+\S/.test(l));
  const body = lines.join('\n').replace(/\n+$/, '');
  const fallback = hasServer ? '' : '\nnameserver 8.8.8.8\nnameserver 8.8.4.4';
  return `${body}${fallback}\n`.replace(/^\n/, '');
}
