// The server's clock, as the Date of its latest answer tells (to the second). "Now" on every page
// is the server's: an override's "in 3 h", a report's default days, an expiry "in the future" and
// a window such as the overview's last hour. A browser whose clock is off would show and ask for
// the wrong times.
let offsetMs = 0;

/** Notes the server's time from the Date of one of its answers (api.js calls it for every answer). */
export function noteServerClock(res) {
  const at = Date.parse(res.headers.get('Date') || '');
  if (!Number.isNaN(at)) offsetMs = at - Date.now();
}

/** Now, in milliseconds, by the server's clock as its answers tell; this browser's before any answer. */
export const serverNow = () => Date.now() + offsetMs;
