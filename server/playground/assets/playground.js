// Commerce Gateway GraphQL playground: mounts GraphiQL (vendored UMD build,
// see README.md) and adds an "API key" bar. Loaded as an external script so
// the page works under a strict Content-Security-Policy (no inline scripts).
//
// The API key lives only in sessionStorage (per tab, cleared when the tab is
// closed) and is sent only as the "Authorization: Bearer <key>" header of
// GraphQL requests to the configured endpoint. It is never put in the URL
// query, never written into the headers editor and therefore never persisted
// by GraphiQL to localStorage. A key may be handed over once via the URL
// fragment (#key=...), which browsers never send to servers; it is removed
// from the address bar immediately.
(function () {
  'use strict';

  var STORAGE_KEY = 'commercegateway.playground.apiKey';
  var DEFAULT_QUERY = [
    '# Commerce Gateway GraphQL playground',
    '#',
    '# Set your API key in the bar above; it is',
    '# sent as "Authorization: Bearer <key>".',
    '# Run the query with Ctrl/Cmd + Enter.',
    '',
    '{',
    '  products(first: 5) {',
    '    totalCount',
    '    nodes {',
    '      id',
    '      name',
    '      variants {',
    '        sku',
    '        retailPrice {',
    '          amount',
    '          currencyCode',
    '        }',
    '        inventory {',
    '          available',
    '          canSell',
    '        }',
    '      }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');

  var root = document.getElementById('graphiql');
  var form = document.getElementById('pg-key-form');
  var input = document.getElementById('pg-key');
  var clearButton = document.getElementById('pg-key-clear');
  var status = document.getElementById('pg-key-status');
  if (!root || typeof GraphiQL === 'undefined' || typeof React === 'undefined' || typeof ReactDOM === 'undefined') {
    if (root) root.textContent = 'The GraphQL playground failed to load its scripts.';
    return;
  }

  // --- key storage (sessionStorage, with an in-memory fallback) ---
  var memoryKey = '';
  function readKey() {
    try {
      return window.sessionStorage.getItem(STORAGE_KEY) || '';
    } catch (e) {
      return memoryKey;
    }
  }
  function writeKey(key) {
    memoryKey = key;
    try {
      if (key) window.sessionStorage.setItem(STORAGE_KEY, key);
      else window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      // storage disabled: keep the key in memory for this page only
    }
  }

  // Take a key handed over as #key=... once, then drop it from the address bar.
  function takeKeyFromFragment() {
    var hash = window.location.hash;
    if (!hash || hash.length < 2) return;
    var params = new URLSearchParams(hash.slice(1));
    if (!params.has('key')) return;
    var key = (params.get('key') || '').trim();
    params.delete('key');
    var rest = params.toString();
    var url = window.location.pathname + window.location.search + (rest ? '#' + rest : '');
    try {
      window.history.replaceState(window.history.state, '', url);
    } catch (e) {
      window.location.hash = rest;
    }
    if (key) writeKey(key);
  }

  // --- fetcher ---
  var endpoint = new URL(root.getAttribute('data-endpoint') || '/graphql', window.location.href).toString();
  // Subscriptions go over graphql-ws (graphql-transport-ws) at the same
  // endpoint; GraphiQL sends the request headers below (the key) as the
  // connection_init payload, since a browser cannot set headers on a
  // WebSocket.
  var baseFetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: endpoint.replace(/^http/, 'ws') });

  function hasHeader(headers, name) {
    return Object.keys(headers).some(function (h) {
      return h.toLowerCase() === name;
    });
  }

  // A new fetcher per key, so GraphiQL re-runs introspection when it changes.
  // An Authorization header typed into the headers editor takes precedence.
  function makeFetcher(key) {
    return function (params, opts) {
      var headers = Object.assign({}, opts && opts.headers);
      if (key && !hasHeader(headers, 'authorization')) {
        headers.Authorization = 'Bearer ' + key;
      }
      return baseFetcher(params, Object.assign({}, opts, { headers: headers }));
    };
  }

  // --- rendering ---
  var reactRoot = ReactDOM.createRoot(root);

  function render() {
    var key = readKey();
    status.textContent = key ? 'Key in use for this tab' : 'No key: requests are anonymous';
    status.className = 'pg-status ' + (key ? 'pg-status-ok' : 'pg-status-none');
    clearButton.disabled = !key;
    reactRoot.render(
      React.createElement(GraphiQL, {
        fetcher: makeFetcher(key),
        defaultQuery: DEFAULT_QUERY,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: 'headers',
        shouldPersistHeaders: false
      })
    );
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    writeKey(input.value.trim());
    render();
  });
  clearButton.addEventListener('click', function () {
    input.value = '';
    writeKey('');
    render();
    input.focus();
  });

  takeKeyFromFragment();
  input.value = readKey();
  render();
})();
