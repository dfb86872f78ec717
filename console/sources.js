// Sources at a glance (SRC-5, SRC-6, WH-4): health, the last sync run, webhook deliveries
// waiting or parked (replay), the next read; connecting a source and re-authorizing one.
import { html, useState, useQuery, navigate, Link, ErrorBox, Loading, fmtDate, PlatformBadge, PLATFORMS,
  nodes, firstPage, Pager } from './ui.js';
import { gql } from './api.js';
import { t } from './i18n.js';

const HEALTH = `{ sourcesHealth { nextSyncAt pendingDeliveries parkedDeliveries
  source { id name platform enabled needsReauth lastError lastSyncAt currency baseUrl statusRulesEnabled
    syncRuns(first: 1) { edges { node { id kind state startedAt finishedAt ordersSeen ordersCreated ordersUpdated ordersSkipped errorCount error } } } } } }`;
const RUN_FIELDS = 'id kind state startedAt finishedAt ordersSeen ordersCreated ordersUpdated ordersSkipped errorCount error note';
// pages of a source's history and deliveries, newest first
const RUNS_PAGE = 20;
const EVENTS_PAGE = 30;
const DELIVERIES_PAGE = 100;

/** The credentials each platform takes (CredentialsInput), and whether it needs its shop's URL. */
export const CREDENTIALS = {
  ROZETKA: { fields: ['login', 'password'] },
  PROM: { fields: ['token'] },
  EPICENTR: { fields: ['token'] },
  CARTUM: { fields: ['login', 'password'], baseUrl: true },
  SHOPIFY: { fields: ['shopDomain', 'accessToken', 'webhookSecret'] },
  WOOCOMMERCE: { fields: ['consumerKey', 'consumerSecret', 'webhookSecret'], baseUrl: true },
};
const SECRET = new Set(['password', 'token', 'accessToken', 'webhookSecret', 'consumerSecret']);

function CredentialFields({ platform, value, onChange, prefix }) {
  return CREDENTIALS[platform].fields.map((f) => html`<label key=${f}>${t('cred.' + f)}
    <input id=${prefix + '-' + f} name=${f} type=${SECRET.has(f) ? 'password' : 'text'} autocomplete="off" required
      value=${value[f] || ''} onInput=${(e) => onChange({ ...value, [f]: e.target.value })} /></label>`);
}

function useAction(after) {
  const [state, setState] = useState({ busy: false, error: null });
  const run = async (f) => {
    setState({ busy: true, error: null });
    try { await f(); setState({ busy: false, error: null }); if (after) after(); } catch (e) { setState({ busy: false, error: e }); }
  };
  return [state, run];
}

function Deliveries({ source, onChange }) {
  const [page, setPage] = useState(firstPage(DELIVERIES_PAGE));
  const q = useQuery(() => gql(`query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    webhookDeliveries(sourceId: $s, first: $f, after: $a, last: $l, before: $b) {
      edges { node { id topic state attempts error externalOrderId receivedAt } }
      pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }`, { s: source.id, ...page }), [source.id, page]);
  const [act, run] = useAction(() => { q.reload(); onChange(); });
  const conn = q.data && q.data.webhookDeliveries;
  const open = nodes(conn).filter((d) => d.state === 'parked' || d.state === 'failed' || d.state === 'pending');
  return html`<div class="deliveries">
    <${Loading} on=${q.loading} /><${ErrorBox} error=${q.error || act.error} />
    ${q.data && !open.length ? html`<p class="muted">${t('src.noOpenDeliveries')}</p>` : null}
    <ul class="plain">${open.map((d) => html`<li key=${d.id}>
      #${d.id} ${d.topic || ''} · ${d.state} · ${t('src.attempts', d.attempts)} · ${fmtDate(d.receivedAt)}
      ${d.error ? html`<span class="error-text"> — ${d.error}</span>` : null}
      ${d.state === 'parked' ? html` <button type="button" class="small replay" disabled=${act.busy}
        onClick=${() => run(() => gql('mutation($d: ID!) { replayWebhookDelivery(id: $d) { id state } }', { d: d.id }))}>${t('src.replay')}</button>` : null}
    </li>`)}</ul>
    <${Pager} conn=${conn} size=${DELIVERIES_PAGE} onPage=${setPage} />
  </div>`;
}

function Reauth({ source, onDone }) {
  const [creds, setCreds] = useState({});
  const [act, run] = useAction(onDone);
  const submit = (e) => {
    e.preventDefault();
    run(() => gql('mutation($id: ID!, $i: UpdateSourceInput!) { updateSource(id: $id, input: $i) { id needsReauth } }', { id: source.id, i: { credentials: creds } }));
  };
  return html`<form class="inline-form" onSubmit=${submit}>
    <${CredentialFields} platform=${source.platform} value=${creds} onChange=${setCreds} prefix=${'reauth-' + source.id} />
    <button type="submit" disabled=${act.busy}>${t('src.saveCredentials')}</button>
    <${ErrorBox} error=${act.error} />
  </form>`;
}

