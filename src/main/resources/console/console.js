// The fleet console's page: one row per host, one column per connection key, live from
// /api/stream (Server-Sent Events). Every text from the fleet (host ids, keys, CIDs, error
// messages) goes into the page as text (textContent), never as markup. How a connection looks,
// how long it has been so and the columns' labels are format.js's (TetherFormat).
'use strict';

(function () {
  const LOG_LINES = 200;
  /** How often the durations shown ("down for 12 min") are brought up to date. */
  const TICK_MS = 5000;
  /** How soon rows move or hide after a change of state, under "show" or "worst first". */
  const REORDER_MS = 1000;
  const F = TetherFormat;

  /** host id -> {seq, loaded, answering, problem, problemSince, connections: Map(key -> connection)} */
  const hosts = new Map();
  /** connection key -> number of hosts that have it: the columns. */
  const keyCount = new Map();
  /** What is drawn: host id -> {row, cells: Map(key -> td)}. */
  let drawn = new Map();
  /** The console's link to the broker, as the console reports it. */
  let broker = { up: false, connecting: true, problem: null, since: null };
  /** The page's stream from the console: 'connecting' until its first message, then 'up', or 'down' once it failed. */
  let stream = 'connecting';
  /** When the page last heard from the console (ms): what is shown was known then, while the stream is down. */
  let lastHeard = null;
  /** What the detail panel shows: {kind: 'connection', host, key, td, events, info}, {kind: 'host', host}, or null. */
  let selected = null;
  let redrawTimer = null;
  let summaryTimer = null;
  let firstDrawn = false;

  const $ = (id) => document.getElementById(id);

  // The page's "now": the browser's clock, or the one fixed by ?now=ISO (for a test of durations).
  const fixedNow = Date.parse(new URLSearchParams(location.search).get('now') || '');
  const now = () => (Number.isNaN(fixedNow) ? Date.now() : fixedNow);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function typeOf(key, connection) {
    if (connection && connection.type) return connection.type;
    const i = key.indexOf('://');
    return i > 0 ? key.substring(0, i) : 'other';
  }

  function countKeys(connections, delta) {
    connections.forEach((_, key) => {
      const n = (keyCount.get(key) || 0) + delta;
      if (n <= 0) keyCount.delete(key); else keyCount.set(key, n);
    });
  }

  function toHost(value) {
    return {
      seq: value.seq,
      loaded: value.loaded,
      answering: value.answering,
      problem: value.problem,
      problemSince: value.problemSince,
      connections: new Map(Object.entries(value.connections || {})),
    };
  }

  function setHost(id, value) {
    const old = hosts.get(id);
    const host = toHost(value);
    let sameKeys = !!old && old.connections.size === host.connections.size;
    if (old) {
      if (sameKeys) host.connections.forEach((_, k) => { if (!old.connections.has(k)) sameKeys = false; });
      countKeys(old.connections, -1);
    }
    countKeys(host.connections, +1);
    hosts.set(id, host);
    if (!old || !sameKeys || !drawn.has(id)) {
      scheduleRedraw();
    } else {
      paintRow(id);
      reorderSoon();
    }
  }

  /** Since when (ms) what is shown may be out of date, the stream or the broker being down; null while both are up. */
  function staleSince() {
    if (stream === 'down') return lastHeard;
    if (!broker.up && !broker.connecting) return broker.since ? Date.parse(broker.since) : lastHeard;
    return null;
  }

  // ---- which rows and columns ---------------------------------------------------------------------

  function filterText() {
    return $('filter').value.trim().toLowerCase();
  }

  /** True when rows or columns depend on the connections' states, not only on their keys. */
  function narrowed() {
    return $('show').value !== 'all' || $('order').value === 'worst';
  }

  /** Whether the "show" choice keeps a connection: 'failing' anything not fine, 'disconnected' that alone. */
  function kept(connection) {
    const show = $('show').value;
    if (show === 'disconnected') return connection.state === 'DISCONNECTED';
    if (show === 'failing') return F.severity(connection) > 0;
    return true;
  }

  /**
   * Rows and columns the filter lets through: a host id matching shows its row, a key its column,
   * and else a CID the rows and columns of its connections. "Show" keeps the rows and columns
   * with a connection it keeps (and, for failing, the hosts not answering); "worst first" orders
   * the rows by how bad their host is.
   */
  function visible() {
    const f = filterText();
    let ids = Array.from(hosts.keys()).sort();
    let keys = Array.from(keyCount.keys());
    if (f) {
      const hostHits = ids.filter((id) => id.toLowerCase().includes(f));
      const keyHits = keys.filter((k) => k.toLowerCase().includes(f));
      if (keyHits.length > 0) {
        keys = keyHits;
        if (hostHits.length === 0) ids = ids.filter((id) => keyHits.some((k) => hosts.get(id).connections.has(k)));
        else ids = hostHits;
      } else if (hostHits.length > 0) {
        ids = hostHits;
        keys = keys.filter((k) => ids.some((id) => hosts.get(id).connections.has(k)));
      } else {
        const cidKeys = new Set();
        ids = ids.filter((id) => {
          let hit = false;
          hosts.get(id).connections.forEach((c, k) => {
            if (c.cids.some((cid) => cid.toLowerCase().includes(f))) {
              cidKeys.add(k);
              hit = true;
            }
          });
          return hit;
        });
        keys = keys.filter((k) => cidKeys.has(k));
      }
    }
    if ($('show').value !== 'all') {
      const has = (id, k) => { const c = hosts.get(id).connections.get(k); return !!c && kept(c); };
      const keepUnanswering = $('show').value === 'failing';
      ids = ids.filter((id) => (keepUnanswering && !hosts.get(id).answering) || keys.some((k) => has(id, k)));
      keys = keys.filter((k) => ids.some((id) => has(id, k)));
    }
    if ($('order').value === 'worst') {
      const rank = new Map(ids.map((id) => [id, hostRank(hosts.get(id))]));
      ids.sort((a, b) => compareRanks(rank.get(b), rank.get(a)) || (a < b ? -1 : 1));
    }
    const typed = keys.map((k) => ({ key: k, type: typeOf(k, anyConnection(k)) }));
    typed.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { ids, columns: typed };
  }

  /** How bad a host is: not answering first, then by its connections down, connecting, degraded. */
  function hostRank(host) {
    const rank = [host.answering ? 0 : 1, 0, 0, 0];
    host.connections.forEach((c) => {
      const s = F.severity(c);
      if (s > 0) rank[4 - s]++;
    });
    return rank;
  }

  function compareRanks(a, b) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  }

  function anyConnection(key) {
    for (const host of hosts.values()) {
      const c = host.connections.get(key);
      if (c) return c;
    }
    return null;
  }

  // ---- drawing ----------------------------------------------------------------------------------

  function scheduleRedraw() {
    if (redrawTimer === null) redrawTimer = setTimeout(redraw, 0);
  }

  /**
   * Under "show" or "worst first", a change of state can move or hide rows and columns: they are
   * drawn anew within a second, once for every change in it, so a busy fleet costs one redraw a second.
   */
  function reorderSoon() {
    if (narrowed() && redrawTimer === null) redrawTimer = setTimeout(redraw, REORDER_MS);
  }

  function redraw() {
    if (redrawTimer !== null) clearTimeout(redrawTimer);
    redrawTimer = null;
    const { ids, columns } = visible();
    const table = $('matrix');
    const thead = el('thead');
    const typeRow = el('tr', 'types');
    typeRow.appendChild(el('th', 'corner', ''));
    let i = 0;
    while (i < columns.length) {
      let j = i;
      while (j < columns.length && columns[j].type === columns[i].type) j++;
      const th = el('th', 'type', columns[i].type);
      th.colSpan = j - i;
      typeRow.appendChild(th);
      i = j;
    }
    const keyRow = el('tr', 'keys');
    keyRow.appendChild(el('th', 'corner host', 'host'));
    const labels = F.labels(columns.map((c) => c.key));
    for (const column of columns) {
      const th = el('th', 'key', labels.get(column.key));
      th.title = column.key;
      th.dataset.key = column.key;
      keyRow.appendChild(th);
    }
    thead.appendChild(typeRow);
    thead.appendChild(keyRow);

    const tbody = el('tbody');
    const next = new Map();
    for (const id of ids) {
      const row = el('tr');
      row.dataset.host = id;
      row.appendChild(el('th', 'host'));
      const cells = new Map();
      for (const column of columns) {
        const td = el('td', 'cell none');
        td.dataset.host = id;
        td.dataset.key = column.key;
        cells.set(column.key, td);
        row.appendChild(td);
      }
      next.set(id, { row, cells });
      tbody.appendChild(row);
    }
    drawn = next;
    for (const id of ids) paintRow(id);
    table.replaceChild(thead, table.tHead);
    table.replaceChild(tbody, table.tBodies[0]);
    $('empty').hidden = hosts.size > 0;
    showNoMatch(hosts.size > 0 && ids.length === 0);
    keepSelectionInView(ids, columns);
    updateSummary();
    if (!firstDrawn && stream === 'up') {
      firstDrawn = true;
      // For the scale benchmark: when the first whole fleet was on screen, from navigation start.
      document.body.dataset.loadedMs = String(Math.round(performance.now()));
    }
  }

  /** Says why the matrix is empty when hosts are known but the filter or "show" let none through. */
  function showNoMatch(none) {
    const p = $('no-match');
    p.hidden = !none;
    if (!none) return;
    const f = filterText();
    const show = $('show').value;
    const what = show === 'all' ? '' : show === 'failing' ? 'failing ' : 'disconnected ';
    p.textContent = f ? 'No ' + what + 'host, connection or CID matches “' + f + '”.'
      : 'No ' + what + 'connection: all is well.';
  }

  function paintRow(id) {
    const d = drawn.get(id);
    const host = hosts.get(id);
    if (!d || !host) return;
    const th = d.row.firstChild;
    th.textContent = '';
    th.appendChild(el('span', 'id', id));
    d.row.classList.toggle('unanswering', !host.answering);
    d.row.classList.toggle('chosen', !!selected && selected.kind === 'host' && selected.host === id);
    if (!host.answering) {
      const p = el('span', 'problem', 'not answering: ' + host.problem);
      th.appendChild(p);
      th.title = id + ' does not answer since ' + host.problemSince + ': ' + host.problem;
    } else if (!host.loaded) {
      th.appendChild(el('span', 'loading', 'loading…'));
      th.title = id;
    } else {
      th.title = id + ' (seq ' + host.seq + ')';
    }
    const stale = staleSince() !== null;
    d.cells.forEach((td, key) => paintCell(td, host, host.connections.get(key), stale));
  }

  function paintCell(td, host, connection, stale) {
    if (!connection) {
      if (td.className !== 'cell none') td.className = 'cell none';
      if (td.textContent) td.textContent = '';
      td.removeAttribute('data-state');
      td.removeAttribute('data-since');
      return;
    }
    let cls = 'cell ' + F.look(connection);
    if (!host.answering) cls += ' faded';
    if (stale) cls += ' stale';
    if (selected && selected.td === td) cls += ' selected';
    td.className = cls;
    const count = String(connection.cids.length);
    if (td.textContent !== count) td.textContent = count;
    td.dataset.state = connection.state;
    const since = connection.since || '';
    if (td.dataset.since !== since) td.dataset.since = since;
  }

  /** Paints every drawn cell again: the stream or the broker came or went, which greys or ungreys them all. */
  function repaintAll() {
    drawn.forEach((_, id) => paintRow(id));
  }

  /** A cell's tooltip, made when the pointer comes over it rather than for every cell at every change. */
  function cellTitle(td) {
    const host = hosts.get(td.dataset.host);
    const connection = host ? host.connections.get(td.dataset.key) : null;
    if (!connection) return '';
    const stale = staleSince();
    let title = '';
    if (stale !== null) title += 'last known at ' + F.clock(stale) + '\n';
    title += td.dataset.host + ' · ' + td.dataset.key + '\n' + connection.state
      + (connection.since ? ' since ' + connection.since + ' (' + F.stateFor(connection, now()) + ')' : '')
      + '\n' + connection.cids.length + ' CID(s)';
    if (connection.lastError) title += '\n' + connection.lastError.code + ' ' + connection.lastError.name;
    const retry = F.retry(connection, now());
    if (retry) title += '\nretry: ' + retry;
    const health = connection.health;
    if (health && health.status) title += '\nhealth ' + health.status + (health.reasons && health.reasons.length ? ' ' + health.reasons.join(',') : '');
    if (!host.answering) title += '\nhost not answering: ' + host.problem;
    return title;
  }

  function updateSummary() {
    if (summaryTimer !== null) return;
    summaryTimer = setTimeout(() => {
      summaryTimer = null;
      let connections = 0;
      let notConnected = 0;
      let degraded = 0;
      let unanswering = 0;
      hosts.forEach((host) => {
        if (!host.answering) unanswering++;
        host.connections.forEach((c) => {
          connections++;
          if (c.state !== 'CONNECTED') notConnected++;
          else if (F.degraded(c)) degraded++;
        });
      });
      let text = hosts.size + ' hosts, ' + connections + ' connections, ' + notConnected + ' not connected';
      if (degraded) text += ', ' + degraded + ' degraded';
      if (unanswering) text += ', ' + unanswering + ' hosts not answering';
      $('summary').textContent = text;
      $('summary').dataset.notConnected = String(notConnected);
    }, 100);
  }

  // ---- banner -----------------------------------------------------------------------------------

  function showBanner() {
    const banner = $('banner');
    let text = null;
    let failing = true;
    if (stream === 'connecting') {
      text = 'Connecting to the console server…';
      failing = false;
    } else if (stream === 'down') {
      text = 'The console server cannot be reached; retrying. What is shown may be out of date.';
    } else if (broker.connecting) {
      text = 'Connecting to the broker…';
      failing = false;
    } else if (!broker.up) {
      text = 'Broker unreachable' + (broker.since ? ' since ' + broker.since : '') + ': '
        + (broker.problem || 'unknown') + '. Showing the last known state; reconnecting.';
    }
    banner.hidden = text === null;
    banner.textContent = text || '';
    banner.className = failing ? 'failing' : 'pending';
    document.body.dataset.broker = broker.up && stream === 'up' ? 'up' : 'down';
  }

  // ---- event log --------------------------------------------------------------------------------

  function describe(event) {
    let line = (event.at || '') + ' ' + event.hostId + ' seq=' + event.seq + ' ' + event.change + ' ' + event.state
      + ' ' + event.connectionKey;
    if (event.changedIds && event.changedIds.length) line += ' ids=' + event.changedIds.join(',');
    if (event.lastError) line += ' error=' + event.lastError.code + ' ' + event.lastError.name + ': ' + event.lastError.message;
    if (event.health && event.health.status) line += ' health=' + event.health.status;
    return line;
  }

  function log(event) {
    const list = $('events');
    const li = el('li', 'e-' + event.state, describe(event));
    list.insertBefore(li, list.firstChild);
    while (list.childElementCount > LOG_LINES) list.removeChild(list.lastChild);
  }

  /** The log as the console kept it (newest first), in place of what the page had. */
  function setLog(events) {
    const list = $('events');
    list.textContent = '';
    for (const event of events.slice(0, LOG_LINES)) list.appendChild(el('li', 'e-' + event.state, describe(event)));
  }

  // ---- detail panel: a connection, or a host ----------------------------------------------------

  function cellOf(host, key) {
    const d = drawn.get(host);
    return d ? d.cells.get(key) || null : null;
  }

  function unmark() {
    if (selected && selected.td) selected.td.classList.remove('selected');
    const row = selected && selected.kind === 'host' ? drawn.get(selected.host) : null;
    if (row) row.row.classList.remove('chosen');
  }

  function markSelected() {
    if (!selected) return;
    if (selected.kind === 'host') {
      const d = drawn.get(selected.host);
      if (d) d.row.classList.add('chosen');
      return;
    }
    const td = cellOf(selected.host, selected.key);
    if (selected.td && selected.td !== td) selected.td.classList.remove('selected');
    selected.td = td;
    if (td) td.classList.add('selected');
  }

  /**
   * After a redraw: the panel shows only what the matrix shows. A connection (or host) the filter
   * or "show" hid closes it; a connection that is gone stays, saying so.
   */
  function keepSelectionInView(ids, columns) {
    if (!selected) return;
    const rowShown = ids.includes(selected.host);
    const exists = hosts.has(selected.host) && (selected.kind === 'host' || hosts.get(selected.host).connections.has(selected.key));
    const shown = rowShown && (selected.kind === 'host' || columns.some((c) => c.key === selected.key));
    if (exists && !shown) {
      closeDetail();
      return;
    }
    markSelected();
  }

  function closeDetail() {
    unmark();
    selected = null;
    showDetail();
  }

  function selectConnection(host, key) {
    unmark();
    selected = { kind: 'connection', host, key, td: null, events: [], info: null };
    markSelected();
    showDetail();
    const wanted = selected;
    fetch('/api/connection?host=' + encodeURIComponent(host) + '&key=' + encodeURIComponent(key))
      .then((r) => (r.ok ? r.json() : null))
      .then((detail) => {
        if (!detail || selected !== wanted) return;
        // Events that arrived meanwhile are already at the top.
        const seen = new Set(wanted.events.map((e) => e.seq));
        wanted.events = wanted.events.concat((detail.events || []).filter((e) => !seen.has(e.seq)));
        wanted.info = detail.connectionInfo;
        showDetail();
      })
      .catch(() => {});
  }

  function selectHost(host) {
    unmark();
    selected = { kind: 'host', host };
    markSelected();
    showDetail();
  }

  function showDetail() {
    const aside = $('detail');
    aside.hidden = !selected;
    $('connection-view').hidden = !selected || selected.kind !== 'connection';
    $('host-view').hidden = !selected || selected.kind !== 'host';
    if (!selected) return;
    if (selected.kind === 'host') showHost();
    else showConnection();
  }

  /** "453 StorageServerValidationError: ... (at T, 3 min ago)". */
  function errorText(error) {
    if (!error) return '-';
    const at = error.at ? Date.parse(error.at) : NaN;
    return error.code + ' ' + error.name + ': ' + error.message
      + (error.at ? ' (at ' + error.at + (Number.isNaN(at) ? '' : ', ' + F.duration(now() - at) + ' ago') + ')' : '');
  }

  function showConnection() {
    const host = hosts.get(selected.host);
    const connection = host ? host.connections.get(selected.key) : null;
    $('detail-title').textContent = selected.key;
    $('detail-host').textContent = selected.host + (host && !host.answering ? ' (not answering: ' + host.problem + ')' : '');
    $('detail-key').textContent = selected.key;
    $('detail-state').textContent = connection ? connection.state + (F.degraded(connection) ? ' (degraded)' : '')
      : 'gone (no CID holds it and it is disconnected)';
    $('detail-state').className = connection ? F.look(connection) : '';
    $('detail-since').textContent = connection && connection.since
      ? connection.since + ' (' + F.stateFor(connection, now()) + ')' : '-';
    $('detail-error').textContent = errorText(connection ? connection.lastError : null);
    $('detail-retry').textContent = (connection && F.retry(connection, now())) || '-';
    const health = connection ? connection.health : null;
    $('detail-health').textContent = health ? health.status + (health.reasons && health.reasons.length
      ? ' (' + health.reasons.join(', ') + ')' : '') + (health.delayMs !== undefined && health.delayMs !== null
      ? ', probe ' + health.delayMs + ' ms' : '') : '-';
    $('detail-info').textContent = selected.info ? JSON.stringify(selected.info) : '-';
    const stale = staleSince();
    $('detail-stale').hidden = stale === null;
    $('detail-stale').textContent = stale === null ? '' : 'Last known at ' + F.clock(stale) + '.';
    const cids = $('detail-cids');
    cids.textContent = '';
    const list = connection ? connection.cids : [];
    $('detail-cid-count').textContent = String(list.length);
    for (const cid of list) cids.appendChild(el('li', 'cid', cid));
    const events = $('detail-events');
    events.textContent = '';
    // Newest first by seq: an event a list overtook reaches the page after later ones.
    const newest = selected.events.slice().sort((x, y) => y.seq - x.seq);
    for (const event of newest.slice(0, 20)) events.appendChild(el('li', 'e-' + event.state, describe(event)));
  }

  /** The host view: whether it answers, its connections by state, and each of them worst first. */
  function showHost() {
    const id = selected.host;
    const host = hosts.get(id);
    $('host-title').textContent = id;
    if (!host) {
      $('host-state').textContent = 'gone';
      $('host-connections').tBodies[0].textContent = '';
      return;
    }
    $('host-state').textContent = host.answering ? (host.loaded ? 'answering (seq ' + host.seq + ')' : 'loading…')
      : 'not answering since ' + host.problemSince + ': ' + host.problem;
    const byState = { CONNECTED: 0, CONNECTING: 0, DISCONNECTED: 0 };
    let degraded = 0;
    host.connections.forEach((c) => {
      byState[c.state] = (byState[c.state] || 0) + 1;
      if (F.degraded(c)) degraded++;
    });
    $('host-counts').textContent = host.connections.size + ': ' + byState.CONNECTED + ' connected ('
      + degraded + ' degraded), ' + byState.CONNECTING + ' connecting, ' + byState.DISCONNECTED + ' disconnected';
    const rows = Array.from(host.connections.entries())
      .sort(([ka, a], [kb, b]) => F.severity(b) - F.severity(a) || (ka < kb ? -1 : ka > kb ? 1 : 0));
    const tbody = el('tbody');
    const t = now();
    for (const [key, c] of rows) {
      const tr = el('tr');
      tr.dataset.key = key;
      const state = el('td', 'state ' + F.look(c), c.state);
      tr.appendChild(el('td', 'key', key));
      tr.appendChild(state);
      tr.appendChild(el('td', 'for', F.stateFor(c, t)));
      tr.appendChild(el('td', 'count', c.cids.length));
      tr.appendChild(el('td', 'error', c.lastError ? c.lastError.code + ' ' + c.lastError.name : ''));
      tbody.appendChild(tr);
    }
    const table = $('host-connections');
    table.replaceChild(tbody, table.tBodies[0]);
  }

  // ---- updates ----------------------------------------------------------------------------------

  function applyConnection(update) {
    const host = hosts.get(update.host);
    if (!host) return;
    host.seq = update.seq;
    const had = host.connections.has(update.key);
    if (update.value === null) {
      if (had) {
        host.connections.delete(update.key);
        countKeys(new Map([[update.key, 1]]), -1);
        if (!keyCount.has(update.key)) scheduleRedraw();
      }
    } else {
      host.connections.set(update.key, update.value);
      if (!had) {
        const known = keyCount.has(update.key);
        countKeys(new Map([[update.key, 1]]), +1);
        if (!known) scheduleRedraw();
      }
    }
    reorderSoon();
    const td = cellOf(update.host, update.key);
    if (td) paintCell(td, host, update.value, staleSince() !== null);
    if (update.event) logFor(update.host, update.event);
    else if (selected && selected.host === update.host) showDetail();
  }

  /** Logs {@code event}, and shows it in the detail of its connection or host when open. */
  function logFor(host, event) {
    log(event);
    if (selected && selected.host === host) {
      if (selected.kind === 'connection' && selected.key === event.connectionKey) selected.events.unshift(event);
      showDetail();
    }
  }

  function apply(update) {
    switch (update.type) {
      case 'broker': {
        const wasStale = staleSince() !== null;
        broker = update.broker;
        showBanner();
        if (wasStale !== (staleSince() !== null)) {
          repaintAll();
          if (selected) showDetail();
        }
        break;
      }
      case 'host':
        setHost(update.host, update.value);
        if (selected && selected.host === update.host) showDetail();
        break;
      case 'connection':
        applyConnection(update);
        break;
      case 'log':
        logFor(update.host, update.event);
        break;
      default:
        break;
    }
  }

  function heard() {
    lastHeard = Date.now();
    if (stream !== 'up') {
      stream = 'up';
      showBanner();
      repaintAll();
    }
  }

  function onFleet(message) {
    const fleet = JSON.parse(message.data);
    hosts.clear();
    keyCount.clear();
    for (const [id, value] of Object.entries(fleet.hosts)) {
      const host = toHost(value);
      hosts.set(id, host);
      countKeys(host.connections, +1);
    }
    broker = fleet.broker;
    setLog(fleet.events || []);
    stream = 'up';
    lastHeard = Date.now();
    showBanner();
    redraw();
    showDetail();
  }

  function onUpdate(message) {
    heard();
    const updates = JSON.parse(message.data);
    for (const update of updates) apply(update);
    updateSummary();
  }

  function connect() {
    const source = new EventSource('/api/stream');
    source.addEventListener('fleet', onFleet);
    source.addEventListener('update', onUpdate);
    source.addEventListener('ping', heard);
    source.addEventListener('error', () => {
      // A real failure: the stream could not be opened, or broke. The browser opens it again by itself.
      if (stream === 'down') return;
      stream = 'down';
      showBanner();
      repaintAll();
      if (selected) showDetail();
    });
  }

  // ---- wiring -----------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('matrix').addEventListener('click', (e) => {
      const td = e.target.closest('td.cell');
      if (td && !td.classList.contains('none')) {
        selectConnection(td.dataset.host, td.dataset.key);
        return;
      }
      const th = e.target.closest('tbody th.host');
      if (th) selectHost(th.parentElement.dataset.host);
    });
    $('matrix').addEventListener('mouseover', (e) => {
      const td = e.target.closest('td.cell');
      if (td) td.title = cellTitle(td);
    });
    $('host-connections').addEventListener('click', (e) => {
      const tr = e.target.closest('tbody tr');
      if (tr && selected && selected.kind === 'host') selectConnection(selected.host, tr.dataset.key);
    });
    $('close-detail').addEventListener('click', closeDetail);
    let filterTimer = null;
    $('filter').addEventListener('input', () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(redraw, 150);
    });
    $('show').addEventListener('change', redraw);
    $('order').addEventListener('change', redraw);
    // Durations ("down for 12 min") grow while nothing else changes.
    setInterval(() => { if (selected) showDetail(); }, TICK_MS);
    showBanner();
    connect();
  });
})();
