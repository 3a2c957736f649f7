// Timestamps for records (created, startedAt, finishedAt): what Date#toISOString prints, built
// from the UTC fields. V8's first toISOString sets up the local time zone (it reads
// /etc/localtime and ICU's zone data, ~0.2 ms), which a run needs nowhere else.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-11-28T12:13:47.527Z`: Date#toISOString of `ms` (default: now). */
export function isoTimestamp(ms: number = Date.now()): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  // Years outside 0..9999 print with a sign and six digits: leave those to toISOString.
  if (year < 0 || year > 9999) return d.toISOString();
  return `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}
