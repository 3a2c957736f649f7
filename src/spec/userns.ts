// --userns: which user namespace map the container gets. Pure: the caller's own ids and name
// come in. Rootless, "" and "host" are the default map (container 0 = you, podman's rootless
// "host" means the same: the user namespace you own, not the host's); keep-id is podman's.
import { SpecError } from '../errors.js';
import { parsePasswd, parseGroup } from './user.js';

export type UsernsRequest =
  | { mode: 'default' }
  /** uid/gid: the ids you appear as inside; undefined until the run fills in your own. */
  | { mode: 'keep-id'; uid: number | undefined; gid: number | undefined; name?: string };

const MAX_ID = 2147483647;

function idValue(v: string, value: string): number {
  if (!/^\d+$/.test(v) || Number(v) > MAX_ID) throw new SpecError(`invalid value "${value}" for --userns: keep-id ids must be numbers in 0..${MAX_ID}`);
  return Number(v);
}

export function parseUserns(value: string | undefined): UsernsRequest {
  if (value === undefined || value === '' || value === 'host') return { mode: 'default' };
  if (value === 'keep-id') return { mode: 'keep-id', uid: undefined, gid: undefined };
  if (value.startsWith('keep-id:')) {
    let uid: number | undefined;
    let gid: number | undefined;
    for (const opt of value.slice('keep-id:'.length).split(',')) {
      const eq = opt.indexOf('=');
      const [k, v] = eq < 0 ? [opt, ''] : [opt.slice(0, eq), opt.slice(eq + 1)];
      if (k === 'uid') uid = idValue(v, value);
      else if (k === 'gid') gid = idValue(v, value);
      else throw new SpecError(`invalid value "${value}" for --userns: unknown keep-id option "${opt}" (want uid=N,gid=N)`);
    }
    return { mode: 'keep-id', uid, gid };
  }
  throw new SpecError(`invalid value "${value}" for --userns: supported are "" or host (the default rootless map) and keep-id[:uid=N,gid=N]`);
}

/** keep-id's ids inside: as given, else your own (podman: uid= alone keeps your gid). */
export function withOwnIds(req: UsernsRequest, ownUid: number, ownGid: number, ownName: string): UsernsRequest {
  if (req.mode !== 'keep-id') return req;
  return { mode: 'keep-id', uid: req.uid ?? ownUid, gid: req.gid ?? ownGid, name: req.name ?? ownName };
}

/**
 * podman's keep-id passwd/group lines (libpod userPasswdEntry): when the image knows neither
 * your name nor your uid, a line "name:*:uid:gid:name:home:/bin/sh" is added, home being the
 * container's working directory (podman uses your host home only when that is mounted in);
 * the same for your gid in /etc/group. undefined: the image's file already has you.
 */
export function keepIdEtcFiles(
  ids: { uid: number; gid: number },
  name: string,
  home: string,
  passwdText: string | undefined,
  groupText: string | undefined,
): { passwd?: string; group?: string } {
  const out: { passwd?: string; group?: string } = {};
  const withNewline = (t: string | undefined) => (t === undefined || t === '' || t.endsWith('\n') ? (t ?? '') : `${t}\n`);
  const users = parsePasswd(passwdText);
  if (!users.some((u) => u.uid === ids.uid || u.name === name)) out.passwd = `${withNewline(passwdText)}${name}:*:${ids.uid}:${ids.gid}:${name}:${home}:/bin/sh\n`;
  const groups = parseGroup(groupText);
  if (!groups.some((g) => g.gid === ids.gid || g.name === name)) out.group = `${withNewline(groupText)}${name}:x:${ids.gid}:${name}\n`;
  return out;
}
