// One order: items, customer, delivery, expenses, and its feed with the provenance of every
// change (SYNC-5: the sync run or webhook delivery that brought it); status, tracking number
// and write-off; live as its events arrive.
import { html, useState, useEffect, useQuery, Link, ErrorBox, Loading, fmtDate, fmtMoney,
  PlatformBadge, customerName } from './ui.js';
import { gql, subscribe } from './api.js';
import { t } from './i18n.js';

const ORDER = `query($id: ID!) {
  order(id: $id) {
    id number externalId total currency currencyMismatch trackingNumber commission writtenOff writtenOffAt
    platformCreatedAt platformUpdatedAt lastSyncedAt pushError delivery sourceStatus sourceStatusLabel
    source { id name platform }
    status { id name group }
    manager { name }
    customer { firstName lastName phone email address unspecified }
    items { id name sku quantity price upsell upsellCapable removedOnPlatform writtenOff }
    expenses { id amount currency expenseType createdAt }
    events { id kind message createdAt user { name }
      syncRun { id kind state startedAt }
      webhookDelivery { id topic state receivedAt } }
  }
  statuses { id name group }
}`;

const ORDER_FIELDS = 'id trackingNumber writtenOff pushError status { id name group }';

function Action({ label, run, id, danger, children }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(false);
  const go = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null); setDone(false);
    try { await run(); setDone(true); } catch (err) { setError(err); } finally { setBusy(false); }
  };
  return html`<form class="action" onSubmit=${go}>
    ${children}
    <button type="submit" id=${id} class=${danger ? 'danger' : ''} disabled=${busy}>${label}</button>
    ${done ? html`<span class="ok" role="status">✓</span>` : null}
    <${ErrorBox} error=${error} />
  </form>`;
}

function Provenance({ e }) {
  if (e.webhookDelivery) {
    const d = e.webhookDelivery;
    return html`<span class="prov webhook">${t('ev.webhook')} #${d.id} ${d.topic || ''} · ${fmtDate(d.receivedAt)} · ${d.state}</span>`;
  }
  if (e.syncRun) {
    const r = e.syncRun;
    return html`<span class="prov sync">${t('ev.sync')} #${r.id} ${t('run.' + r.kind)} · ${fmtDate(r.startedAt)}</span>`;
  }
  if (e.user) return html`<span class="prov user">${e.user.name}</span>`;
  return null;
}

