// The orders list (API-2): filters in the URL, cursor paging, new orders live (orderEvents).
import { html, useState, useEffect, useLocation, useQuery, navigate, Link, ErrorBox, Loading,
  fmtDate, fmtMoney, PlatformBadge, PLATFORMS, GROUPS, customerName } from './ui.js';
import { gql, subscribe } from './api.js';
import { t } from './i18n.js';

const ORDERS = `query($f: OrderFilter, $after: String) {
  orders(filter: $f, first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id number platformCreatedAt total currency trackingNumber sourceStatus sourceStatusLabel
      source { id name platform } status { name group } customer { firstName lastName phone unspecified } } }
  }
}`;

const FIELDS = ['source', 'platform', 'group', 'from', 'to', 'q', 'mine'];
// `after` is the page's cursor, `prev` the cursors of the pages before ('-': the first)

function dayStart(d, plus = 0) {
  const x = new Date(d + 'T00:00:00');
  x.setDate(x.getDate() + plus);
  return x.toISOString();
}

function filterOf(p, me) {
  const f = {};
  if (p.get('mine')) f.managerId = me.id;
  if (p.get('source')) f.sourceId = p.get('source');
  if (p.get('platform')) f.platform = p.get('platform');
  if (p.get('group')) f.statusGroup = p.get('group');
  if (p.get('from')) f.createdFrom = dayStart(p.get('from'));
  if (p.get('to')) f.createdTo = dayStart(p.get('to'), 1);
  if (p.get('q')) f.search = p.get('q');
  return f;
}

