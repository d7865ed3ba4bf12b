/** Tiny DOM builder: `h('td', { class: 'num' }, '4.2')`. Text is always set as text, never as HTML. */
export type Child = Node | string | number | null | undefined | false;

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A two-column table of label → value, skipping absent values. */
export function facts(rows: [string, unknown][]): HTMLTableElement {
  return h(
    'table',
    { class: 'facts' },
    rows
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, String(v)))),
  );
}

/** Formats a number with `digits` decimals, or an em dash when absent. */
export function fmt(v: unknown, digits = 2): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** Formats a fraction 0..1 as a percentage. */
export function pct(v: unknown): string {
  return typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : '—';
}
