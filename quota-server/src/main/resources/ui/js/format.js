// Money arrives as decimal strings ("0.042") and stays a string until it is shown; sums are done
// in integer nano-units (BigInt) so the UI never rounds a cost through a binary double.
import { serverNow } from './clock.js';

const NANOS = 1_000_000_000n;

export function toNanos(v) {
  if (v === null || v === undefined || v === '') return 0n;
  if (typeof v === 'bigint') return v;
  const text = String(v).trim();
  const m = /^(-)?(\d*)(?:\.(\d{0,9})\d*)?$/.exec(text);
  if (!m) return 0n;
  const whole = BigInt(m[2] || '0');
  const frac = BigInt(((m[3] || '') + '000000000').slice(0, 9));
  const n = whole * NANOS + frac;
  return m[1] ? -n : n;
}

export function nanosToDecimal(n, minFraction = 2) {
  const neg = n < 0n;
  if (neg) n = -n;
  const whole = n / NANOS;
  let frac = (n % NANOS).toString().padStart(9, '0').replace(/0+$/, '');
  if (frac.length < minFraction) frac = frac.padEnd(minFraction, '0');
  return (neg ? '-' : '') + whole.toString() + (frac ? '.' + frac : '');
}

/**
 * The whole percent of {@code limit} that {@code used} is (decimal strings or nano-units), rounded
 * down, worked out in whole nanos: a binary division reads 0.09 of 0.10 as 89.99…%. Null for a
 * limit of zero.
 */
export function percentUsed(used, limit) {
  const max = toNanos(limit);
  return max > 0n ? Number((toNanos(used) * 100n) / max) : null;
}

/** Digits only: how a limit, a cap or a reset day may be typed. */
export const WHOLE = /^\d+$/;

/**
 * A whole number as typed, for the request body: written digit for digit, so a limit past what a
 * JavaScript number holds exactly reaches the server as itself and its bound is named, not a
 * rounded 1e+23 refused as "not a whole number".
 */
export function wholeNumber(digits) {
  const text = digits.replace(/^0+(?=\d)/, '');
  return typeof JSON.rawJSON === 'function' ? JSON.rawJSON(text) : Number(text);
}

/** Only for chart geometry (pixel positions), never for amounts shown as text. */
export function nanosToNumber(n) {
  return Number(n) / 1e9;
}

const SYMBOLS = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' };

/**
 * An amount as the ledger holds it: every significant decimal (at least two), thousands grouped,
 * never rounded, so a spend of 0.000000001 does not read as "$0.00".
 */
export function money(v, currency) {
  const n = typeof v === 'bigint' ? v : toNanos(v);
  const [w, f] = nanosToDecimal(n < 0n ? -n : n, 2).split('.');
  const grouped = w.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + '.' + f;
  const sign = n < 0n ? '-' : '';
  const sym = currency && SYMBOLS[currency];
  if (sym) return sign + sym + grouped;
  return sign + grouped + (currency ? ' ' + currency : '');
}

export function count(n) {
  if (n === null || n === undefined) return '–';
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/*
 * Times are shown in UTC and say so, as the days are: an operator in Tokyo and one in Berlin read
 * the same audit line the same way, and it matches the server's logs.
 */
const UTC_DATE_TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
const UTC_CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
const UTC_CLOCK_MINUTES = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

/** "Nov 30, 2026, 09:06:31 UTC". */
export function dateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  return UTC_DATE_TIME.format(d) + ' UTC';
}

/** "22:06:52 UTC", or "22:06 UTC" without seconds; now by the server's clock when no time is given. */
export function clockTime(d = new Date(serverNow()), { seconds = true } = {}) {
  return (seconds ? UTC_CLOCK : UTC_CLOCK_MINUTES).format(d) + ' UTC';
}

/** "2030-01-31T09:06" (seconds may follow) read as UTC, as an ISO instant; null when it is not a time. */
function fromUtcIso(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const d = new Date(value + 'Z');
  return isNaN(d) ? null : d.toISOString();
}

/*
 * A time typed into a field (a filter, an override's expiry) is written as the console writes
 * times, on the 24-hour clock in UTC: "2030-01-31 18:03". A browser's own date and time field
 * draws its value on the clock of the browser's language (06:03 PM in American English), which no
 * page can change.
 */
const UTC_TIME_TEXT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)$/;

/** How a typed UTC time is to be written, for a refusal to show. */
export const UTC_TIME_EXAMPLE = '2030-01-31 18:03';

/** The refusal of a typed time that is not one, beside its field. */
export const UTC_TIME_RULE = `must be a UTC time on the 24-hour clock, written ${UTC_TIME_EXAMPLE}`;

/**
 * The refusal of a typed time of the year 0000, beside its field: the browser reads it as a time,
 * and the API, which reads the years 1 to 9999 only, refused it in its own words. (A year after
 * 9999 cannot be written in the four digits a typed time takes.)
 */
export const UTC_YEARS_RULE = 'must be a UTC time in the years 0001 to 9999';

/** The rule a typed UTC time breaks, for a refusal beside its field, or null when it is one the API takes. */
export function utcTimeProblem(text) {
  const iso = fromUtcText(text);
  if (!iso) return UTC_TIME_RULE;
  return iso.startsWith('0000-') ? UTC_YEARS_RULE : null;
}

