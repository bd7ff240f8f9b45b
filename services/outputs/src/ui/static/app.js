// Peregrine's alerts UI: the table, the filters, the details panel, the chart and the live stream.
//
// Plain DOM, no framework, nothing loaded from elsewhere. Alert contents come from audit events, i.e. from whoever
// can make the apiserver log a request: every value reaches the page as text (textContent, createTextNode,
// setAttribute of fixed attribute names), never as markup. The Content-Security-Policy forbids inline scripts besides.
//
// Data flow: the filters make one query string for every request. A change of filters loads the newest matching
// alerts (api/alerts), then opens the event stream (api/stream) from exactly where that list ends, so that nothing is
// missed or shown twice; the chart (api/counts) and the header (api/summary) are reloaded at most once a second while
// alerts arrive.

const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];
const PRIORITY_COLORS = {
  Emergency: '#7f1d1d', Alert: '#9f1239', Critical: '#dc2626', Error: '#ea580c',
  Warning: '#d97706', Notice: '#2563eb', Informational: '#0d9488', Debug: '#64748b',
};
const RULE_COLORS = ['#2563eb', '#d97706', '#0d9488', '#db2777', '#7c3aed', '#65a30d', '#0891b2', '#dc2626'];
const OTHER_COLOR = '#94a3b8';
const TABLE_LIMIT = 500;
const CHART_BUCKETS = 60;
const TIME_RANGES = { '5m': 5 * 60e3, '15m': 15 * 60e3, '1h': 3600e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 };
const SVG_NS = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);

const state = {
  group: 'priority',
  /** Newest first, at most TABLE_LIMIT. */
  alerts: [],
  ids: new Set(),
  total: 0,
  selected: undefined,
  source: undefined,
  generation: 0,
  series: undefined,
  refreshTimer: undefined,
};

// ---------------------------------------------------------------------------------------------------------------
// Building DOM without markup

/** An element with a class, attributes (fixed names only) and children (nodes or strings, added as text). */
function el(tag, className, attrs, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function badge(priority) {
  return el('span', `badge p-${priority.toLowerCase()}`, {}, priority);
}

// ---------------------------------------------------------------------------------------------------------------
// Data

/**
 * JSON.parse that keeps integers beyond 2^53 exact (Falco's evt.time is in nanoseconds), as BigInt, where the
 * browser gives the reviver the source text; elsewhere they are rounded, as JSON.parse does.
 */
function parseJson(text) {
  return JSON.parse(text, (_key, value, context) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  });
}

/** JSON text with two-space indentation; BigInts as exact integers. */
function toJson(value, indent = '') {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${toJson(value[k], inner)}`).join(',\n')}\n${indent}}`;
}

function filterValues() {
  return {
    cluster: $('f-cluster').value,
    priority: $('f-priority').value,
    rule: $('f-rule').value,
    time: $('f-time').value,
    since: $('f-since').value,
    until: $('f-until').value,
    q: $('f-q').value.trim(),
  };
}

/** The API's query string for the current filters (relative times are resolved now). */
function apiParams() {
  const f = filterValues();
  const p = new URLSearchParams();
  if (f.cluster !== '') p.set('cluster', f.cluster === '(none)' ? '' : f.cluster);
  if (f.priority !== '') p.set('minPriority', f.priority);
  if (f.rule !== '') p.set('rule', f.rule);
  if (TIME_RANGES[f.time]) p.set('since', new Date(Date.now() - TIME_RANGES[f.time]).toISOString());
  if (f.time === 'custom') {
    if (f.since) p.set('since', new Date(f.since).toISOString());
    if (f.until) p.set('until', new Date(f.until).toISOString());
  }
  if (f.q !== '') p.set('q', f.q);
  return p;
}

/** The page's own address keeps the filters, so that a reload or a shared link shows the same view. */
function saveToAddress() {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filterValues())) if (v !== '') p.set(k, v);
  if (state.group !== 'priority') p.set('group', state.group);
  const search = p.toString();
  history.replaceState(null, '', search ? `?${search}` : location.pathname);
}

