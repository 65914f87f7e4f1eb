// Hand-written SVG charts: a column chart for time series and a donut for splits. They scale
// with their container through viewBox, and every mark carries a <title> for hover and screen readers.
import { s, h } from './dom.js';
import { toNanos, nanosToNumber, money } from './format.js';

export const PALETTE = ['#4f6bed', '#14a38b', '#f59f00', '#e8590c', '#ae3ec9', '#1c7ed6', '#66a80f', '#c2255c', '#868e96'];

const TICKS = 4;

/**
 * The step between ticks: 1, 2, 2.5 or 5 times a power of ten, never below a cent, and 2.5 only
 * where it still ends on whole cents, so every tick reads as a plain amount.
 */
function niceStep(v) {
  const raw = Math.max(v / TICKS, 0.01);
  const exp = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m === 2.5 && exp < 0.1) continue;
    if (m * exp >= raw - 1e-12) return m * exp;
  }
  return 10 * exp;
}

function axisLabel(v, currency, whole) {
  // With whole-number steps the cents are noise ("$20"); otherwise they are the point ("$0.10").
  const text = money(toNanos(v.toFixed(4)), currency);
  return whole ? text.replace(/\.00$/, '') : text;
}

/** series: [{label, value(decimal string), title?}], all in {@code currency} (null: none). */
export function columnChart(series, { currency = null, height = 220, label = 'Cost chart' } = {}) {
  // A phone gets a narrower drawing, so the same text stays readable once it is scaled down.
  const narrow = window.innerWidth < 720;
  const W = narrow ? 360 : 900, H = height, padL = 56, padB = 28, padT = 12, padR = 8;
  const vals = series.map((p) => nanosToNumber(toNanos(p.value)));
  const step = niceStep(Math.max(0, ...vals));
  const max = step * TICKS;
  const whole = Number.isInteger(Math.round(step * 100) / 100);
  const plotW = W - padL - padR, plotH = H - padT - padB;
  const bw = series.length ? plotW / series.length : plotW;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label });
  for (let i = 0; i <= TICKS; i++) {
    const y = padT + plotH - (plotH * i) / TICKS;
    svg.append(s('line', { x1: padL, x2: W - padR, y1: y, y2: y, class: 'grid' }));
    svg.append(s('text', { x: padL - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, axisLabel(step * i, currency, whole)));
  }
  const every = Math.max(1, Math.ceil(series.length / (narrow ? 5 : 10)));
  const last = series.length - 1;
  series.forEach((p, i) => {
    const v = vals[i];
    const bh = max ? (v / max) * plotH : 0;
    const x = padL + i * bw + bw * 0.15;
    const rect = s('rect', { x, y: padT + plotH - bh, width: Math.max(1, bw * 0.7), height: Math.max(v > 0 ? 1 : 0, bh), rx: 2, class: 'bar' },
      s('title', null, `${p.title || p.label}: ${money(p.value, currency)}`));
    svg.append(rect);
    // Counted from the end, so the latest period (usually today) always has its label.
    if ((last - i) % every === 0) {
      // The last label ends at the plot's edge instead of running past it.
      const end = i === last;
      svg.append(s('text', { x: end ? W - padR : padL + i * bw + bw / 2, y: H - 8, class: 'axis', 'text-anchor': end ? 'end' : 'middle' }, p.label));
    }
  });
  return h('div', { class: 'chart-wrap' }, svg);
}

const TOTAL_FONT = 13, MIN_TOTAL_FONT = 8;
// Wide enough for any digit, '$' or '€' of the bold UI font, per pixel of font size.
const GLYPH_WIDTH = 0.62;

/**
 * The donut's total as large as fits across the hole: the exact amount in a smaller font while it
 * still reads, else rounded to cents, else in thousands or millions, marked as approximate.
 */
function fitInHole(total, currency, width) {
  const sizeFor = (text) => Math.min(TOTAL_FONT, width / (text.length * GLYPH_WIDTH));
  const exact = money(total, currency);
  const cents = (total + 5_000_000n) / 10_000_000n * 10_000_000n;
  const candidates = [exact, '≈' + money(cents, currency), '≈' + compactMoney(total, currency)];
  for (const text of candidates) {
    if (sizeFor(text) >= MIN_TOTAL_FONT) return { text, size: Math.floor(sizeFor(text) * 10) / 10 };
  }
  const last = candidates[candidates.length - 1];
  return { text: last, size: MIN_TOTAL_FONT };
}

