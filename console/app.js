// The orderhub console: a seller's screens over the public GraphQL API.
import { html, render, useState, useEffect, useLocation, Link, navigate, ErrorBox } from './ui.js';
import { gql, session } from './api.js';
import { t, lang, setLang } from './i18n.js';
import { Orders } from './orders.js';
import { OrderPage } from './order.js';
import { Sources } from './sources.js';
import { Rules } from './rules.js';
import { Commission } from './commission.js';

const ME = 'query { me { id name admin } }';

function SignIn({ onSignedIn }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    session.set(token.trim());
    try {
      const d = await gql(ME, {}, { quiet: true });
      onSignedIn(d.me);
    } catch (err) {
      session.clear();
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="signin">
      <h1>orderhub</h1>
      <form onSubmit=${submit} class="card">
        <label for="token">${t('signin.token')}</label>
        <input id="token" name="token" type="password" autocomplete="off" autofocus required
          value=${token} onInput=${(e) => setToken(e.target.value)} />
        <p class="hint">${t('signin.hint')}</p>
        <button type="submit" id="signin" disabled=${busy}>${t('signin.go')}</button>
        <${ErrorBox} error=${error} />
      </form>
    </main>`;
}

function Nav({ path }) {
  const items = [
    ['/orders', t('nav.orders')],
    ['/sources', t('nav.sources')],
    ['/rules', t('nav.rules')],
    ['/commission', t('nav.commission')],
  ];
  return html`<nav aria-label=${t('nav.label')}>${items.map(([href, label]) => html`
    <${Link} href=${href} class=${path === href || path.startsWith(href + '/') ? 'active' : ''}
      aria-current=${path.startsWith(href) ? 'page' : null}>${label}</${Link}>`)}
    <a href="/graphql" target="_blank" rel="noopener">GraphiQL</a></nav>`;
}

function LangSwitch({ onChange }) {
  const next = lang() === 'uk' ? 'en' : 'uk';
  return html`<button type="button" class="lang" id="lang" title=${t('lang.title')}
    onClick=${() => { setLang(next); onChange(); }}>${next === 'en' ? 'EN' : 'УКР'}</button>`;
}

function Screen({ path, me }) {
  let m;
  if (path === '/' || path === '/signin' || path === '/orders') return html`<${Orders} me=${me} />`;
  if ((m = path.match(/^\/orders\/(\d+)$/))) return html`<${OrderPage} id=${m[1]} me=${me} />`;
  if (path === '/sources' || (m = path.match(/^\/sources\/(new|\d+)$/))) return html`<${Sources} me=${me} sel=${m && m[1]} />`;
  if (path === '/rules' || (m = path.match(/^\/rules\/(\d+)$/))) return html`<${Rules} me=${me} sourceId=${m && m[1]} />`;
  if (path === '/commission') return html`<${Commission} />`;
  return html`<main><p>${t('notFound')}</p></main>`;
}

function App() {
  const { path } = useLocation();
  const [me, setMe] = useState(null);
  const [checking, setChecking] = useState(!!session.token());
  const [error, setError] = useState(null);
  const [, relabel] = useState(0);
  useEffect(() => {
    if (!session.token()) return;
    gql(ME).then((d) => setMe(d.me), (e) => { session.clear(); setError(e); }).finally(() => setChecking(false));
  }, []);
  useEffect(() => { document.documentElement.lang = lang(); });
  useEffect(() => {
    const out = (e) => { session.clear(); setMe(null); setError(new Error(e.detail)); };
    window.addEventListener('orderhub:signed-out', out);
    return () => window.removeEventListener('orderhub:signed-out', out);
  }, []);
  if (checking) return html`<p class="boot">orderhub…</p>`;
  if (!me) {
    return html`<div>
      <div class="topright"><${LangSwitch} onChange=${() => relabel((n) => n + 1)} /></div>
      <${ErrorBox} error=${error} />
      <${SignIn} onSignedIn=${(u) => { setMe(u); setError(null); if (path === '/' || path === '/signin') navigate('/orders', true); }} />
    </div>`;
  }
  const signOut = () => { session.clear(); setMe(null); navigate('/signin'); };
  return html`
    <header>
      <${Link} href="/orders" class="brand">orderhub</${Link}>
      <${Nav} path=${path} />
      <span class="me" id="me">${me.name}${me.admin ? html` <span class="badge">${t('admin')}</span>` : ''}</span>
      <${LangSwitch} onChange=${() => relabel((n) => n + 1)} />
      <button type="button" class="link" onClick=${signOut}>${t('signout')}</button>
    </header>
    <${Screen} path=${path} me=${me} key=${path} />`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
