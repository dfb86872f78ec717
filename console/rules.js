// Status rules (ST-3, ST-5..7): our status → the platform's, with a preview of what enabling
// them would do to the open orders before anything is sent.
import { html, useState, useEffect, useQuery, Link, ErrorBox, Loading, PlatformBadge, GROUPS } from './ui.js';
import { gql } from './api.js';
import { t } from './i18n.js';

const LOAD = `query($s: ID!) {
  source(id: $s) { id name platform statusRulesEnabled }
  statusRules(sourceId: $s) { statusId statusGroup cancellationReason platformStatus platformCancellationReason }
  statuses { id name group }
}`;

const clean = (rules) => rules.map((r) => ({
  statusId: r.statusId || null,
  statusGroup: r.statusGroup || null,
  cancellationReason: r.cancellationReason || null,
  platformStatus: r.platformStatus,
  platformCancellationReason: r.platformCancellationReason || null,
}));

function Editor({ sourceId }) {
  const q = useQuery(() => gql(LOAD, { s: sourceId }), [sourceId]);
  const [rules, setRules] = useState(null);
  const [preview, setPreview] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => { if (q.data) setRules(q.data.statusRules.map((r) => ({ ...r }))); }, [q.data]);
  if (!q.data || !rules) return html`<${Loading} on=${q.loading} /><${ErrorBox} error=${q.error} />`;
  const src = q.data.source;
  if (!src) return html`<p class="error">${t('rules.noSource')}</p>`;
  const byGroup = src.platform === 'PROM';
  const edit = (i, k) => (e) => { const next = rules.slice(); next[i] = { ...next[i], [k]: e.target.value }; setRules(next); setPreview(null); setSaved(false); };
  const act = async (f) => {
    setBusy(true); setError(null);
    try { await f(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  const doPreview = () => act(async () => {
    const d = await gql('mutation($s: ID!, $r: [StatusRuleInput!]!) { previewStatusRules(sourceId: $s, rules: $r) { openOrders unchanged moves { platformStatus platformCancellationReason count } notSent { reason count } } }', { s: sourceId, r: clean(rules) });
    setPreview(d.previewStatusRules);
  });
  const save = () => act(async () => {
    await gql('mutation($s: ID!, $r: [StatusRuleInput!]!) { setStatusRules(sourceId: $s, rules: $r) { id } }', { s: sourceId, r: clean(rules) });
    setSaved(true);
  });
  const enable = (on) => act(async () => {
    await gql('mutation($s: ID!, $on: Boolean!) { enableStatusRules(sourceId: $s, enabled: $on) { id } }', { s: sourceId, on });
    q.reload();
  });
  return html`<div>
    <div class="titlebar"><h2>${src.name}</h2><${PlatformBadge} platform=${src.platform} />
      <span class=${'health ' + (src.statusRulesEnabled ? 'h-ok' : 'h-off')} id="rules-state">${src.statusRulesEnabled ? t('src.rulesOn') : t('src.rulesOff')}</span></div>
    <p class="hint">${byGroup ? t('rules.hintProm') : t('rules.hint')}</p>
    <div class="tablewrap"><table class="list rules" id="rules">
      <thead><tr><th>${byGroup ? t('f.group') : t('rules.ours')}</th>${byGroup ? html`<th>${t('order.reason')}</th>` : null}
        <th>${t('rules.platform')}</th><th>${t('rules.platformReason')}</th><th></th></tr></thead>
      <tbody>${rules.map((r, i) => html`<tr key=${i}>
        <td>${byGroup
          ? html`<select aria-label=${t('f.group')} value=${r.statusGroup || ''} onChange=${edit(i, 'statusGroup')}>
              <option value="">—</option>${GROUPS.map((g) => html`<option value=${g}>${t('group.' + g)}</option>`)}</select>`
          : html`<select aria-label=${t('rules.ours')} class="rule-status" value=${r.statusId || ''} onChange=${edit(i, 'statusId')}>
              <option value="">—</option>${q.data.statuses.map((s) => html`<option value=${s.id}>${s.name}</option>`)}</select>`}</td>
        ${byGroup ? html`<td><input aria-label=${t('order.reason')} value=${r.cancellationReason || ''} onInput=${edit(i, 'cancellationReason')} /></td>` : null}
        <td><input aria-label=${t('rules.platform')} class="rule-platform" required maxlength="100" value=${r.platformStatus} onInput=${edit(i, 'platformStatus')} /></td>
        <td><input aria-label=${t('rules.platformReason')} value=${r.platformCancellationReason || ''} onInput=${edit(i, 'platformCancellationReason')} /></td>
        <td><button type="button" class="small" aria-label=${t('rules.remove')} onClick=${() => { setRules(rules.filter((_, j) => j !== i)); setPreview(null); }}>✕</button></td>
      </tr>`)}</tbody>
    </table></div>
    <div class="buttons">
      <button type="button" id="add-rule" onClick=${() => setRules([...rules, { platformStatus: '' }])}>+ ${t('rules.add')}</button>
      <button type="button" id="preview" disabled=${busy} onClick=${doPreview}>${t('rules.preview')}</button>
      <button type="button" id="save-rules" disabled=${busy} onClick=${save}>${t('rules.save')}</button>
      <button type="button" id="enable-rules" class=${src.statusRulesEnabled ? '' : 'primary'} disabled=${busy}
        onClick=${() => enable(!src.statusRulesEnabled)}>${src.statusRulesEnabled ? t('rules.disable') : t('rules.enable')}</button>
      ${saved ? html`<span class="ok" role="status">✓ ${t('rules.saved')}</span>` : null}
      <${Loading} on=${busy} />
    </div>
    <${ErrorBox} error=${error} />
    ${preview ? html`<section class="card preview" id="rules-preview" aria-live="polite">
      <h3>${t('rules.previewTitle')}</h3>
      <p>${t('rules.open', preview.openOrders)}; ${t('rules.unchanged', preview.unchanged)}</p>
      <table class="list"><thead><tr><th>${t('rules.platform')}</th><th class="num">${t('rules.orders')}</th></tr></thead>
        <tbody>${preview.moves.map((m) => html`<tr class="move"><td>→ ${m.platformStatus}${m.platformCancellationReason ? ' (' + m.platformCancellationReason + ')' : ''}</td><td class="num">${m.count}</td></tr>`)}
        ${preview.notSent.map((n) => html`<tr class="notsent"><td>${t('rules.notSent')}: ${n.reason}</td><td class="num">${n.count}</td></tr>`)}</tbody></table>
    </section>` : null}
  </div>`;
}

export function Rules({ sourceId }) {
  const q = useQuery(() => gql('{ sources { id name platform statusRulesEnabled } }'), []);
  return html`<main class="rules-screen">
    <div class="titlebar"><h1>${t('nav.rules')}</h1><${Loading} on=${q.loading} /></div>
    <${ErrorBox} error=${q.error} />
    <nav class="tabs" aria-label=${t('nav.sources')}>${q.data && q.data.sources.map((s) => html`
      <${Link} href=${'/rules/' + s.id} class=${s.id === sourceId ? 'active' : ''}>${s.name}</${Link}>`)}</nav>
    ${sourceId ? html`<${Editor} sourceId=${sourceId} key=${sourceId} />` : html`<p class="muted">${t('rules.pick')}</p>`}
  </main>`;
}
