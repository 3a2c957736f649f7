// Specification of what `sandbox version` reports.
import test from 'ava';
import { formatVersionJson, formatVersionText, versionInfo } from '../../../src/cli/commands/version.js';

test("architectures use Go's names, as docker prints them", (t) => {
  t.is(versionInfo('0.1.0', 'v20.1.0', 'linux', 'x64').Arch, 'amd64');
  t.is(versionInfo('0.1.0', 'v20.1.0', 'linux', 'ia32').Arch, '386');
  t.is(versionInfo('0.1.0', 'v20.1.0', 'linux', 'arm64').Arch, 'arm64');
});

test('text output: version, Node version, OS/Arch, aligned', (t) => {
  t.is(formatVersionText(versionInfo('0.1.0', 'v20.1.0', 'linux', 'x64')), 'Version:      0.1.0\nNode version: v20.1.0\nOS/Arch:      linux/amd64\n');
});

test("JSON output nests the fields under Client, as docker's does", (t) => {
  t.is(formatVersionJson(versionInfo('0.1.0', 'v20.1.0', 'linux', 'arm64')), '{"Client":{"Version":"0.1.0","NodeVersion":"v20.1.0","Os":"linux","Arch":"arm64"}}\n');
});
