// Shared pieces: htm bound to Preact, the router (History API: each screen its own URL),
// formatting, and small components for loading and errors.
import { h, render } from './vendor/preact.module.js';
import { useState, useEffect, useCallback, useRef } from './vendor/hooks.module.js';
import htm from './vendor/htm.module.js';
import { t, lang } from './i18n.js';

export const html = htm.bind(h);
export { render, useState, useEffect, useCallback, useRef };

const listeners = new Set();
export function navigate(to, replace = false) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((f) => f());
}
window.addEventListener('popstate', () => listeners.forEach((f) => f()));

/** The current location; re-renders on navigation. */
export function useLocation() {
  const [, set] = useState(0);
  useEffect(() => {
    const f = () => set((n) => n + 1);
    listeners.add(f);
    return () => listeners.delete(f);
  }, []);
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

/** An in-page link: a plain <a href> (opens in a new tab too), routed without a reload. */
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

/** Runs `load` (async) whenever `deps` change: {data, error, loading, reload}. */
export function useQuery(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (error) => n === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.message || String(error)}</p>`;
}

export function Loading({ on }) {
  return html`<span class=${'loading' + (on ? ' on' : '')} aria-live="polite">${on ? t('loading') : ''}</span>`;
}

const locale = () => (lang() === 'uk' ? 'uk-UA' : 'en-GB');

export function fmtDate(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(locale(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function fmtMoney(amount, currency) {
  if (amount == null) return '';
  const n = Number(amount);
  if (!Number.isFinite(n)) return amount + ' ' + (currency || '');
  return n.toLocaleString(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + '\u00a0' + (currency || '');
}

export function PlatformBadge({ platform }) {
  if (!platform) return html`<span class="badge p-here">${t('here')}</span>`;
  return html`<span class=${'badge p-' + platform.toLowerCase()}>${t('platform.' + platform)}</span>`;
}

export const PLATFORMS = ['ROZETKA', 'PROM', 'EPICENTR', 'CARTUM', 'SHOPIFY', 'WOOCOMMERCE'];
export const GROUPS = ['NEW', 'APPROVAL', 'PRODUCTION', 'DELIVERY', 'COMPLETED', 'CANCELLED'];

export function customerName(c) {
  if (!c) return '';
  if (c.unspecified) return t('customer.hidden');
  return [c.firstName, c.lastName].filter(Boolean).join(' ');
}

/** The nodes of a connection's edges (API-1: lists are Relay connections). */
export function nodes(conn) {
  return conn ? conn.edges.map((e) => e.node) : [];
}

/** The first page of a connection of `size` rows, as the variables of a query taking
 * `$f: Int, $a: String, $l: Int, $b: String`. */
export const firstPage = (size) => ({ f: size });

/** Newer / older buttons of a newest-first connection: `onPage` gets the variables of the page
 * before (`last` rows before its first cursor) or after (`first` rows after its last one). */
export function Pager({ conn, size, onPage, id }) {
  if (!conn) return null;
  const info = conn.pageInfo;
  if (!info.hasPreviousPage && !info.hasNextPage) return null;
  return html`<div class="pager" id=${id}>
    ${info.hasPreviousPage ? html`<button type="button" class="newer" onClick=${() => onPage({ l: size, b: info.startCursor })}>← ${t('prev')}</button>` : null}
    ${info.hasNextPage ? html`<button type="button" class="older" onClick=${() => onPage({ f: size, a: info.endCursor })}>${t('next')} →</button>` : null}
  </div>`;
}
