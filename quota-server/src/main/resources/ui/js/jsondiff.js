// What changed between two JSON states (an audit entry's before and after), field by field, and
// both states pretty-printed with the lines of those fields marked.

/**
 * JSON text as a value, or undefined when it is not JSON. A number keeps the digits it was written
 * with (JSON.rawJSON), so a limit past what a JavaScript number holds exactly is neither shown
 * rounded nor reported changed when it was not.
 */
export function parseJson(text) {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text, (k, v, ctx) => (typeof v === 'number' && ctx && typeof ctx.source === 'string'
      && typeof JSON.rawJSON === 'function' && String(v) !== ctx.source ? JSON.rawJSON(ctx.source) : v));
  } catch {
    return undefined;
  }
}

const isContainer = (v) => v !== null && typeof v === 'object' && !JSON.isRawJSON?.(v);
const childPath = (path, key, array) => (array ? `${path}[${key}]` : path ? path + '.' + key : key);

/**
 * Path ("budget.daily", "rateLimits[0].limit") to "added", "removed" or "changed", for the fields
 * that differ; a field added or removed whole is one entry, not one per field inside it.
 */
export function diff(before, after, path = '', out = new Map()) {
  if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
    const array = Array.isArray(before);
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const k of keys) {
      const p = childPath(path, k, array);
      if (!(k in before)) out.set(p, 'added');
      else if (!(k in after)) out.set(p, 'removed');
      else diff(before[k], after[k], p, out);
    }
  } else if (JSON.stringify(before) !== JSON.stringify(after)) {
    out.set(path, 'changed');
  }
  return out;
}

/**
 * The value pretty-printed, one entry a line: {text, mark}, mark being the change of the line's
 * field (or of a field around it) when it is one {@code shown} lists, else null.
 */
export function prettyLines(value, changes, shown) {
  const lines = [];
  const markOf = (path, inherited) => {
    const kind = changes.get(path);
    return kind && shown.includes(kind) ? kind : inherited;
  };
  const emit = (v, path, indent, prefix, comma, inherited) => {
    const mark = markOf(path, inherited);
    const pad = '  '.repeat(indent);
    if (isContainer(v) && Object.keys(v).length) {
      const array = Array.isArray(v);
      lines.push({ text: pad + prefix + (array ? '[' : '{'), mark });
      const keys = Object.keys(v);
      keys.forEach((k, i) => emit(v[k], childPath(path, k, array), indent + 1, array ? '' : JSON.stringify(k) + ': ',
        i < keys.length - 1 ? ',' : '', mark));
      lines.push({ text: pad + (array ? ']' : '}') + comma, mark });
    } else {
      lines.push({ text: pad + prefix + JSON.stringify(v) + comma, mark });
    }
  };
  emit(value, '', 0, '', '', null);
  return lines;
}