function SourceCard({ h, me, reload }) {
  const s = h.source;
  const run0 = nodes(s.syncRuns)[0];
  const [panel, setPanel] = useState(null);
  const [act, run] = useAction(reload);
  const toggle = (p) => setPanel(panel === p ? null : p);
  const health = !s.enabled ? 'off' : s.needsReauth ? 'reauth' : run0 && run0.state === 'failed' ? 'failing' : 'ok';
  return html`<section class=${'card source h-' + health} data-source=${s.id} aria-labelledby=${'src-' + s.id}>
    <div class="titlebar">
      <h2 id=${'src-' + s.id}><${Link} href=${'/sources/' + s.id}>${s.name}</${Link}></h2>
      <${PlatformBadge} platform=${s.platform} />
      <span class=${'health h-' + health}>${t('health.' + health)}</span>
    </div>
    ${s.needsReauth ? html`<p class="error reauth" role="alert">${t('src.needsReauth')}${s.lastError ? ': ' + s.lastError : ''}</p>`
      : s.lastError ? html`<p class="error-text">${s.lastError}</p>` : null}
    <dl class="facts">
      <dt>${t('src.lastSync')}</dt><dd>${fmtDate(s.lastSyncAt) || '—'}</dd>
      <dt>${t('src.lastRun')}</dt><dd>${run0 ? html`${t('run.' + run0.kind)} · ${t('state.' + run0.state)} · ${fmtDate(run0.startedAt)}<br />
        <span class="muted">${t('src.counts', run0.ordersSeen, run0.ordersCreated, run0.ordersUpdated, run0.ordersSkipped)}</span>
        ${run0.error ? html`<br /><span class="error-text">${run0.error}</span>` : null}` : '—'}</dd>
      <dt>${t('src.deliveries')}</dt><dd><span class="pending">${t('src.pending', h.pendingDeliveries)}</span>, <span class="parked">${t('src.parked', h.parkedDeliveries)}</span></dd>
      <dt>${t('src.nextSync')}</dt><dd>${h.nextSyncAt ? fmtDate(h.nextSyncAt) : '—'}</dd>
      <dt>${t('src.rules')}</dt><dd><${Link} href=${'/rules/' + s.id}>${s.statusRulesEnabled ? t('src.rulesOn') : t('src.rulesOff')}</${Link}></dd>
    </dl>
    <div class="buttons">
      <${Link} href=${'/orders?source=' + s.id} class="button">${t('nav.orders')}</${Link}>
      <button type="button" class="btn-sync" disabled=${act.busy} onClick=${() => run(() => gql('mutation($s: ID!) { syncSource(sourceId: $s) { id } }', { s: s.id }))}>${t('src.syncNow')}</button>
      ${s.platform === 'SHOPIFY' || s.platform === 'WOOCOMMERCE' || h.pendingDeliveries || h.parkedDeliveries
        ? html`<button type="button" class="btn-deliveries" aria-expanded=${panel === 'deliveries'} onClick=${() => toggle('deliveries')}>${t('src.showDeliveries')}</button>` : null}
      ${me.admin ? html`
        <button type="button" class=${'btn-reauth' + (s.needsReauth ? ' primary' : '')} aria-expanded=${panel === 'reauth'} onClick=${() => toggle('reauth')}>${t('src.reauth')}</button>
        <button type="button" class="btn-enabled" disabled=${act.busy} onClick=${() => run(() => gql(`mutation($s: ID!) { ${s.enabled ? 'disableSource' : 'enableSource'}(id: $s) { id } }`, { s: s.id }))}>
          ${s.enabled ? t('src.disable') : t('src.enable')}</button>` : null}
    </div>
    <${ErrorBox} error=${act.error} />
    ${panel === 'deliveries' ? html`<${Deliveries} source=${s} onChange=${reload} />` : null}
    ${panel === 'reauth' ? html`<${Reauth} source=${s} onDone=${() => { setPanel(null); reload(); }} />` : null}
  </section>`;
}

/** A setting's value as typed in the form → JSON of its type; undefined when left blank. */
function settingValue(spec, raw) {
  if (raw === undefined || raw === '') return undefined;
  const list = (x) => x.split(',').map((v) => v.trim()).filter(Boolean);
  switch (spec.type) {
    case 'integer': {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new Error(`${spec.key}: ${t('src.notInteger')}`);
      return n;
    }
    case 'boolean': return raw === 'true';
    case 'string list': return list(raw);
    case 'integer list': return list(raw).map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(`${spec.key}: ${t('src.notInteger')}`);
      return n;
    });
    default: return raw;
  }
}