/**
 * "$1.2M", rounded to one decimal of the largest of K, M, B and T that fits, in whole-number
 * arithmetic and the same separators as money(): only for a label that says it is approximate.
 */
function compactMoney(total, currency) {
  const sign = total < 0n ? '-' : '';
  const tenths = ((total < 0n ? -total : total) + 50_000_000n) / 100_000_000n; // tenths of a unit
  let scaled = tenths;
  let suffix = '';
  for (const [step, name] of [[1_000_000_000_000n, 'T'], [1_000_000_000n, 'B'], [1_000_000n, 'M'], [1_000n, 'K']]) {
    if (tenths >= step * 10n) { scaled = (tenths + step / 2n) / step; suffix = name; break; }
  }
  const text = (scaled / 10n).toString() + (scaled % 10n ? '.' + (scaled % 10n).toString() : '') + suffix;
  return money(0n, currency).replace('0.00', sign + text);
}

/** slices: [{label, value(decimal string)}], all in {@code currency}; shows a legend with amounts and shares. */
export function donutChart(slices, { currency = null, label = 'Split' } = {}) {
  const total = slices.reduce((a, p) => a + toNanos(p.value), 0n);
  const R = 60, r = 38, C = 70;
  const svg = s('svg', { viewBox: '0 0 140 140', class: 'donut', role: 'img', 'aria-label': label });
  if (total <= 0n) {
    svg.append(s('circle', { cx: C, cy: C, r: (R + r) / 2, fill: 'none', stroke: 'var(--line)', 'stroke-width': R - r }));
  } else {
    let angle = -Math.PI / 2;
    slices.forEach((p, i) => {
      const frac = nanosToNumber(toNanos(p.value)) / nanosToNumber(total);
      if (frac <= 0) return;
      const a2 = angle + Math.min(frac, 0.9999) * 2 * Math.PI;
      const large = a2 - angle > Math.PI ? 1 : 0;
      const pt = (rad, a) => `${C + rad * Math.cos(a)} ${C + rad * Math.sin(a)}`;
      const d = `M ${pt(R, angle)} A ${R} ${R} 0 ${large} 1 ${pt(R, a2)} L ${pt(r, a2)} A ${r} ${r} 0 ${large} 0 ${pt(r, angle)} Z`;
      svg.append(s('path', { d, fill: PALETTE[i % PALETTE.length] }, s('title', null, `${p.label}: ${money(p.value, currency)}`)));
      angle = a2;
    });
  }
  const shown = fitInHole(total, currency, 2 * r - 8);
  // The exact total stays one hover away when the hole only has room for a shorter one.
  svg.append(s('g', null, s('title', null, 'Total: ' + money(total, currency)),
    s('text', { x: C, y: C + shown.size * 0.38, 'text-anchor': 'middle', class: 'donut-total', style: `font-size:${shown.size}px` }, shown.text)));
  const legend = h('ul', { class: 'legend' }, slices.map((p, i) => {
    const share = total > 0n ? (nanosToNumber(toNanos(p.value)) / nanosToNumber(total)) * 100 : 0;
    return h('li', null, h('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]}` }),
      h('span', { class: 'legend-label' }, p.label), h('span', { class: 'num' }, money(p.value, currency)),
      h('span', { class: 'muted num' }, share.toFixed(1) + '%'));
  }));
  return h('div', { class: 'donut-wrap' }, svg, legend);
}

/**
 * A horizontal meter: used of limit, coloured by how close it is to the limit. {@code share}, the
 * percent used worked out exactly, decides the colour where it is known: the numbers drawn are
 * doubles, which read 0.88 of 1.10 as short of 80 %.
 */
export function meter(used, limit, { label, share, refusing = false } = {}) {
  const pct = limit > 0 ? Math.max(0, Math.min(100, (used / limit) * 100)) : (used > 0 ? 100 : 0);
  const exact = share ?? pct;
  // A limit that refuses is drawn as over whatever its count: the colour says what its label says.
  const level = refusing || exact >= 100 ? 'over' : exact >= 80 ? 'near' : 'ok';
  return h('div', { class: 'meter meter-' + level, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct), 'aria-label': label || 'usage' },
    h('div', { class: 'meter-fill', style: `width:${pct.toFixed(2)}%` }));
}
