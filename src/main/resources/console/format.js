// The fleet console's words for what it shows: how a connection looks (its colour and how bad it
// is), how long it has been so, clock times, and the columns' short labels. Pure functions of
// their arguments, so console.js can be read for what it draws and when.
'use strict';

const TetherFormat = (function () {
  /**
   * How bad a connection is, for "worst first" and "only failing": 3 DISCONNECTED, 2 CONNECTING,
   * 1 CONNECTED but degraded (its health not OK), 0 fine. A connection that is not CONNECTED is
   * always degraded too (NOT_CONNECTED), so its state decides, not its health.
   */
  function severity(connection) {
    if (connection.state === 'DISCONNECTED') return 3;
    if (connection.state === 'CONNECTING') return 2;
    return degraded(connection) ? 1 : 0;
  }

  /** A CONNECTED connection whose health the worker reports as other than OK. */
  function degraded(connection) {
    const health = connection.health;
    return connection.state === 'CONNECTED' && !!health && !!health.status && health.status !== 'OK';
  }

  /** The classes that colour a connection as the legend says: its state's, and "degraded" for a CONNECTED one. */
  function look(connection) {
    return 's-' + connection.state + (degraded(connection) ? ' degraded' : '');
  }

  /** "12 min", "3 h 5 min": how long {@code ms} is, to the unit that matters. */
  function duration(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + ' s';
    const min = Math.floor(s / 60);
    if (min < 60) return min + ' min';
    const h = Math.floor(min / 60);
    if (h < 48) return h + ' h ' + (min % 60) + ' min';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }

  const STATE_WORDS = { CONNECTED: 'up', CONNECTING: 'connecting', DISCONNECTED: 'down' };

  /** "down for 12 min": how long the connection has been in its state at {@code now}; '' without a since. */
  function stateFor(connection, now) {
    const since = connection.since ? Date.parse(connection.since) : NaN;
    if (Number.isNaN(since)) return '';
    return (STATE_WORDS[connection.state] || connection.state) + ' for ' + duration(now - since);
  }

  /** "14:03:12 UTC": the time of day of an instant (ms), in UTC as every other time on the page. */
  function clock(ms) {
    return new Date(ms).toISOString().substring(11, 19) + ' UTC';
  }

  /**
   * "3 failed in a row, next at 09:14:20 UTC (in 30 s)": a list's retry object at {@code now};
   * '' for a connection the worker is not retrying.
   */
  function retry(connection, now) {
    const r = connection.retry;
    if (!r || !r.failures) return '';
    const next = r.nextAttemptAt ? Date.parse(r.nextAttemptAt) : NaN;
    if (Number.isNaN(next)) return r.failures + ' failed in a row';
    return r.failures + ' failed in a row, next at ' + clock(next)
      + (next > now ? ' (in ' + duration(next - now) + ')' : ' (due)');
  }

  const LABEL = 20;

  /** A key without its scheme: what its column shows, when it fits. */
  function bare(key) {
    return key.replace(/^[a-z]+:\/\//, '');
  }

  /**
   * The columns' headings, key to label: a key without its scheme, or its end when long (the end
   * tells most keys apart). Keys whose ends are the same (two iSCSI targets with one IQN on two
   * portals) show where they differ first, then their common end.
   */
  function labels(keys) {
    const byLabel = new Map();
    for (const key of keys) {
      const text = bare(key);
      const label = text.length > LABEL ? '…' + text.substring(text.length - (LABEL - 1)) : text;
      if (!byLabel.has(label)) byLabel.set(label, []);
      byLabel.get(label).push(key);
    }
    const result = new Map();
    byLabel.forEach((same, label) => {
      if (same.length === 1) {
        result.set(same[0], label);
        return;
      }
      const texts = same.map(bare);
      const prefix = commonPrefix(texts);
      for (let i = 0; i < same.length; i++) result.set(same[i], distinct(texts[i], prefix));
    });
    return result;
  }

  function commonPrefix(texts) {
    let n = 0;
    while (texts.every((t) => n < t.length && t[n] === texts[0][n])) n++;
    return n;
  }

  /** {@code text} from a little before where it differs ({@code at}) to the end of that part (a '/'), then its last characters. */
  function distinct(text, at) {
    const start = Math.max(0, at - 4);
    const slash = text.indexOf('/', at);
    const stop = Math.min(slash < 0 ? text.length : slash, start + 16);
    const end = text.substring(Math.max(stop, text.length - 8));
    return (start > 0 ? '…' : '') + text.substring(start, stop) + (end ? '…' + end : '');
  }

  return { severity, degraded, look, duration, stateFor, clock, retry, labels };
})();
