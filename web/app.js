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
  // build every card first, then swap them in at once, so the page never shows a half-built overview
  const cards = [];
  for (const extra of overviewCards) {
    try { cards.push(...(await extra())); } catch (e) { /* a card the role may not see */ }
  }
  $('#summary').replaceChildren(...cards);
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

// ---- ledger -----------------------------------------------------------------------------------------------------
const usd = (cents) => (cents === null || cents === undefined ? '' : (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const num = (n) => (n === null || n === undefined ? '' : Number(n).toLocaleString('en-US'));
const row = (...cells) => el('tr', {}, ...cells.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', { text: c }))));

function reasonsBox(doc) {
  const box = el('div');
  // a refusal's reasons say it all; the summary line is for other errors
  if (doc.error && !(doc.reasons || []).length) box.append(el('p', { class: 'reason', text: doc.error.message }));
  for (const r of doc.reasons || [])
    box.append(el('div', { class: 'reason' }, el('code', { text: r.code }), ' ', r.message, r.unblock ? el('div', { class: 'muted', text: 'to unblock: ' + r.unblock }) : ''));
  return box;
}

async function act(method, path, body) {
  try { return await api(method, path, body); } catch (e) { if (e.doc && e.doc.outcome) return e.doc; throw e; }
}

section('authorizations', 'auth.read', async () => {
  const doc = await api('GET', '/v1/authorizations');
  const tb = $('#auth-table tbody');
  tb.replaceChildren();
  for (const a of doc.result) {
    const open = (a.conditions || []).filter((c) => c.state === 'pending' || c.state === 'failed').length;
    const link = el('a', { href: '#', text: a.ref });
    link.addEventListener('click', (ev) => { ev.preventDefault(); showAuth(a.ref).catch(showError); });
    tb.append(row(link, a.jurisdiction, a.kind, a.holder, (a.parties || []).join(', '), a.state, num(a.quantity_cap), num(a.quantity_reserved), num(a.quantity_consumed), String(open)));
  }
});

async function showAuth(ref) {
  const a = (await api('GET', '/v1/authorizations/' + encodeURIComponent(ref))).result;
  const box = $('#auth-detail');
  box.replaceChildren(el('h3', { text: `${a.ref}: ${a.kind} by ${a.authority}, ${a.state}` }));
  const t = el('table', {}, el('thead', {}, row('condition', 'state', 'text', 'evidence', 'rule', '')));
  const tb = el('tbody');
  const actions = new Set((state.who && state.who.actions) || []);
  const myJur = state.who && state.who.jurisdiction;
  const mayDecide = actions.has('auth.decide') && (!myJur || myJur === a.jurisdiction);
  for (const c of a.conditions || []) {
    const cell = el('span');
    if (mayDecide && c.state === 'pending') {
      const b = el('button', { type: 'button', text: 'mark satisfied' });
      b.addEventListener('click', async () => {
        const evidence = prompt(`Evidence for ${c.id}:`);
        if (!evidence) return;
        const res = await act('POST', `/v1/authorizations/${encodeURIComponent(a.ref)}/conditions`, { condition: c.id, state: 'satisfied', evidence });
        if (res.outcome !== 'ok') box.append(reasonsBox(res));
        await showAuth(a.ref);
      });
      cell.append(b);
    }
    tb.append(row(c.id, c.state, c.text, c.evidence || '', c.rule || '', cell));
  }
  t.append(tb);
  box.append(t);
  if (mayDecide) {
    const bar = el('p');
    for (const [label, verb, when] of [['Approve', 'decision', ['submitted', 'under_review']], ['Suspend', 'suspension', ['approved', 'approved_with_conditions', 'reinstated']], ['Reinstate', 'reinstatement', ['suspended']]]) {
      if (!when.includes(a.state)) continue;
      const b = el('button', { type: 'button', text: label });
      b.addEventListener('click', async () => {
        const reason = prompt(`Reason to ${label.toLowerCase()} ${a.ref}:`) || undefined;
        const res = await act('POST', `/v1/authorizations/${encodeURIComponent(a.ref)}/${verb}`, verb === 'decision' ? { outcome: 'approved', reason } : { reason });
        if (res.outcome !== 'ok') box.append(reasonsBox(res));
        await show('authorizations');
        await showAuth(a.ref);
      });
      bar.append(b, ' ');
    }
    box.append(bar);
  }
  const tr = el('table', {}, el('thead', {}, row('when', 'from', 'to', 'who', 'why')));
  const tt = el('tbody');
  for (const x of a.transitions || []) tt.append(row(x.at || '', x.from || '', x.to || '', x.actor || '', x.reason || ''));
  tr.append(tt);
  box.append(el('h4', { text: 'Transitions' }), tr);
}

section('orders', 'order.read', async () => {
  const form = $('#order-form');
  form.hidden = !new Set(state.who.actions).has('order.write');
  if (!form.hidden) await fillOrderForm(form);
  const orders = (await api('GET', '/v1/orders')).result;
  const tb = $('#order-table tbody');
  tb.replaceChildren();
  const mayShip = new Set(state.who.actions).has('ship');
  for (const o of orders) {
    const cell = el('span');
    if (mayShip && ['open', 'partially_shipped'].includes(o.state)) {
      // "check" is a dry run: every gate and the fees as the shipment would meet them today, nothing booked
      for (const dry of [true, false]) {
        const b = el('button', { type: 'button', text: dry ? 'check…' : 'ship…', 'data-order': o.ref, 'data-dry-run': String(dry) });
        b.addEventListener('click', async () => {
          const q = prompt(`${dry ? 'Check a shipment of' : 'Ship'} how many units of ${o.ref}? (${o.quantity - o.quantity_shipped} left)`);
          if (!q) return;
          const body = { order: o.ref, quantity: Number(q), date: new Date().toISOString().slice(0, 10) };
          if (dry) body.dry_run = true;
          let res;
          try { res = await act('POST', '/v1/shipments', body); } catch (e) { showError(e); return; }
          const out = $('#ship-result');
          const fees = res.outcome === 'ok' ? (res.result.fees || []).reduce((t, f) => t + f.amount_cents, 0) : 0;
          out.replaceChildren(el('h3', {
            text: res.outcome === 'ok'
              ? (dry ? `Would ship: ${num(res.result.quantity)} units of ${o.ref}, fees USD ${usd(fees)} (nothing booked)` : `Shipped: ${res.result.ref}`)
              : (dry ? `Would be held: ${o.ref} (nothing booked)` : `Held: ${o.ref}`),
          }));
          if (res.outcome !== 'ok') out.append(reasonsBox(res));
          if (!dry) await show('orders');
        });
        cell.append(b, ' ');
      }
    }
    tb.append(row(o.ref, o.state, o.buyer, o.product, o.destination || '', num(o.quantity), num(o.quantity_shipped), usd(o.value_cents), o.order_date || '', cell));
  }
  const ships = (await api('GET', '/v1/shipments')).result;
  const sb = $('#shipment-table tbody');
  sb.replaceChildren();
  for (const x of ships) sb.append(row(x.ref, x.order, x.buyer, num(x.quantity), usd(x.value_cents), x.date, usd((x.fees || []).reduce((t, f) => t + f.amount_cents, 0))));
});

// The order form: the exporter is the key's own party; "Check" is a dry run (every gate, nothing booked).
async function fillOrderForm(form) {
  const exporter = form.elements.exporter;
  exporter.value = state.who.party || exporter.value;
  exporter.readOnly = !!state.who.party;
  if (!form.elements.date.value) form.elements.date.value = new Date().toISOString().slice(0, 10);
  const chips = $('#chip-list'), buyers = $('#buyer-list');
  if (!chips.children.length && new Set(state.who.actions).has('reference.read')) {
    if (!state.chips.length) state.chips = await api('GET', '/v1/chips');
    for (const c of state.chips) chips.append(el('option', { value: c.name }));
  }
  if (!buyers.children.length && new Set(state.who.actions).has('party.read')) {
    for (const p of (await api('GET', '/v1/parties')).result)
      if ((p.roles || []).includes('importer')) buyers.append(el('option', { value: p.name }));
  }
}

$('#order-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showError(null);
  const dry = !ev.submitter || ev.submitter.value === 'check';
  const body = formObject(ev.target);
  body.quantity = Number(body.quantity);
  if (dry) body.dry_run = true;
  try {
    const res = await act('POST', '/v1/orders', body);
    const out = $('#order-result');
    const o = res.result;
    const holds = o ? (o.reservations || []).map((r) => r.authorization || r.pool).join(', ') : '';
    out.replaceChildren(el('h3', {
      text: res.outcome === 'ok'
        ? (dry ? `Would be placed: ${num(o.quantity)} ${o.product} for ${o.buyer}, reserving on ${holds} (nothing booked)` : `Placed: ${o.ref}, reserving on ${holds}`)
        : (dry ? `Would be refused (nothing booked)` : 'Refused'),
    }));
    if (res.outcome !== 'ok') out.append(reasonsBox(res));
    if (!dry && res.outcome === 'ok') await show('orders');
  } catch (e) { showError(e); }
});

section('pools', 'pool.read', async () => {
  const pools = (await api('GET', '/v1/pools')).result;
  const box = $('#pool-list');
  box.replaceChildren();
  for (const p of pools) {
    const used = p.quantity_reserved + p.quantity_consumed;
    const pct = p.cap ? Math.min(100, (100 * used) / p.cap) : 0;
    box.append(el('div', { class: 'card pool' },
      el('div', {}, el('strong', { text: p.name }), ' ', el('span', { class: 'muted', text: p.description || '' })),
      el('div', { class: 'bar' }, el('span', { style: `width:${pct.toFixed(1)}%` })),
      el('div', { text: `cap ${num(p.cap)}${p.follows ? ` (follows ${p.counter}: ${num(p.counter_value)} x ${p.ratio_ppm / 10000}%)` : ''}: shipped ${num(p.quantity_consumed)}, reserved ${num(p.quantity_reserved)}, available ${num(p.quantity_available)}` }),
      el('div', { class: 'muted', text: 'members: ' + (p.members || []).join(', ') })));
  }
});

section('fees', 'fees.read', async () => {
  const rep = (await api('GET', '/v1/fees')).result;
  const tb = $('#fee-table tbody');
  tb.replaceChildren();
  for (const f of rep.periods) tb.append(row(f.period, f.party, f.charge, f.collector, num(f.shipments), usd(f.base_cents), usd(f.accrued_cents), usd(f.paid_cents), usd(f.outstanding_cents)));
  for (const f of rep.totals) tb.append(row('total', f.party, f.charge, f.collector, num(f.shipments), usd(f.base_cents), usd(f.accrued_cents), usd(f.paid_cents), usd(f.outstanding_cents)));
  $('#fee-rounding').textContent = rep.rounding || '';
});

section('totals', 'totals.read', async () => {
  const t = await api('GET', '/v1/totals');
  $('#totals-note').textContent = `${num(t.units_shipped_under_export_licences)} units shipped under export licences. ${t.note}.`;
  const tb = $('#totals-table tbody');
  tb.replaceChildren();
  for (const a of t.authorizations) tb.append(row(a.ref, a.jurisdiction, a.holder, a.state, num(a.quantity_cap), num(a.quantity_reserved), num(a.quantity_consumed)));
});

overviewCards.push(async () => {
  const t = await api('GET', '/v1/totals');
  const cards = [card('units shipped', num(t.units_shipped_under_export_licences))];
  for (const p of t.pools) cards.push(card(p.name, `${num(p.quantity_consumed + p.quantity_reserved)} / ${num(p.cap)}`));
  return cards;
});

// ---- screening --------------------------------------------------------------------------------------------------
section('screening', 'screen', async () => {
  const doc = await api('GET', '/v1/lists');
  const tb = $('#list-table tbody');
  tb.replaceChildren();
  for (const l of doc.lists) tb.append(row(l.list, String(l.version), num(l.entries), num(l.names), `+${l.added} -${l.removed} ~${l.changed}`, l.imported_at));
  $('#list-loaded').textContent = doc.loaded_version ? `index loaded: ${doc.loaded_version}, ${num(doc.loaded_names)} names, at ${doc.loaded_at}` : 'no list loaded';
});

$('#screen-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showError(null);
  const names = ev.target.names.value.split('\n').map((x) => x.trim()).filter(Boolean);
  const body = { names };
  if (ev.target.country.value.trim()) body.country = ev.target.country.value.trim();
  try {
    const doc = await api('POST', '/v1/screen', body);
    const out = $('#screen-results');
    out.replaceChildren(el('p', { class: 'muted', text: 'lists: ' + doc.list_version }));
    for (const r of doc.results) {
      const box = el('div', { class: 'jur' }, el('h3', {}, el('span', { class: 'verdict v-' + (r.decision === 'clear' ? 'not_required' : r.decision === 'block' ? 'prohibited' : 'required'), text: r.decision }), ' ', r.query, ` (best ${Number(r.score).toFixed(3)})`));
      for (const m of r.matches || []) {
        const ex = m.explanation || m.explain || {};
        const toks = (ex.tokens || []).map((t) => `${t.query || '∅'} ${t.how === 'exact' ? '=' : '~'} ${t.listed || '∅'} (${t.how})`).join(', ');
        box.append(el('p', {}, el('code', { text: Number(m.score).toFixed(3) }), ` ${m.matched_name} — ${m.list} ${m.entry_id}`, el('div', { class: 'muted', text: toks })));
      }
      out.append(box);
    }
  } catch (e) { showError(e); }
});

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