export function Orders({ me }) {
  const { params } = useLocation();
  const key = params.toString();
  const after = params.get('after');
  const [form, setForm] = useState(() => Object.fromEntries(FIELDS.map((k) => [k, params.get(k) || ''])));
  const [fresh, setFresh] = useState([]);
  const [live, setLive] = useState('connecting');
  const sources = useQuery(() => gql('{ sources { id name platform } }'), []);
  const list = useQuery(() => gql(ORDERS, { f: filterOf(params, me), after }), [key]);

  useEffect(() => setForm(Object.fromEntries(FIELDS.map((k) => [k, params.get(k) || '']))), [key]);
  useEffect(() => subscribe(
    'subscription { orderEvents(kinds: ["imported"]) { order { id number source { platform } } } }', {},
    (d) => d.orderEvents.order && setFresh((xs) => xs.some((o) => o.id === d.orderEvents.order.id) ? xs : [d.orderEvents.order, ...xs]),
    setLive,
  ), []);

  const apply = (next, extra = {}) => {
    const q = new URLSearchParams();
    FIELDS.forEach((k) => next[k] && q.set(k, next[k]));
    Object.entries(extra).forEach(([k, v]) => v && q.set(k, v));
    const s = q.toString();
    navigate('/orders' + (s ? '?' + s : ''));
  };
  const set = (k) => (e) => {
    const next = { ...form, [k]: e.target.value };
    setForm(next);
    if (e.target.type === 'checkbox') next[k] = e.target.checked ? '1' : '';
    if (e.target.tagName === 'SELECT' || e.target.type === 'date' || e.target.type === 'checkbox') { setForm(next); apply(next); }
  };
  const showFresh = () => { setFresh([]); apply(form); list.reload(); };
  const conn = list.data && list.data.orders;
  const pageStack = (params.get('prev') || '').split(',').filter(Boolean);

  return html`<main class="orders">
    <div class="titlebar">
      <h1>${t('orders.title')}</h1>
      ${conn ? html`<span class="count" id="total">${t('orders.total', conn.totalCount)}</span>` : null}
      <span class=${'live ' + (live === 'live' ? 'on' : '')} title=${live}>${live === 'live' ? t('live.on') : t('live.off')}</span>
      ${fresh.length ? html`<button type="button" class="fresh" id="fresh" onClick=${showFresh}>
        ${t('orders.fresh', fresh.length)}: ${fresh.slice(0, 3).map((o) => o.number).join(', ')}</button>` : null}
    </div>
    <form class="filters" onSubmit=${(e) => { e.preventDefault(); apply(form); }} role="search">
      <label>${t('f.search')}<input id="search" type="search" value=${form.q} onInput=${set('q')} placeholder=${t('f.searchHint')} /></label>
      <label>${t('f.source')}<select id="f-source" value=${form.source} onChange=${set('source')}>
        <option value="">${t('all')}</option>
        ${(sources.data ? sources.data.sources : []).map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label>
      <label>${t('f.platform')}<select id="f-platform" value=${form.platform} onChange=${set('platform')}>
        <option value="">${t('all')}</option>
        ${PLATFORMS.map((p) => html`<option value=${p}>${t('platform.' + p)}</option>`)}
      </select></label>
      <label>${t('f.group')}<select id="f-group" value=${form.group} onChange=${set('group')}>
        <option value="">${t('all')}</option>
        ${GROUPS.map((g) => html`<option value=${g}>${t('group.' + g)}</option>`)}
      </select></label>
      <label>${t('f.from')}<input type="date" value=${form.from} onChange=${set('from')} /></label>
      <label>${t('f.to')}<input type="date" value=${form.to} onChange=${set('to')} /></label>
      <label class="check"><input type="checkbox" id="f-mine" checked=${!!form.mine} onChange=${set('mine')} /> ${t('f.mine')}</label>
      <button type="submit">${t('f.apply')}</button>
      ${FIELDS.some((k) => form[k]) ? html`<button type="button" class="link" onClick=${() => apply({})}>${t('f.clear')}</button>` : null}
    </form>
    <${ErrorBox} error=${list.error || sources.error} />
    <div class="tablewrap">
    <table class=${'list orders-table' + (list.loading ? ' stale' : '')} id="orders">
      <thead><tr>
        <th>${t('o.number')}</th><th>${t('o.date')}</th><th>${t('o.source')}</th><th>${t('o.customer')}</th>
        <th>${t('o.phone')}</th><th class="num">${t('o.total')}</th><th>${t('o.status')}</th><th>${t('o.tracking')}</th>
      </tr></thead>
      <tbody>
        ${conn && conn.edges.map(({ node: o }) => html`<tr key=${o.id} class="order-row" data-platform=${o.source ? o.source.platform : 'HERE'}>
          <td class="c-number"><${Link} href=${'/orders/' + o.id} class="num-link">${o.number}</${Link}></td>
          <td class="nowrap c-date">${fmtDate(o.platformCreatedAt)}</td>
          <td class="c-source"><${PlatformBadge} platform=${o.source && o.source.platform} /> <span class="muted">${o.source ? o.source.name : ''}</span></td>
          <td class="c-customer">${customerName(o.customer)}</td>
          <td class="nowrap c-phone">${o.customer && o.customer.phone}</td>
          <td class="num nowrap c-total">${fmtMoney(o.total, o.currency)}</td>
          <td class="c-status"><span class=${'st g-' + o.status.group.toLowerCase()}>${o.status.name}</span>
            ${o.sourceStatus ? html` <span class="muted" title=${o.sourceStatus}>(${o.sourceStatusLabel || o.sourceStatus})</span>` : null}</td>
          <td class="nowrap c-tracking">${o.trackingNumber || ''}</td>
        </tr>`)}
        ${conn && !conn.edges.length ? html`<tr><td colspan="8" class="empty">${t('orders.none')}</td></tr>` : null}
      </tbody>
    </table>
    </div>
    <div class="pager">
      <${Loading} on=${list.loading} />
      ${after ? html`<button type="button" onClick=${() => apply(form, { after: pageStack[pageStack.length - 1] === '-' ? '' : pageStack[pageStack.length - 1], prev: pageStack.slice(0, -1).join(',') })}>← ${t('prev')}</button>` : null}
      ${conn && conn.pageInfo.hasNextPage ? html`<button type="button" id="next" onClick=${() => apply(form, { after: conn.pageInfo.endCursor, prev: [...pageStack, after || '-'].join(',') })}>${t('next')} →</button>` : null}
    </div>
  </main>`;
}
