// Marketplace commission (EXP-2): commissionExpenses grouped, as a table and a bar chart in
// plain SVG (currencies are never summed together, so each bar is scaled within its currency).
import { html, useState, useQuery, ErrorBox, Loading, fmtMoney } from './ui.js';
import { gql } from './api.js';
import { t } from './i18n.js';

const GROUPINGS = ['PLATFORM', 'SOURCE', 'MONTH', 'DAY', 'EXPENSE_TYPE'];
const iso = (d) => d.toISOString().slice(0, 10);

function Chart({ rows, grouping }) {
  const max = {};
  rows.forEach((r) => { max[r.currency] = Math.max(max[r.currency] || 0, Number(r.amount)); });
  const bar = 22;
  const labelW = 190;
  const width = 720;
  const height = rows.length * (bar + 6) + 4;
  return html`<svg class="chart" id="chart" viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${t('com.chart')}>
    ${rows.map((r, i) => {
      const w = max[r.currency] > 0 ? (Number(r.amount) / max[r.currency]) * (width - labelW - 150) : 0;
      const y = i * (bar + 6) + 2;
      return html`<g key=${r.key + r.currency}>
        <text x=${labelW - 8} y=${y + bar * 0.7} text-anchor="end" class="label">${label(r.key, grouping)}</text>
        <rect x=${labelW} y=${y} width=${Math.max(w, 1)} height=${bar} rx="3" class=${'bar c-' + r.currency.toLowerCase()} />
        <text x=${labelW + w + 6} y=${y + bar * 0.7} class="value">${fmtMoney(r.amount, r.currency)}</text>
      </g>`;
    })}
  </svg>`;
}

function label(key, grouping) {
  if (grouping === 'PLATFORM') return t('platform.' + key.toUpperCase());
  return key;
}

export function Commission() {
  const now = new Date();
  const [form, setForm] = useState({ from: iso(new Date(now.getFullYear(), now.getMonth() - 5, 1)), to: iso(now), group: 'PLATFORM' });
  const [asked, setAsked] = useState(form);
  const q = useQuery(() => {
    const to = new Date(asked.to + 'T00:00:00');
    to.setDate(to.getDate() + 1);
    return gql('query($f: DateTime!, $t: DateTime!, $g: ExpenseGrouping!) { commissionExpenses(from: $f, to: $t, groupBy: $g) { key amount currency count } }',
      { f: new Date(asked.from + 'T00:00:00').toISOString(), t: to.toISOString(), g: asked.group });
  }, [asked.from, asked.to, asked.group]);
  const rows = q.data ? q.data.commissionExpenses : [];
  const set = (k) => (e) => { const next = { ...form, [k]: e.target.value }; setForm(next); if (k === 'group') setAsked(next); };
  return html`<main class="commission">
    <div class="titlebar"><h1>${t('nav.commission')}</h1><${Loading} on=${q.loading} /></div>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); setAsked(form); }}>
      <label>${t('f.from')}<input type="date" required value=${form.from} onInput=${set('from')} /></label>
      <label>${t('f.to')}<input type="date" required value=${form.to} onInput=${set('to')} /></label>
      <label>${t('com.group')}<select id="com-group" value=${form.group} onChange=${set('group')}>
        ${GROUPINGS.map((g) => html`<option value=${g}>${t('com.by.' + g)}</option>`)}</select></label>
      <button type="submit">${t('f.apply')}</button>
    </form>
    <${ErrorBox} error=${q.error} />
    ${q.data && !rows.length ? html`<p class="muted">${t('com.none')}</p>` : null}
    ${rows.length ? html`<div class="grid two">
      <div class="tablewrap"><table class="list" id="commission">
        <thead><tr><th>${t('com.by.' + asked.group)}</th><th class="num">${t('com.amount')}</th><th class="num">${t('com.count')}</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr key=${r.key + r.currency}><td>${label(r.key, asked.group)}</td>
          <td class="num nowrap">${fmtMoney(r.amount, r.currency)}</td><td class="num">${r.count}</td></tr>`)}</tbody>
      </table></div>
      <${Chart} rows=${rows} grouping=${asked.group} />
    </div>` : null}
  </main>`;
}
