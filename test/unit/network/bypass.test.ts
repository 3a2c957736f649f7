// Which containers get the outbound bypass (src/network/runtime.ts, outboundBypass): pure,
// from the generated runtime config. docs/networks.md says why each rule is there.
import test from 'ava';
import { outboundBypass } from '../../../src/network/runtime.js';
import { DEFAULT_SECCOMP_PROFILE } from '../../../src/security/default-seccomp.js';
import { resolveSeccompProfile } from '../../../src/security/seccomp-profile.js';
import type { RuntimeConfig } from '../../../src/oci/types.js';

const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_NET_RAW', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID'];
const defaultSeccomp = resolveSeccompProfile(DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS, arch: 'x64', kernel: '6.8.0' });

function config(over: { seccomp?: RuntimeConfig['linux']['seccomp'] | null; bounding?: string[] } = {}): RuntimeConfig {
  const seccomp = over.seccomp === null ? undefined : (over.seccomp ?? defaultSeccomp);
  const bounding = over.bounding ?? DOCKER_CAPS;
  return {
    process: { capabilities: { bounding, effective: bounding, inheritable: [], permitted: bounding, ambient: [] } },
    linux: { seccomp },
  } as unknown as RuntimeConfig;
}
const slirp = { mode: 'slirp', bypass: true } as const;

test('the default network with docker\'s capabilities and the default profile bypasses libslirp', (t) => {
  t.true(outboundBypass(config(), slirp));
});

test('asked off (slirp4netns:bypass=false), or another network mode: no bypass', (t) => {
  t.false(outboundBypass(config(), { mode: 'slirp', bypass: false }));
  t.false(outboundBypass(config(), { mode: 'none', bypass: true }));
  t.false(outboundBypass(config(), { mode: 'host', bypass: true }));
});

test('no seccomp filter at all (--privileged, seccomp=unconfined): no bypass', (t) => {
  t.false(outboundBypass(config({ seccomp: null }), slirp));
});

test('CAP_NET_ADMIN in the bounding set (--cap-add NET_ADMIN, --privileged): no bypass', (t) => {
  t.false(outboundBypass(config({ bounding: [...DOCKER_CAPS, 'CAP_NET_ADMIN'] }), slirp));
});

test('a profile that may allow io_uring_setup: no bypass', (t) => {
  const allowAll = { defaultAction: 'SCMP_ACT_ALLOW', architectures: [], syscalls: [] };
  t.false(outboundBypass(config({ seccomp: allowAll }), slirp));
  const named = { ...defaultSeccomp, syscalls: [...defaultSeccomp.syscalls, { names: ['io_uring_setup'], action: 'SCMP_ACT_ALLOW' }] };
  t.false(outboundBypass(config({ seccomp: named }), slirp));
  const refused = { defaultAction: 'SCMP_ACT_ALLOW', architectures: [], syscalls: [{ names: ['io_uring_setup', 'io_uring_enter'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
  t.true(outboundBypass(config({ seccomp: refused }), slirp));
});
