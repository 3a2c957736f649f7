// WWW-Authenticate challenges (RFC 7235) as registries send them:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
//   Basic realm="Registry Realm"
// Pure: the header text in, the scheme and its parameters out.

export interface Challenge {
  /** Lowercase: 'bearer', 'basic'. */
  scheme: string;
  params: Record<string, string>;
}

/** Every challenge in a header value (several may be given, comma-separated). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const value of values) {
    let i = 0;
    const s = value;
    const skipSpace = () => {
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    };
    const token = () => {
      const start = i;
      while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i]!)) i++;
      return s.slice(start, i);
    };
    while (i < s.length) {
      skipSpace();
      while (s[i] === ',') {
        i++;
        skipSpace();
      }
      const scheme = token();
      if (!scheme) break;
      const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
      out.push(challenge);
      // auth-params: name=value or name="quoted", separated by commas, until the next scheme.
      for (;;) {
        skipSpace();
        const save = i;
        const name = token();
        skipSpace();
        if (!name || s[i] !== '=') {
          i = save;
          break;
        }
        i++;
        skipSpace();
        let v = '';
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < s.length) i++;
            v += s[i++];
          }
          i++;
        } else {
          const start = i;
          while (i < s.length && s[i] !== ',' && s[i] !== ' ') i++;
          v = s.slice(start, i);
        }
        challenge.params[name.toLowerCase()] = v;
        skipSpace();
        if (s[i] === ',') i++;
        else break;
      }
    }
  }
  return out;
}

/** The challenge to answer: Bearer when offered (what registries prefer), else Basic. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');
}

/** `repository:lab/busybox:pull` and friends. */
export function repositoryScope(repository: string, actions: readonly ('pull' | 'push')[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}