function restoreFromAddress() {
  const p = new URLSearchParams(location.search);
  for (const [name, id] of [['cluster', 'f-cluster'], ['rule', 'f-rule']]) {
    const v = p.get(name);
    if (v) ensureOption($(id), v, v === '(none)' ? 'No cluster' : v);
  }
  for (const [name, id] of [['cluster', 'f-cluster'], ['priority', 'f-priority'], ['rule', 'f-rule'], ['time', 'f-time'],
    ['since', 'f-since'], ['until', 'f-until'], ['q', 'f-q']]) {
    const v = p.get(name);
    if (v !== null) $(id).value = v;
  }
  if (p.get('group') === 'rule') state.group = 'rule';
  showCustomTime();
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 401) {
    location.href = 'login';
    throw new Error('not signed in');
  }
  if (!response.ok) throw new Error(`${path.split('?')[0]}: HTTP ${response.status}`);
  return parseJson(await response.text());
}

// ---------------------------------------------------------------------------------------------------------------
// Loading and the live stream

/** Reloads everything for the current filters and reopens the stream where the list ends. */
async function reload() {
  const generation = ++state.generation;
  state.source?.close();
  state.source = undefined;
  setLive('connecting');
  saveToAddress();
  const params = apiParams();
  try {
    const list = await getJson(`api/alerts?${params}&limit=${TABLE_LIMIT}`);
    if (generation !== state.generation) return;
    state.alerts = list.alerts;
    state.ids = new Set(list.alerts.map((a) => a.id));
    state.total = list.total;
    renderTable();
    openStream(params, list.after, generation);
  } catch (err) {
    if (generation !== state.generation) return;
    setLive('error', err.message);
    setTimeout(() => {
      if (generation === state.generation) void reload();
    }, 5000);
    return;
  }
  refreshSoon(0);
}

function openStream(params, after, generation) {
  const source = new EventSource(`api/stream?${params}&after=${encodeURIComponent(after)}`);
  state.source = source;
  source.addEventListener('open', () => setLive('live'));
  source.addEventListener('error', () => {
    if (generation !== state.generation) return;
    if (source.readyState !== EventSource.CLOSED) {
      setLive('reconnecting');
      return;
    }
    // Refused (the session expired, too many streams, the server stopping): start over in a while; a 401 on the
    // list then leads to the login form.
    setLive('error', 'the stream was refused; retrying');
    setTimeout(() => {
      if (generation === state.generation) void reload();
    }, 5000);
  });
  source.addEventListener('alert', (event) => {
    if (generation === state.generation) addLive(parseJson(event.data));
  });
  // Alerts were evicted before they could be sent, or the server restarted: start again from a fresh list.
  for (const name of ['gap', 'reset']) {
    source.addEventListener(name, () => {
      if (generation === state.generation) void reload();
    });
  }
}

/** Newer alert time first, then later arrival: the order of the server's list. */
function newerFirst(x, y) {
  return alertTime(y) - alertTime(x) || y.seq - x.seq;
}

function alertTime(entry) {
  entry.t ??= Date.parse(entry.alert.time) || 0;
  return entry.t;
}

/** A streamed alert goes where its time puts it (usually the top); one older than a full table only counts. */
function addLive(entry) {
  if (state.ids.has(entry.id)) return;
  state.total++;
  let at = state.alerts.findIndex((other) => newerFirst(entry, other) < 0);
  if (at < 0) at = state.alerts.length;
  if (at < TABLE_LIMIT) {
    state.ids.add(entry.id);
    state.alerts.splice(at, 0, entry);
    const tbody = $('alerts').tBodies[0];
    const row = alertRow(entry);
    row.classList.add('fresh');
    tbody.insertBefore(row, tbody.rows[at] ?? null);
    while (state.alerts.length > TABLE_LIMIT) {
      state.ids.delete(state.alerts.pop().id);
      tbody.lastElementChild?.remove();
    }
  }
  renderMatching();
  refreshSoon(1000);
}

/** Reloads the chart and the header within `ms` (once, however many alerts arrive meanwhile). */
function refreshSoon(ms) {
  if (state.refreshTimer !== undefined) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = undefined;
    void refreshCounts();
  }, ms);
}

async function refreshCounts() {
  const generation = state.generation;
  try {
    const [summary, series] = await Promise.all([
      getJson('api/summary'),
      getJson(`api/counts?${apiParams()}&buckets=${CHART_BUCKETS}`),
    ]);
    if (generation !== state.generation) return;
    renderSummary(summary);
    state.series = series;
    renderChart();
  } catch (err) {
    setLive('error', err.message);
  }
}

