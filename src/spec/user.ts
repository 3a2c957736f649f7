// `-u/--user` and the image's User, resolved as docker (runc's GetExecUser) does against the
// image's /etc/passwd and /etc/group: user, user:group, uid, uid:gid, user:gid, uid:group.
// Pure: the two files' text is passed in (undefined when the image has none).
import { SpecError } from '../errors.js';
import type { ProcessUser } from './types.js';

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

const MAX_ID = 2147483647;

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5]! });
  }
  return out;
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: f[3]!.split(',').filter(Boolean) });
  }
  return out;
}

function numericId(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= MAX_ID ? n : NaN;
}

function checkRange(n: number | undefined, what: string, value: string): void {
  if (n !== undefined && Number.isNaN(n)) throw new SpecError(`invalid ${what} '${value}': ids must be in 0..${MAX_ID}`);
}

/**
 * Resolve a user spec ("" = root) plus --group-add entries.
 * @param flag the option the value came from, for error messages ("--user" or "image User").
 */
export function resolveUser(userSpec: string | undefined, passwdText: string | undefined, groupText: string | undefined, groupAdd: string[] = [], flag = '--user'): ProcessUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const spec = userSpec ?? '';
  const [userPart, groupPart] = spec.includes(':') ? [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)] : [spec, undefined];

  let uid = 0;
  let gid = 0;
  let home = '/';
  let userName: string | undefined;
  const u = userPart === '' ? 'root' : userPart;
  const uNum = numericId(u);
  checkRange(uNum, 'user', u);
  const entry = uNum !== undefined ? passwd.find((p) => p.uid === uNum) : passwd.find((p) => p.name === u);
  if (entry) {
    uid = entry.uid;
    gid = entry.gid;
    home = entry.home;
    userName = entry.name;
  } else if (uNum !== undefined) {
    uid = uNum; // a numeric user need not exist in the image (docker runs it with gid 0, HOME=/)
  } else if (userPart !== '') {
    throw new SpecError(`unable to find user ${u}: no matching entries in passwd file (${flag} ${spec})`);
  }

  if (groupPart !== undefined) {
    const gNum = numericId(groupPart);
    checkRange(gNum, 'group', groupPart);
    if (gNum !== undefined) gid = gNum;
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new SpecError(`unable to find group ${groupPart}: no matching entries in group file (${flag} ${spec})`);
      gid = g.gid;
    }
  }

  // Supplementary groups: the user's memberships in /etc/group (only when no explicit group was
  // given, as runc does), then --group-add in order, without duplicates.
  const additional: number[] = [];
  const add = (g: number) => {
    if (!additional.includes(g)) additional.push(g);
  };
  if (groupPart === undefined && userName !== undefined) {
    for (const g of groups) if (g.members.includes(userName)) add(g.gid);
  }
  for (const ga of groupAdd) {
    const n = numericId(ga);
    checkRange(n, 'group', ga);
    if (n !== undefined) add(n);
    else {
      const g = groups.find((x) => x.name === ga);
      if (!g) throw new SpecError(`unable to find group ${ga}: no matching entries in group file (--group-add ${ga})`);
      add(g.gid);
    }
  }
  return { uid, gid, additionalGids: additional, home };
}
