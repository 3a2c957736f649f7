// Sizes and durations the way docker prints them (github.com/docker/go-units), so columns read
// the same as a docker user's: SI units (kB, MB: powers of 1000), Go's %g rounding, and
// "About an hour ago". Pure.

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Go's fmt %.<precision>g for a non-negative number: shortest form, no trailing zeros. */
export function goFormatG(value: number, precision: number): string {
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(value)));
  // %g switches to exponent form when the exponent is < -4 or >= precision; Go writes e+03.
  const rounded = Number(value.toPrecision(precision));
  const roundedExp = rounded === 0 ? exp : Math.floor(Math.log10(Math.abs(rounded)));
  if (roundedExp < -4 || roundedExp >= precision) {
    const [mant, e] = rounded.toExponential(precision - 1).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(rounded);
}

/** go-units HumanSizeWithPrecision: 4.26MB, 77.8MB, 1.2GB (precision 3, `docker images`). */
export function humanSize(bytes: number, precision = 4): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${goFormatG(size, precision)}${DECIMAL_UNITS[i]}`;
}

/** go-units HumanDuration: "Less than a second", "About a minute", "3 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** "2 hours ago", as docker's CREATED columns say it. */
export function timeAgo(then: Date, now: Date = new Date()): string {
  return `${humanDuration(Math.max(0, now.getTime() - then.getTime()))} ago`;
}

/**
 * Go's time.Time.String() in the local zone: "2024-01-02 03:04:05 +0000 UTC", docker's
 * CreatedAt. The zone abbreviation comes from Intl (UTC, CET, ...), or the offset when Intl
 * has no abbreviation for the zone (as Go does).
 */
export function goTimeString(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin >= 0 ? '+' : '-';
  const off = `${sign}${pad(Math.trunc(Math.abs(offsetMin) / 60))}${pad(Math.abs(offsetMin) % 60)}`;
  let zone = off;
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value;
    if (part && !/^GMT[+-]/.test(part)) zone = part === 'GMT' && offsetMin === 0 ? 'UTC' : part;
  } catch {
    /* no Intl zone data: the offset it is */
  }
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${date} ${time} ${off} ${zone}`;
}
