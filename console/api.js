// The console's only way to the server: the public GraphQL API (POST /graphql) and its
// graphql-transport-ws websocket (/graphql/ws), with the token the user signed in with.

const KEY = 'orderhub.token';

export const session = {
  token() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } },
  set(t) { sessionStorage.setItem(KEY, t); },
  clear() { sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code || null;
  }
}

/** Runs one operation; the API's own message when it refuses. */
export async function gql(query, variables = {}, { quiet = false } = {}) {
  const t = session.token();
  const headers = { 'Content-Type': 'application/json' };
  if (t) headers.Authorization = 'Bearer ' + t;
  let res;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch (e) {
    throw new ApiError('orderhub does not answer (' + e.message + ')', 'NETWORK');
  }
  let body;
  try { body = await res.json(); } catch (e) { throw new ApiError('HTTP ' + res.status, 'HTTP'); }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const code = first.extensions && first.extensions.code;
    // the token stopped working (rotated or revoked): back to the sign-in screen
    if (code === 'UNAUTHENTICATED' && t && !quiet) window.dispatchEvent(new CustomEvent('orderhub:signed-out', { detail: first.message }));
    throw new ApiError(body.errors.map((e) => e.message).join('; '), first.extensions && first.extensions.code);
  }
  return body.data;
}

/**
 * A subscription over graphql-transport-ws. `onData` gets each result's `data`, `onState` the
 * connection's state ('connecting', 'live', 'closed', or an error message). Reconnects after a
 * drop; the returned function ends it.
 */
export function subscribe(query, variables, onData, onState = () => {}) {
  let ws = null;
  let stopped = false;
  let retry = null;
  const open = () => {
    if (stopped) return;
    onState('connecting');
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
    ws = new WebSocket(url, 'graphql-transport-ws');
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer ' + (session.token() || '') } }));
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === 'connection_ack') {
        onState('live');
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
      } else if (msg.type === 'next') {
        if (msg.payload && msg.payload.data) onData(msg.payload.data);
        else if (msg.payload && msg.payload.errors) onState(msg.payload.errors.map((e) => e.message).join('; '));
      } else if (msg.type === 'error') {
        onState((msg.payload || []).map((e) => e.message).join('; ') || 'subscription refused');
      } else if (msg.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      }
    };
    ws.onclose = () => {
      if (stopped) return;
      onState('closed');
      retry = setTimeout(open, 3000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    if (ws) ws.close();
  };
}