function setLive(kind, detail) {
  const labels = { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', error: 'Disconnected' };
  $('live').dataset.state = kind;
  $('live-text').textContent = labels[kind];
  $('live').title = detail ?? '';
}

// ---------------------------------------------------------------------------------------------------------------
// Header and filter choices

function renderSummary(summary) {
  const stats = $('stats');
  const chips = [el('span', 'stat total', {}, el('strong', '', {}, summary.stored.toLocaleString()), ' alerts')];
  for (const p of PRIORITIES) {
    const n = summary.byPriority[p];
    if (n) chips.push(el('span', `stat p-${p.toLowerCase()}`, { title: `${n} ${p}` }, el('i', '', { 'aria-hidden': 'true' }), p, ' ', el('strong', '', {}, n.toLocaleString())));
  }
  if (summary.evicted > 0) chips.push(el('span', 'stat muted', { title: 'The oldest alerts make room for new ones' }, `${summary.evicted.toLocaleString()} older not kept`));
  stats.replaceChildren(...chips);
  fillSelect($('f-cluster'), Object.keys(summary.byCluster), (c) => (c === '' ? ['(none)', 'No cluster'] : [c, c]));
  fillSelect($('f-rule'), Object.keys(summary.byRule), (r) => [r, r]);
}

/** Replaces the choices of a select (after its first, "all" option), keeping the current choice. */
function fillSelect(select, names, option) {
  const current = select.value;
  const options = names.map(option).sort((a, b) => a[1].localeCompare(b[1]));
  if (current !== '' && !options.some(([v]) => v === current)) options.push([current, current === '(none)' ? 'No cluster' : current]);
  const first = select.options[0];
  select.replaceChildren(first, ...options.map(([value, label]) => el('option', '', { value }, label)));
  select.value = current;
}

function ensureOption(select, value, label) {
  if (![...select.options].some((o) => o.value === value)) select.append(el('option', '', { value }, label));
}

// ---------------------------------------------------------------------------------------------------------------
// The table and the details

const pad = (n) => String(n).padStart(2, '0');

/** Local time, `2026-03-02 09:15:38`: sortable, and the same width on every row. */
function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The browser's offset from UTC, `UTC+01:00`. */
function utcOffset() {
  const minutes = -new Date().getTimezoneOffset();
  return `UTC${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

function alertRow(entry) {
  const a = entry.alert;
  const row = el('tr', entry.id === state.selected ? 'selected' : '', { tabindex: '0', 'data-id': entry.id },
    el('td', 'c-time', { title: String(a.time) }, formatTime(a.time)),
    el('td', 'c-prio', {}, badge(String(a.priority))),
    el('td', 'c-rule', { title: String(a.rule) }, String(a.rule)),
    el('td', 'c-cluster', {}, a.cluster === undefined ? '' : String(a.cluster)),
    el('td', 'c-output', { title: String(a.output) }, String(a.output)),
  );
  return row;
}

function renderTable() {
  $('alerts').tBodies[0].replaceChildren(...state.alerts.map(alertRow));
  renderMatching();
  if (state.selected !== undefined && !state.ids.has(state.selected)) closeDetails();
}

function renderMatching() {
  const shown = state.alerts.length;
  $('matching').textContent = state.total > shown
    ? `newest ${shown.toLocaleString()} of ${state.total.toLocaleString()} matching`
    : `${state.total.toLocaleString()} matching`;
  $('empty').hidden = shown > 0;
}

function openDetails(id) {
  const entry = state.alerts.find((e) => e.id === id);
  if (!entry) return;
  state.selected = id;
  for (const row of $('alerts').tBodies[0].rows) row.classList.toggle('selected', row.dataset.id === id);
  const a = entry.alert;
  const priority = $('d-priority');
  priority.className = `badge p-${String(a.priority).toLowerCase()}`;
  priority.textContent = String(a.priority);
  $('d-rule').textContent = String(a.rule);
  const facts = [
    ['Time', String(a.time)],
    ['Received', String(entry.received)],
    ['Cluster', a.cluster === undefined ? '' : String(a.cluster)],
    ['Source', a.source === undefined ? '' : String(a.source)],
    ['Host', a.hostname === undefined ? '' : String(a.hostname)],
    ['Tags', Array.isArray(a.tags) ? a.tags.join(', ') : ''],
    ['ID', String(a.id ?? entry.id)],
  ];
  $('d-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', '', {}, k), el('dd', '', {}, v)]));
  $('d-output').textContent = String(a.output);
  const fields = a.output_fields && typeof a.output_fields === 'object' ? Object.entries(a.output_fields) : [];
  $('d-fields').tBodies[0].replaceChildren(...fields.map(([k, v]) => el('tr', '', {},
    el('th', '', { scope: 'row' }, k),
    el('td', v === null ? 'null' : '', {}, fieldText(v)))));
  $('d-json').textContent = toJson(a);
  $('details').hidden = false;
  document.body.classList.add('with-details');
}

/** A field's value as text: a list one item per line (list fields hold JSON texts, hard to read escaped again). */
function fieldText(value) {
  if (value === null) return '<NA>';
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : toJson(item))).join('\n');
  return typeof value === 'object' ? toJson(value) : String(value);
}

function closeDetails() {
  state.selected = undefined;
  $('details').hidden = true;
  document.body.classList.remove('with-details');
  for (const row of $('alerts').tBodies[0].querySelectorAll('tr.selected')) row.classList.remove('selected');
}

// ---------------------------------------------------------------------------------------------------------------
// The chart: stacked bars per time bucket, by priority or by the most frequent rules, drawn as SVG.

function seriesKeys(series) {
  if (state.group === 'priority') {
    return PRIORITIES.filter((p) => series.byPriority[p]).map((p) => ({ key: p, label: p, color: PRIORITY_COLORS[p] }));
  }
  const rules = Object.entries(series.byRule).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  const top = rules.slice(0, RULE_COLORS.length).map(([r], i) => ({ key: r, label: r, color: RULE_COLORS[i] }));
  if (rules.length > top.length) top.push({ key: undefined, label: `${rules.length - top.length} other rules`, color: OTHER_COLOR });
  return top;
}

function bucketCount(bucket, key, keys) {
  const counts = state.group === 'priority' ? bucket.byPriority : bucket.byRule;
  if (key !== undefined) return counts[key] ?? 0;
  const named = new Set(keys.filter((k) => k.key !== undefined).map((k) => k.key));
  return Object.entries(counts).reduce((sum, [k, n]) => (named.has(k) ? sum : sum + n), 0);
}

/** Whole-number gridlines (steps of 1, 2, 5, 10, 20, ...), two to five of them, the highest at or above `n`. */
function gridSteps(n) {
  const rough = Math.max(1, n) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((f) => f * magnitude).find((s) => s >= rough && Number.isInteger(s)) ?? 1;
  return { step, lines: Math.max(2, Math.ceil(n / step)) };
}

function formatTick(ms, bucketMs, spanMs) {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (bucketMs < 60e3 && spanMs < 3600e3) return `${hm}:${pad(d.getSeconds())}`;
  if (spanMs <= 24 * 3600e3) return hm;
  if (bucketMs < 24 * 3600e3) return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function formatWidth(ms) {
  const units = [[365 * 86400e3, 'year'], [86400e3, 'day'], [3600e3, 'hour'], [60e3, 'minute'], [1e3, 'second']];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return n === 1 ? `1 ${name}` : `${n} ${name}s`;
    }
  }
  return `${ms} ms`;
}

function renderChart() {
  const series = state.series;
  const chart = $('chart');
  const width = Math.max(320, $('chart-wrap').clientWidth);
  const height = 200;
  const m = { top: 10, right: 12, bottom: 26, left: 40 };
  chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
  chart.setAttribute('width', String(width));
  chart.setAttribute('height', String(height));
  const legend = $('legend');
  if (!series || series.buckets.length === 0) {
    chart.replaceChildren(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'No alerts in this range'));
    legend.replaceChildren();
    $('chart-bucket').textContent = '';
    return;
  }
  $('chart-bucket').textContent = `per ${formatWidth(series.bucketMs)}`;
  const keys = seriesKeys(series);
  const buckets = series.buckets;
  const { step, lines } = gridSteps(Math.max(...buckets.map((b) => b.total)));
  const max = step * lines;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const slot = plotW / buckets.length;
  const barW = Math.max(1, Math.min(slot * 0.78, 48));
  const y = (n) => m.top + plotH - (n / max) * plotH;
  const nodes = [];
  for (let i = 0; i <= lines; i++) {
    const value = step * i;
    nodes.push(svg('line', { x1: m.left, x2: width - m.right, y1: y(value), y2: y(value), class: i === 0 ? 'axis' : 'grid' }));
    nodes.push(svg('text', { x: m.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'tick' }, value.toLocaleString()));
  }
  const span = series.to - series.from;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / Math.max(2, Math.floor(plotW / 90))));
  buckets.forEach((bucket, i) => {
    const x = m.left + i * slot + (slot - barW) / 2;
    if (i % labelEvery === 0) {
      nodes.push(svg('text', { x: m.left + i * slot + slot / 2, y: height - 8, 'text-anchor': 'middle', class: 'tick' }, formatTick(bucket.start, series.bucketMs, span)));
    }
    if (bucket.total === 0) return;
    let base = 0;
    const parts = [];
    for (const k of [...keys].reverse()) {
      const n = bucketCount(bucket, k.key, keys);
      if (n === 0) continue;
      parts.push(`${k.label}: ${n}`);
      nodes.push(svg('rect', { x, y: y(base + n), width: barW, height: Math.max(0.5, y(base) - y(base + n)), fill: k.color, class: 'bar' }));
      base += n;
    }
    const title = `${formatTick(bucket.start, series.bucketMs, span)} · ${bucket.total} alert${bucket.total === 1 ? '' : 's'}\n${parts.reverse().join('\n')}`;
    // A transparent column over the whole slot carries the tooltip, so thin bars are easy to point at.
    nodes.push(svg('rect', { x: m.left + i * slot, y: m.top, width: slot, height: plotH, class: 'hover' }, svg('title', {}, title)));
  });
  chart.replaceChildren(...nodes);
  const totals = state.group === 'priority' ? series.byPriority : series.byRule;
  legend.replaceChildren(...keys.map((k) => el('li', '', {},
    swatch(k.color), el('span', 'legend-label', { title: k.label }, k.label),
    el('span', 'legend-count', {}, (k.key === undefined ? bucketsTotal(series, keys) : totals[k.key] ?? 0).toLocaleString()))));
}

function swatch(color) {
  const node = el('i', 'swatch', { 'aria-hidden': 'true' });
  node.style.background = color;
  return node;
}

function bucketsTotal(series, keys) {
  return series.buckets.reduce((sum, b) => sum + bucketCount(b, undefined, keys), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

function showCustomTime() {
  const custom = $('f-time').value === 'custom';
  for (const label of document.querySelectorAll('.custom-time')) label.hidden = !custom;
}

function setGroup(group) {
  state.group = group;
  for (const b of document.querySelectorAll('[data-group]')) b.setAttribute('aria-pressed', String(b.dataset.group === group));
  saveToAddress();
  renderChart();
}

function start() {
  for (const p of PRIORITIES) $('f-priority').append(el('option', '', { value: p }, p === 'Debug' ? 'Debug (all)' : `${p} and above`));
  restoreFromAddress();
  document.querySelector('#alerts th.c-time').title = `Local time (${utcOffset()}); the details show the alert's own time`;
  for (const b of document.querySelectorAll('[data-group]')) b.setAttribute('aria-pressed', String(b.dataset.group === state.group));

  const form = $('filters');
  form.addEventListener('change', (event) => {
    if (event.target.id === 'f-time') showCustomTime();
    if (event.target.id !== 'f-q') void reload();
  });
  let typing;
  $('f-q').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => void reload(), 300);
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('reset', () => setTimeout(() => {
    showCustomTime();
    void reload();
  }, 0));

  $('alerts').tBodies[0].addEventListener('click', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (row) openDetails(row.dataset.id);
  });
  $('alerts').tBodies[0].addEventListener('keydown', (event) => {
    const row = event.target.closest('tr[data-id]');
    if (!row) return;
    if (event.key === 'Enter') openDetails(row.dataset.id);
    if (event.key === 'ArrowDown') row.nextElementSibling?.focus();
    if (event.key === 'ArrowUp') row.previousElementSibling?.focus();
  });
  $('d-close').addEventListener('click', closeDetails);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeDetails();
  });
  for (const b of document.querySelectorAll('[data-group]')) b.addEventListener('click', () => setGroup(b.dataset.group));
  let resizing;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(renderChart, 150);
  });
  // A relative time range moves with the clock: the chart follows it even when no alert arrives.
  setInterval(() => refreshSoon(0), 30_000);
  void reload();
}

start();
