// GraphiQL from files embedded in orderhub (no CDN). The Authorization header set in the
// headers tab goes with every request and, as graphql-transport-ws `connection_init` payload,
// with subscriptions over /graphql/ws. A console sign-in in this tab fills it in.
(function () {
  var token = null;
  try { token = sessionStorage.getItem('orderhub.token'); } catch (e) { /* storage off */ }
  var ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';
  var fetcher = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: ws });
  var headers = JSON.stringify({ Authorization: 'Bearer ' + (token || 'YOUR_TOKEN') }, null, 2);
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: headers,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultQuery: '# the token of the Headers tab below is sent with every request\n{ me { name admin } }\n\n# { orders(first: 5) { edges { node { number total currency source { platform } } } } }\n',
  }));
})();