/** The platform's settings (`platformSettings`), each typed; blank = the default shown. */
function SettingsFields({ specs, value, onChange }) {
  const set = (k) => (e) => onChange({ ...value, [k]: e.target.value });
  const shown = (d) => (d === null || d === undefined ? '' : Array.isArray(d) ? d.join(', ') : String(d));
  return specs.map((s) => html`<label key=${s.key} title=${s.description}>
    <span><code>${s.key}</code> <span class="muted">${s.type}</span></span>
    ${s.type === 'boolean' || s.type === 'one of'
      ? html`<select name=${'setting-' + s.key} value=${value[s.key] || ''} onChange=${set(s.key)}>
          <option value="">${t('src.default')}${shown(s.default) ? ': ' + shown(s.default) : ''}</option>
          ${(s.type === 'boolean' ? ['true', 'false'] : s.allowedValues).map((v) => html`<option value=${v}>${v}</option>`)}</select>`
      : html`<input name=${'setting-' + s.key} type=${s.type === 'integer' ? 'number' : 'text'} value=${value[s.key] || ''}
          placeholder=${shown(s.default)} onInput=${set(s.key)} />`}
    <span class="hint">${s.description}</span>
  </label>`);
}

function NewSource({ onDone }) {
  const [f, setF] = useState({ platform: 'ROZETKA', name: '', currency: 'UAH', baseUrl: '', language: '', storeCommission: true });
  const [creds, setCreds] = useState({});
  const [settings, setSettings] = useState({});
  const [act, run] = useAction(null);
  const [formError, setFormError] = useState(null);
  const specs = useQuery(() => gql('query($p: Platform!) { platformSettings(platform: $p) { key type default allowedValues description } platformFacts(platform: $p) { takesLanguage } }', { p: f.platform }), [f.platform]);
  // the language field only where the platform reads goods' names in it (the API says which)
  const takesLanguage = !!(specs.data && specs.data.platformFacts.takesLanguage);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const submit = (e) => {
    e.preventDefault();
    const typed = {};
    try {
      (specs.data ? specs.data.platformSettings : []).forEach((s) => {
        const v = settingValue(s, settings[s.key]);
        if (v !== undefined) typed[s.key] = v;
      });
      setFormError(null);
    } catch (err) {
      setFormError(err);
      return;
    }
    const input = { name: f.name, platform: f.platform, currency: f.currency.toUpperCase(), credentials: creds, settings: typed, storeCommission: f.storeCommission };
    if (f.baseUrl) input.baseUrl = f.baseUrl;
    if (f.language && takesLanguage) input.language = f.language;
    run(async () => {
      const d = await gql('mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }', { i: input });
      onDone(d.createSource.id);
    });
  };
  const spec = CREDENTIALS[f.platform];
  return html`<form class="card form" onSubmit=${submit} id="new-source">
    <h2>${t('src.new')}</h2>
    <label>${t('f.platform')}<select id="new-platform" value=${f.platform} onChange=${(e) => { setF({ ...f, platform: e.target.value }); setCreds({}); setSettings({}); }}>
      ${PLATFORMS.map((p) => html`<option value=${p}>${t('platform.' + p)}</option>`)}</select></label>
    <label>${t('src.name')}<input id="new-name" required maxlength="200" value=${f.name} onInput=${set('name')} /></label>
    <label>${t('src.currency')}<input id="new-currency" required maxlength="3" value=${f.currency} onInput=${set('currency')} /></label>
    <label>${spec.baseUrl ? t('src.shopUrl') : t('src.baseUrl')}<input id="new-baseurl" type="url" required=${!!spec.baseUrl} value=${f.baseUrl} onInput=${set('baseUrl')}
      placeholder=${spec.baseUrl ? 'https://shop.example.com' : t('src.baseUrlHint')} /></label>
    <${CredentialFields} platform=${f.platform} value=${creds} onChange=${setCreds} prefix="new" />
    ${takesLanguage ? html`<label>${t('src.language')}<input id="new-language" value=${f.language} onInput=${set('language')} placeholder="uk" /></label>` : null}
    <label class="check"><input type="checkbox" checked=${f.storeCommission} onChange=${set('storeCommission')} /> ${t('src.storeCommission')}</label>
    <details class="settings" id="new-settings">
      <summary>${t('src.settings')}</summary>
      <p class="hint">${t('src.settingsHint')}</p>
      <${ErrorBox} error=${specs.error} />
      <div class="form">${specs.data ? html`<${SettingsFields} specs=${specs.data.platformSettings} value=${settings} onChange=${setSettings} />` : null}</div>
    </details>
    <button type="submit" class="primary" id="create-source" disabled=${act.busy}>${act.busy ? t('src.checking') : t('src.create')}</button>
    <${ErrorBox} error=${formError || act.error} />
  </form>`;
}

