// The dashboard: a thin client of the /v1 API. Each section fetches with the signed-in key; every error shows
// the server's message, which names the field at fault.
'use strict';

const state = { key: sessionStorage.getItem('clearance.key') || '', who: null, chips: [] };
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (state.key) headers['Authorization'] = 'Bearer ' + state.key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const doc = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error((doc.error && doc.error.message) || res.statusText);
    e.status = res.status; e.doc = doc;
    throw e;
  }
  return doc;
}

function showError(e) {
  const box = $('#error');
  if (!e) { box.hidden = true; return; }
  box.textContent = e.message + (e.status ? ` (HTTP ${e.status})` : '');
  box.hidden = false;
}

// Sections register themselves; a tab shows when the signed-in role may use it.
const sections = [];
function section(id, needs, load) { sections.push({ id, needs, load }); }

function renderTabs() {
  const nav = $('#tabs');
  nav.replaceChildren();
  const actions = new Set((state.who && state.who.actions) || []);
  for (const s of sections) {
    if (s.needs && !actions.has(s.needs)) continue;
    const sec = document.getElementById(s.id);
    const b = el('button', { type: 'button', 'data-tab': s.id, 'aria-selected': 'false', text: sec.dataset.title });
    b.addEventListener('click', () => show(s.id));
    nav.append(b);
  }
}

async function show(id) {
  showError(null);
  for (const s of sections) document.getElementById(s.id).hidden = s.id !== id;
  for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-selected', b.dataset.tab === id);
  const s = sections.find((x) => x.id === id);
  try { await s.load(); } catch (e) { showError(e); }
}

// ---- overview -------------------------------------------------------------------------------------------------
section('overview', null, async () => {
  const h = await api('GET', '/healthz');
  $('#health').replaceChildren(
    card('status', h.status), card('database', h.database), card('rule set', h.ruleset_digest.slice(0, 12)),
    card('up for', h.uptime_s + ' s'));
  const summary = $('#summary');
  summary.replaceChildren();
  for (const extra of overviewCards) {
    try { summary.append(...(await extra())); } catch (e) { /* a card the role may not see */ }
  }
});
const overviewCards = [];
function card(label, value, cls) {
  return el('div', { class: 'card' }, el('div', { class: 'muted', text: label }), el('div', { class: 'big ' + (cls || ''), text: value }));
}

// ---- determine ------------------------------------------------------------------------------------------------
section('determine', 'reference.read', async () => { await loadChips(); });

function formObject(form) {
  const o = {};
  for (const [k, v] of new FormData(form).entries()) if (v !== '') o[k] = v;
  return o;
}

$('#determine-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showError(null);
  try { renderDetermination(await api('POST', '/v1/determine', formObject(ev.target))); } catch (e) { showError(e); }
});

function renderDetermination(d) {
  const out = $('#determination');
  out.replaceChildren(el('p', {}, el('span', { class: 'verdict v-' + d.verdict, id: 'verdict', text: d.verdict.replaceAll('_', ' ') }), ' ', d.summary));
  for (const j of d.jurisdictions) {
    const box = el('div', { class: 'jur' }, el('h3', { text: j.jurisdiction + ': ' + j.review_policy_text }));
    for (const a of j.authorizations) box.append(el('p', {}, `${a.kind} issued by ${a.issuer} `, el('span', { class: 'muted', text: `[${a.rule}: ${a.citation}]` })));
    if (j.conditions.length) {
      const ul = el('ul');
      for (const c of j.conditions) ul.append(el('li', { class: c.final ? '' : 'pending' }, el('code', { text: c.id }), ' ', c.final ? '' : '(not final) ', c.text));
      box.append(el('h4', { text: 'Conditions' }), ul);
    }
    for (const c of j.charges) box.append(el('p', {}, `${c.rate} ${c.kind} to ${c.collector}` + (c.amount_usd ? `: USD ${c.amount_usd}` : ''), ' ', el('span', { class: 'muted', text: `[${c.rule}]` })));
    const t = el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'effect' }), el('th', { text: 'rule' }), el('th', { text: 'citation' }))));
    const tb = el('tbody');
    for (const r of j.rules) tb.append(el('tr', {}, el('td', { text: r.effect + (r.overridden_by ? ' by ' + r.overridden_by : '') }), el('td', { text: r.id }), el('td', { text: r.citation })));
    t.append(tb);
    box.append(t);
    for (const r of j.what_would_change_it) box.append(el('p', { class: 'reason' }, `${r.rule} would give ${r.would_give.replaceAll('_', ' ')}, but does not apply: ${r.does_not_apply_because}`));
    out.append(box);
  }
  out.append(el('p', { class: 'muted', text: d.combination }));
}