export function OrderPage({ id }) {
  const q = useQuery(() => gql(ORDER, { id }), [id]);
  const [status, setStatus] = useState('');
  const [reason, setReason] = useState('');
  const [tracking, setTracking] = useState(null);
  const [comment, setComment] = useState('');
  const [itemError, setItemError] = useState(null);
  const o = q.data && q.data.order;
  const sourceId = o && o.source && o.source.id;

  useEffect(() => {
    if (!sourceId) return undefined;
    let timer = null;
    return subscribe('subscription($s: ID) { orderEvents(sourceId: $s) { id order { id } } }', { s: sourceId }, (d) => {
      if (d.orderEvents.order && d.orderEvents.order.id === id) {
        clearTimeout(timer);
        timer = setTimeout(q.reload, 200);
      }
    });
  }, [sourceId]);

  if (!q.data) return html`<main><${Loading} on=${q.loading} /><${ErrorBox} error=${q.error} /></main>`;
  if (!o) return html`<main><p class="error">${t('order.missing')}</p><${Link} href="/orders">← ${t('nav.orders')}</${Link}></main>`;
  const statuses = q.data.statuses;
  const chosen = statuses.find((s) => s.id === (status || o.status.id));
  const c = o.customer;
  const changeStatus = () => gql(`mutation($o: ID!, $s: ID!, $r: String) { changeOrderStatus(orderId: $o, statusId: $s, cancellationReason: $r) { ${ORDER_FIELDS} } }`,
    { o: o.id, s: status || o.status.id, r: chosen && chosen.group === 'CANCELLED' && reason ? reason : null }).then(q.reload);
  const setTrack = () => gql(`mutation($o: ID!, $t: String!) { setTrackingNumber(orderId: $o, trackingNumber: $t) { ${ORDER_FIELDS} } }`,
    { o: o.id, t: tracking == null ? (o.trackingNumber || '') : tracking }).then(q.reload);
  const writeOff = () => {
    if (!confirm(t('order.writeOffConfirm'))) return Promise.resolve();
    return gql(`mutation($o: ID!) { writeOffOrder(orderId: $o) { ${ORDER_FIELDS} } }`, { o: o.id }).then(q.reload);
  };
  const addComment = () => gql('mutation($o: ID!, $t: String!) { addOrderComment(orderId: $o, text: $t) { id } }', { o: o.id, t: comment })
    .then(() => { setComment(''); q.reload(); });
  const syncNow = () => gql(`mutation($o: ID!) { syncOrder(orderId: $o) { ${ORDER_FIELDS} } }`, { o: o.id }).then(q.reload);
  const upsell = (i) => gql('mutation($i: ID!, $u: Boolean!) { setItemUpsell(itemId: $i, upsell: $u) { id upsell } }', { i: i.id, u: !i.upsell })
    .then(() => { setItemError(null); q.reload(); }, setItemError);
  const delivery = o.delivery && typeof o.delivery === 'object' ? Object.entries(o.delivery).filter(([, v]) => v != null && v !== '') : [];

  return html`<main class="order">
    <p><${Link} href="/orders">← ${t('nav.orders')}</${Link}></p>
    <div class="titlebar">
      <h1>${t('order.title')} ${o.number}</h1>
      <${PlatformBadge} platform=${o.source && o.source.platform} />
      <span class="muted">${o.source ? o.source.name : ''}</span>
      <span class=${'st g-' + o.status.group.toLowerCase()} id="status">${o.status.name}</span>
      ${o.sourceStatus ? html`<span class="muted" id="source-status">(${o.sourceStatusLabel ? o.sourceStatusLabel + ' · ' : ''}${o.sourceStatus})</span>` : null}
      <${Loading} on=${q.loading} />
    </div>
    <${ErrorBox} error=${q.error} />
    ${o.pushError ? html`<p class="error" id="push-error" role="alert">${t('order.pushError')}: ${o.pushError}</p>` : null}
    <div class="grid">
      <section class="card">
        <h2>${t('order.summary')}</h2>
        <dl>
          <dt>${t('o.date')}</dt><dd>${fmtDate(o.platformCreatedAt)}</dd>
          <dt>${t('o.total')}</dt><dd>${fmtMoney(o.total, o.currency)}${o.currencyMismatch ? html` <span class="warn">${t('order.currencyMismatch')}</span>` : null}</dd>
          ${o.commission ? html`<dt>${t('order.commission')}</dt><dd>${fmtMoney(o.commission, o.currency)}</dd>` : null}
          <dt>${t('o.tracking')}</dt><dd id="tracking">${o.trackingNumber || '—'}</dd>
          <dt>${t('order.manager')}</dt><dd>${o.manager ? o.manager.name : '—'}</dd>
          <dt>${t('order.synced')}</dt><dd>${fmtDate(o.lastSyncedAt) || '—'}</dd>
          ${o.writtenOff ? html`<dt>${t('order.writtenOff')}</dt><dd>${fmtDate(o.writtenOffAt)}</dd>` : null}
        </dl>
      </section>
      <section class="card">
        <h2>${t('o.customer')}</h2>
        ${c ? html`<dl>
          <dt>${t('order.name')}</dt><dd>${customerName(c) || '—'}</dd>
          <dt>${t('o.phone')}</dt><dd>${c.phone || '—'}</dd>
          <dt>E-mail</dt><dd>${c.email || '—'}</dd>
          <dt>${t('order.address')}</dt><dd>${c.address || '—'}</dd>
        </dl>` : html`<p class="muted">—</p>`}
        <h2>${t('order.delivery')}</h2>
        ${delivery.length ? html`<dl>${delivery.map(([k, v]) => html`<dt>${t('delivery.' + k)}</dt><dd>${String(v)}</dd>`)}</dl>` : html`<p class="muted">—</p>`}
      </section>
      <section class="card actions">
        <h2>${t('order.actions')}</h2>
        <${Action} label=${t('order.changeStatus')} id="change-status" run=${changeStatus}>
          <label>${t('o.status')}<select id="status-select" value=${status || o.status.id} onChange=${(e) => setStatus(e.target.value)}>
            ${statuses.map((s) => html`<option value=${s.id}>${s.name} · ${t('group.' + s.group)}</option>`)}
          </select></label>
          ${chosen && chosen.group === 'CANCELLED' ? html`<label>${t('order.reason')}<input value=${reason} onInput=${(e) => setReason(e.target.value)} maxlength="500" /></label>` : null}
        </${Action}>
        <${Action} label=${t('order.setTracking')} id="set-tracking" run=${setTrack}>
          <label>${t('o.tracking')}<input id="tracking-input" maxlength="100" value=${tracking == null ? (o.trackingNumber || '') : tracking}
            onInput=${(e) => setTracking(e.target.value)} /></label>
        </${Action}>
        ${o.writtenOff ? null : html`<${Action} label=${t('order.writeOff')} id="write-off" danger run=${writeOff} />`}
        ${o.source ? html`<${Action} label=${t('order.syncNow')} id="sync-order" run=${syncNow} />` : null}
      </section>
    </div>
    <section class="card">
      <h2>${t('order.items')}</h2>
      <div class="tablewrap"><table class="list">
        <thead><tr><th>${t('item.name')}</th><th>SKU</th><th class="num">${t('item.qty')}</th><th class="num">${t('item.price')}</th><th></th></tr></thead>
        <tbody>${o.items.map((i) => html`<tr key=${i.id} class=${i.removedOnPlatform ? 'removed' : ''}>
          <td>${i.name}</td><td>${i.sku || ''}</td><td class="num">${i.quantity}</td><td class="num nowrap">${fmtMoney(i.price, o.currency)}</td>
          <td>${i.upsellCapable ? html`<span class="badge upsell" title=${t('item.upsellHint')}>${i.upsell ? t('item.upsell') : t('item.added')}</span>
              <button type="button" class="small" aria-pressed=${i.upsell} onClick=${() => upsell(i)}>${i.upsell ? t('item.notUpsell') : t('item.markUpsell')}</button>` : null}
            ${i.removedOnPlatform ? html`<span class="badge">${t('item.removed')}</span>` : null}
            ${i.writtenOff ? html`<span class="badge">${t('order.writtenOff')}</span>` : null}</td>
        </tr>`)}</tbody>
      </table></div>
      <${ErrorBox} error=${itemError} />
    </section>
    ${o.expenses.length ? html`<section class="card">
      <h2>${t('order.expenses')}</h2>
      <ul class="plain">${o.expenses.map((x) => html`<li key=${x.id}>${x.expenseType}: ${fmtMoney(x.amount, x.currency)} <span class="muted">${fmtDate(x.createdAt)}</span></li>`)}</ul>
    </section>` : null}
    <section class="card">
      <h2>${t('order.events')}</h2>
      <${Action} label=${t('order.addComment')} id="add-comment" run=${addComment}>
        <label class="grow">${t('order.comment')}<input id="comment-input" maxlength="2000" required value=${comment} onInput=${(e) => setComment(e.target.value)} /></label>
      </${Action}>
      <ol class="timeline" id="timeline">${o.events.map((e) => html`<li key=${e.id} class=${'ev k-' + e.kind}>
        <time>${fmtDate(e.createdAt)}</time>
        <span class="kind">${t('kind.' + e.kind)}</span>
        <span class="msg">${e.message}</span>
        <${Provenance} e=${e} />
      </li>`)}</ol>
    </section>
  </main>`;
}