/** One source's history: its sync runs and what happened to it (SRC-5, IMP-6, WH-6), each
 * paged newest first. */
function SourceHistory({ id }) {
  const [runsPage, setRunsPage] = useState(firstPage(RUNS_PAGE));
  const [eventsPage, setEventsPage] = useState(firstPage(EVENTS_PAGE));
  const runs = useQuery(() => gql(`query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) { source(id: $s) { id
    syncRuns(first: $f, after: $a, last: $l, before: $b) { edges { node { ${RUN_FIELDS} } }
      pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } } }`, { s: id, ...runsPage }), [id, runsPage]);
  const events = useQuery(() => gql(`query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) { source(id: $s) { id
    events(first: $f, after: $a, last: $l, before: $b) { edges { cursor node { kind message createdAt } }
      pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } } }`, { s: id, ...eventsPage }), [id, eventsPage]);
  const s = runs.data && runs.data.source;
  const feed = events.data && events.data.source && events.data.source.events;
  return html`<section class="card history" id="source-history">
    <${Loading} on=${runs.loading || events.loading} /><${ErrorBox} error=${runs.error || events.error} />
    ${runs.data && !s ? html`<p class="error">${t('rules.noSource')}</p>` : null}
    ${s ? html`<h2>${t('src.runs')}</h2>
      <div class="tablewrap"><table class="list">
        <thead><tr><th>#</th><th>${t('src.run')}</th><th>${t('src.started')}</th><th>${t('src.finished')}</th><th>${t('src.result')}</th></tr></thead>
        <tbody>${nodes(s.syncRuns).map((r) => html`<tr key=${r.id}><td>${r.id}</td><td>${t('run.' + r.kind)}</td><td class="nowrap">${fmtDate(r.startedAt)}</td>
          <td class="nowrap">${fmtDate(r.finishedAt)}</td>
          <td><span class=${r.state === 'failed' ? 'error-text' : ''}>${t('state.' + r.state)}</span> · ${t('src.counts', r.ordersSeen, r.ordersCreated, r.ordersUpdated, r.ordersSkipped)}
            ${r.error ? html`<br /><span class="error-text">${r.error}</span>` : null}${r.note ? html`<br /><span class="muted">${r.note}</span>` : null}</td></tr>`)}</tbody>
      </table></div>
      <${Pager} conn=${s.syncRuns} size=${RUNS_PAGE} onPage=${setRunsPage} id="runs-pager" />` : null}
    ${feed ? html`<h2>${t('src.events')}</h2>
      ${feed.edges.length ? html`<ol class="timeline">${feed.edges.map(({ cursor, node: e }) => html`<li key=${cursor}><time>${fmtDate(e.createdAt)}</time>
        <span class="kind">${t('kind.' + e.kind)}</span><span class="msg">${e.message}</span></li>`)}</ol>` : html`<p class="muted">—</p>`}
      <${Pager} conn=${feed} size=${EVENTS_PAGE} onPage=${setEventsPage} id="events-pager" />` : null}
  </section>`;
}

export function Sources({ me, sel }) {
  const q = useQuery(() => gql(HEALTH), []);
  const one = sel && sel !== 'new' ? sel : null;
  return html`<main class="sources">
    <div class="titlebar"><h1>${t('nav.sources')}</h1><${Loading} on=${q.loading} />
      ${me.admin && sel !== 'new' ? html`<${Link} href="/sources/new" class="button primary">+ ${t('src.new')}</${Link}>` : null}
      <button type="button" class="link" onClick=${q.reload}>${t('refresh')}</button></div>
    ${sel === 'new' && me.admin ? html`<${NewSource} onDone=${() => { navigate('/sources'); q.reload(); }} />` : null}
    <${ErrorBox} error=${q.error} />
    ${q.data && !q.data.sourcesHealth.length ? html`<p class="muted">${t('src.none')}</p>` : null}
    ${one ? html`<p><${Link} href="/sources">← ${t('src.all')}</${Link}></p>` : null}
    <div class="cards">${q.data && q.data.sourcesHealth.filter((h) => !one || h.source.id === one)
      .map((h) => html`<${SourceCard} key=${h.source.id} h=${h} me=${me} reload=${q.reload} />`)}</div>
    ${one ? html`<${SourceHistory} id=${one} key=${one} />` : null}
  </main>`;
}