// ---- chips ----------------------------------------------------------------------------------------------------
async function loadChips() {
  if (!state.chips.length) state.chips = await api('GET', '/v1/chips');
  for (const sel of [$('#product-list'), ...document.querySelectorAll('.chip-select')]) {
    if (sel.options.length) continue;
    for (const c of state.chips) sel.append(el('option', { value: c.name, text: c.name }));
  }
  $('#product-list').value = 'H200';
  const selects = document.querySelectorAll('.chip-select');
  selects[0].value = 'H200';
  selects[1].value = 'H20';
}

section('chips', 'reference.read', async () => {
  await loadChips();
  const tb = $('#chip-table tbody');
  tb.replaceChildren();
  const n = (v) => (v === null || v === undefined ? '?' : String(v));
  for (const c of state.chips)
    tb.append(el('tr', {}, el('td', { text: c.name }), el('td', { text: c.vendor || '' }), el('td', { text: n(c.tpp) }),
      el('td', { text: c.performance_density === null ? '?' : c.performance_density.toFixed(2) }),
      el('td', { text: n(c.memory_bandwidth_gbps) }), el('td', { text: n(c.memory_gb) }), el('td', { text: c.confirmed ? 'yes' : 'no' })));
});

$('#compare-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    const c = await api('POST', '/v1/compare', formObject(ev.target));
    $('#comparison').textContent = `${c.a} / ${c.b}: ${c.tpp.ratio.toFixed(1)}x TPP, ${c.memory_bandwidth_gbps.ratio.toFixed(1)}x bandwidth, ${c.memory_gb.ratio.toFixed(1)}x memory`;
  } catch (e) { showError(e); }
});

// ---- rules ----------------------------------------------------------------------------------------------------
async function loadRules(date) {
  const doc = await api('POST', '/v1/rules/at', { date });
  const tb = $('#rules-table tbody');
  tb.replaceChildren();
  for (const r of doc.rules)
    tb.append(el('tr', {}, el('td', { text: r.jurisdiction }), el('td', { text: r.id }), el('td', { text: r.review_policy || '-' }),
      el('td', { text: r.effective_from }), el('td', { text: r.effective_to || '' }), el('td', { text: r.citation })));
}
section('rules', 'reference.read', async () => loadRules($('#rules-form [name=date]').value));
$('#rules-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadRules(ev.target.date.value).catch(showError); });

// ---- sign in --------------------------------------------------------------------------------------------------
async function signIn() {
  let failure = null;
  try {
    state.who = state.key ? await api('GET', '/v1/whoami') : null;
  } catch (e) {
    state.key = ''; state.who = null; sessionStorage.removeItem('clearance.key'); failure = e;
  }
  $('#who').textContent = state.who ? `${state.who.role}${state.who.party ? ' (' + state.who.party + ')' : ''}` : 'not signed in';
  $('#signout').hidden = !state.who;
  renderTabs();
  await show('overview');
  if (failure) showError(failure);
}

$('#signin').addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.key = $('#key').value.trim();
  $('#key').value = '';
  sessionStorage.setItem('clearance.key', state.key);
  signIn();
});
$('#signout').addEventListener('click', () => { state.key = ''; sessionStorage.removeItem('clearance.key'); signIn(); });

signIn();
