// The container's /etc/resolv.conf and /etc/hosts for its network. Pure: the host's
// resolv.conf text comes in. (oci/etc-files.ts writes the network-less defaults; these replace
// them once the network is known.)
import { hostsFile, resolvConfFile } from '../oci/etc-files.js';
import { SLIRP, type ContainerNetwork } from './options.js';

function lines(text: string | undefined, re: RegExp): string[] {
  return (text ?? '').split('\n').filter((l) => re.test(l));
}

/**
 * slirp: its DNS forwarder (10.0.2.3 follows the host's resolv.conf, loopback resolvers
 * included, because it sends from the host); host: the host's own file; none: the host's
 * servers, unreachable as in docker; a user-defined network: its gateway, where the switch's
 * embedded DNS answers. --dns/--dns-search/--dns-option replace their kind.
 */
export function networkResolvConf(net: ContainerNetwork, hostText: string | undefined, gateway?: string): string {
  if (net.mode === 'host' && net.dns.length + net.dnsSearch.length + net.dnsOptions.length === 0) return hostText ?? '';
  const base = net.mode === 'none' ? resolvConfFile(hostText) : hostText;
  const servers = net.dns.length > 0 ? net.dns.map((d) => `nameserver ${d}`) : net.mode === 'slirp' ? [`nameserver ${SLIRP.dns4}`] : net.mode === 'switch' && gateway !== undefined ? [`nameserver ${gateway}`] : lines(base, /^\s*nameserver\s/);
  const search = net.dnsSearch.length > 0 ? (net.dnsSearch.includes('.') ? [] : [`search ${net.dnsSearch.join(' ')}`]) : lines(base, /^\s*(search|domain)\s/);
  let options = net.dnsOptions.length > 0 ? [`options ${net.dnsOptions.join(' ')}`] : lines(base, /^\s*options\s/);
  // docker's choice for its embedded DNS: ndots:0, so a member's name is asked as it is before
  // any search domain is tried (web, not web.corp.example at the host's resolvers first).
  if (net.mode === 'switch' && !options.some((l) => /\bndots:/.test(l))) options = [...options, 'options ndots:0'];
  return [...search, ...servers, ...options, ''].join('\n');
}

/** docker's /etc/hosts: the container's name on its own address, then --add-host entries. */
export function networkHosts(net: ContainerNetwork, hostname: string, hostHosts: string | undefined, ownIp?: string, ownIp6?: string): string {
  if (net.mode === 'host') return (hostHosts ?? hostsFile(hostname)) + net.extraHosts.map((h) => `${h.ip}\t${h.name}\n`).join('');
  const own = net.mode === 'slirp' ? SLIRP.guest4 : net.mode === 'switch' && ownIp !== undefined ? ownIp : '127.0.0.1';
  // On a network with IPv6, docker lists the container's IPv6 address under its name too.
  const base = hostsFile(hostname, own) + (net.mode === 'switch' && ownIp6 !== undefined ? `${ownIp6}\t${hostname}\n` : '');
  return base + net.extraHosts.map((h) => `${h.ip}\t${h.name}\n`).join('');
}