/** An instant as a time field shows it, to the minute in UTC: "2030-01-31 09:06". */
export function utcMinuteText(date) {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * A typed UTC time, "2030-01-31 18:03" (a T in place of the space, as addresses saved earlier
 * hold it, and seconds are taken too), as an ISO instant; null when it is not a time on the
 * calendar and the 24-hour clock (a 31 February, a 24:00, an "06:03 PM").
 */
export function fromUtcText(text) {
  const m = UTC_TIME_TEXT.exec(String(text).trim());
  if (!m) return null;
  const iso = fromUtcIso(m[1] + 'T' + m[2]);
  // The Date reading rolls a day or an hour past its end over into the next; only a time read back as typed is one.
  return iso && iso.startsWith(m[1] + 'T' + m[2]) ? iso : null;
}

/** The last instant the API takes: it reads times of the years 1 to 9999 only. */
const LAST_INSTANT = '9999-12-31T23:59:59.999999999Z';

/**
 * The end of the whole minute a typed UTC time names (of its second, when it has seconds), as an
 * ISO instant; null when it is not a time. A To is inclusive as the report's days are: the API's
 * to is exclusive, and To 10:05 is to keep what happened at 10:05:30. The last minute of 9999
 * would end in the year 10000, which the API refuses; it ends at the last instant the API takes
 * instead, which leaves out only that minute's last nanosecond.
 */
export function utcTimeEnd(text) {
  const start = fromUtcText(text);
  if (!start) return null;
  const seconds = /:\d{2}:\d{2}$/.test(String(text).trim());
  const end = new Date(Date.parse(start) + (seconds ? 1000 : 60_000));
  return end.getUTCFullYear() > 9999 ? LAST_INSTANT : end.toISOString();
}

/** A typed UTC time as a filter shows it, "2030-01-31 18:03"; anything else as it is. */
export function utcText(text) {
  const m = UTC_TIME_TEXT.exec(String(text).trim());
  return m ? m[1] + ' ' + m[2] : String(text);
}

/** "in 42 s", "in 3 min", "5 h ago": from now by the server's clock unless another now is given. */
export function relative(iso, now = serverNow()) {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (isNaN(t)) return String(iso);
  const diff = Math.round((t - now) / 1000);
  const abs = Math.abs(diff);
  let text;
  if (abs < 1) return 'now';
  if (abs < 90) text = abs + ' s';
  else if (abs < 90 * 60) text = Math.round(abs / 60) + ' min';
  else if (abs < 36 * 3600) text = Math.round(abs / 3600) + ' h';
  else text = Math.round(abs / 86400) + ' d';
  return diff > 0 ? 'in ' + text : text + ' ago';
}

/**
 * ISO-8601 durations like PT1M, PT30S, PT168H to "1 min", "30 s", "7 d": in the largest units the
 * duration fills, since the server writes days as hours (a week is PT168H).
 */
export function duration(iso) {
  if (!iso) return '';
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(\.\d+)?S)?)?$/.exec(String(iso));
  if (!m) return String(iso);
  let seconds = ((Number(m[1] || 0) * 24 + Number(m[2] || 0)) * 60 + Number(m[3] || 0)) * 60 + Number(m[4] || 0);
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]]) {
    if (seconds >= size) parts.push(Math.floor(seconds / size) + ' ' + unit);
    seconds %= size;
  }
  if (seconds || m[5]) parts.push(seconds + (m[5] || '') + ' s');
  return parts.join(' ') || '0 s';
}

/*
 * Calendar days are UTC days, as the server's cost reports count them (a spend at 03:06 in Tokyo
 * belongs to the previous day there), so "today" here is always the UTC date.
 */

/** The UTC calendar day of an instant, "2030-01-31"; today by the server's clock when no instant is given. */
export function utcDay(d = new Date(serverNow())) {
  return d.toISOString().slice(0, 10);
}

/** The day {@code n} days after (or before) a "2030-01-31" day. */
export function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  return utcDay(new Date(Date.UTC(y, m - 1, d + n)));
}

/** The first day of the month {@code n} months after (or before) the month of a day. */
export function monthStart(day, n = 0) {
  const [y, m] = day.split('-').map(Number);
  return utcDay(new Date(Date.UTC(y, m - 1 + n, 1)));
}

/** "Jan 31" for a "2030-01-31" day, whatever the browser's time zone. */
export function shortDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export function kindLabel(kind) {
  return ({
    rate: 'Rate', budget_daily: 'Daily budget', budget_monthly: 'Monthly budget',
    budget_per_request: 'Per-request cap', concurrency: 'Concurrency',
  })[String(kind).toLowerCase()] || String(kind);
}

/**
 * A budget's calendar as "resets 06:00 Europe/Berlin" (", monthly on day 15" when its months start
 * on another day), or null for the default, UTC from midnight on the 1st: amounts alone read as a
 * UTC budget, so only a calendar other than that is spelled out.
 */
export function budgetCalendar(b, { monthly = !!(b && b.monthly) } = {}) {
  if (!b) return null;
  const zone = b.timezone || 'UTC';
  const time = String(b.resetTime || '00:00').replace(/^(\d\d:\d\d):00$/, '$1');
  const day = Number(b.resetDay ?? 1);
  const otherDay = monthly && day !== 1;
  if (zone === 'UTC' && time === '00:00' && !otherDay) return null;
  return `resets ${time} ${zone}` + (otherDay ? `, monthly on day ${day}` : '');
}
