// The fleet console's page: one row per host, one column per connection key, live from
// /api/stream (Server-Sent Events). Every text from the fleet (host ids, keys, CIDs, error
// messages) goes into the page as text (textContent), never as markup.
'use strict';

(function () {
  const LOG_LINES = 200;

  /** host id -> {seq, loaded, answering, problem, problemSince, connections: Map(key -> connection)} */
  const hosts = new Map();
  /** connection key -> number of hosts that have it: the columns. */
  const keyCount = new Map();
  /** What is drawn: host id -> {row, cells: Map(key -> td)}. */
  let drawn = new Map();
  let broker = { up: false, problem: 'connecting to the console', since: null };
  let streamUp = false;
  let selected = null;
  let redrawTimer = null;
  let summaryTimer = null;
  let firstDrawn = false;

  const $ = (id) => document.getElementById(id);

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
    }
  }

  // ---- drawing ----------------------------------------------------------------------------------

  function filterText() {
    return $('filter').value.trim().toLowerCase();
  }

  /** Rows and columns the filter lets through: a host matching shows its row, a key its column. */
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
      } else {
        ids = hostHits;
        keys = keys.filter((k) => ids.some((id) => hosts.get(id).connections.has(k)));
      }
    }
    const typed = keys.map((k) => ({ key: k, type: typeOf(k, anyConnection(k)) }));
    typed.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { ids, columns: typed };
  }

  function anyConnection(key) {
    for (const host of hosts.values()) {
      const c = host.connections.get(key);
      if (c) return c;
    }
    return null;
  }

  /** A column's heading: the key without its scheme, its end when long (the end tells keys apart). */
  function label(key) {
    const text = key.replace(/^[a-z]+:\/\//, '');
    return text.length > 20 ? '…' + text.substring(text.length - 19) : text;
  }

  function scheduleRedraw() {
    if (redrawTimer === null) redrawTimer = setTimeout(redraw, 0);
  }

  function redraw() {
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
    for (const column of columns) {
      const th = el('th', 'key', label(column.key));
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
    markSelected();
    updateSummary();
    if (!firstDrawn && streamUp) {
      firstDrawn = true;
      // For the scale benchmark: when the first whole fleet was on screen, from navigation start.
      document.body.dataset.loadedMs = String(Math.round(performance.now()));
    }
  }

  function paintRow(id) {
    const d = drawn.get(id);
    const host = hosts.get(id);
    if (!d || !host) return;
    const th = d.row.firstChild;
    th.textContent = '';
    th.appendChild(el('span', 'id', id));
    d.row.classList.toggle('unanswering', !host.answering);
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
    d.cells.forEach((td, key) => paintCell(td, host, host.connections.get(key)));
  }

  function paintCell(td, host, connection) {
    if (!connection) {
      if (td.className !== 'cell none') td.className = 'cell none';
      if (td.textContent) td.textContent = '';
      td.removeAttribute('data-state');
      td.removeAttribute('data-since');
      return;
    }
    let cls = 'cell s-' + connection.state;
    const health = connection.health;
    if (health && health.status && health.status !== 'OK') cls += ' degraded';
    if (!host.answering) cls += ' stale';
    if (selected && selected.td === td) cls += ' selected';
    td.className = cls;
    const count = String(connection.cids.length);
    if (td.textContent !== count) td.textContent = count;
    td.dataset.state = connection.state;
    const since = connection.since || '';
    if (td.dataset.since !== since) td.dataset.since = since;
  }

  /** A cell's tooltip, made when the pointer comes over it rather than for every cell at every change. */
  function cellTitle(td) {
    const host = hosts.get(td.dataset.host);
    const connection = host ? host.connections.get(td.dataset.key) : null;
    if (!connection) return '';
    let title = td.dataset.host + ' · ' + td.dataset.key + '\n' + connection.state
      + (connection.since ? ' since ' + connection.since : '') + '\n' + connection.cids.length + ' CID(s)';
    if (connection.lastError) title += '\n' + connection.lastError.code + ' ' + connection.lastError.name;
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
      let unanswering = 0;
      hosts.forEach((host) => {
        if (!host.answering) unanswering++;
        host.connections.forEach((c) => {
          connections++;
          if (c.state !== 'CONNECTED') notConnected++;
        });
      });
      let text = hosts.size + ' hosts, ' + connections + ' connections, ' + notConnected + ' not connected';
      if (unanswering) text += ', ' + unanswering + ' hosts not answering';
      $('summary').textContent = text;
      $('summary').dataset.notConnected = String(notConnected);
    }, 100);
  }

  // ---- banner -----------------------------------------------------------------------------------

  function showBanner() {
    const banner = $('banner');
    let text = null;
    if (!streamUp) text = 'The console server cannot be reached; retrying. What is shown may be out of date.';
    else if (!broker.up) text = 'Broker unreachable' + (broker.since ? ' since ' + broker.since : '') + ': '
      + (broker.problem || 'unknown') + '. Showing the last known state; reconnecting.';
    banner.hidden = text === null;
    banner.textContent = text || '';
    document.body.dataset.broker = broker.up && streamUp ? 'up' : 'down';
  }

  // ---- event log and detail ---------------------------------------------------------------------

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

  function markSelected() {
    if (!selected) return;
    const d = drawn.get(selected.host);
    const td = d ? d.cells.get(selected.key) : null;
    if (selected.td && selected.td !== td) selected.td.classList.remove('selected');
    selected.td = td || null;
    if (td) td.classList.add('selected');
  }

  function select(td) {
    if (selected && selected.td) selected.td.classList.remove('selected');
    selected = { host: td.dataset.host, key: td.dataset.key, td, events: [] };
    td.classList.add('selected');
    showDetail();
    const wanted = selected;
    fetch('/api/connection?host=' + encodeURIComponent(wanted.host) + '&key=' + encodeURIComponent(wanted.key))
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

  function showDetail() {
    const aside = $('detail');
    if (!selected) {
      aside.hidden = true;
      return;
    }
    aside.hidden = false;
    const host = hosts.get(selected.host);
    const connection = host ? host.connections.get(selected.key) : null;
    $('detail-title').textContent = selected.key;
    $('detail-host').textContent = selected.host + (host && !host.answering ? ' (not answering: ' + host.problem + ')' : '');
    $('detail-key').textContent = selected.key;
    $('detail-state').textContent = connection ? connection.state : 'gone (no CID holds it and it is disconnected)';
    $('detail-state').className = connection ? 's-' + connection.state : '';
    $('detail-since').textContent = connection && connection.since ? connection.since : '-';
    const error = connection ? connection.lastError : null;
    $('detail-error').textContent = error ? error.code + ' ' + error.name + ': ' + error.message + ' (at ' + error.at + ')' : '-';
    const health = connection ? connection.health : null;
    $('detail-health').textContent = health ? health.status + (health.reasons && health.reasons.length
      ? ' (' + health.reasons.join(', ') + ')' : '') + (health.delayMs !== undefined ? ', probe ' + health.delayMs + ' ms' : '') : '-';
    $('detail-info').textContent = selected.info ? JSON.stringify(selected.info) : '-';
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
    const d = drawn.get(update.host);
    const td = d ? d.cells.get(update.key) : null;
    if (td) paintCell(td, host, update.value);
    if (update.event) {
      log(update.event);
      if (selected && selected.host === update.host && selected.key === update.key) {
        selected.events.unshift(update.event);
        showDetail();
      }
    }
  }

  function apply(update) {
    switch (update.type) {
      case 'broker':
        broker = update.broker;
        showBanner();
        break;
      case 'host':
        setHost(update.host, update.value);
        if (selected && selected.host === update.host) showDetail();
        break;
      case 'connection':
        applyConnection(update);
        break;
      case 'log':
        log(update.event);
        if (selected && selected.host === update.host && selected.key === update.event.connectionKey) {
          selected.events.unshift(update.event);
          showDetail();
        }
        break;
      default:
        break;
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
    streamUp = true;
    showBanner();
    if (redrawTimer !== null) clearTimeout(redrawTimer);
    redraw();
    showDetail();
  }

  function onUpdate(message) {
    const updates = JSON.parse(message.data);
    for (const update of updates) apply(update);
    updateSummary();
  }

  function connect() {
    const stream = new EventSource('/api/stream');
    stream.addEventListener('fleet', onFleet);
    stream.addEventListener('update', onUpdate);
    stream.addEventListener('open', () => {
      // The first message after (re)connecting is the whole fleet (onFleet).
    });
    stream.addEventListener('error', () => {
      streamUp = false;
      showBanner();
    });
  }

  // ---- wiring -----------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('matrix').addEventListener('click', (e) => {
      const td = e.target.closest('td.cell');
      if (td && !td.classList.contains('none')) select(td);
    });
    $('matrix').addEventListener('mouseover', (e) => {
      const td = e.target.closest('td.cell');
      if (td) td.title = cellTitle(td);
    });
    $('close-detail').addEventListener('click', () => {
      if (selected && selected.td) selected.td.classList.remove('selected');
      selected = null;
      showDetail();
    });
    let filterTimer = null;
    $('filter').addEventListener('input', () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(redraw, 150);
    });
    showBanner();
    connect();
  });
})();
