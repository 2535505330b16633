/* The live monitor. Everything arrives over WS /supervisor/ws as `snapshot` frames (the
 * page never polls). Rows are keyed and updated in place, so nothing jumps when figures
 * change; waits and times in state tick locally between snapshots from the server's clock
 * (ui-core.js: one ticker, elapsed times of [data-since] elements by the server's clock).
 */
import { I18n, t } from './agent-i18n.js';
import { SlaBadge } from './sla-badge.js';
import { channelName, clock, formulaName, pct, stateName } from './supervisor-format.js';
import { el, onTick, ReconnectingSocket, refreshElapsed, secondsSince, setServerTime } from './ui-core.js';

(() => {
  const $ = (id) => document.getElementById(id);
  let snap = null;
  let refs = 0;
  const pending = new Map();

  // -- connection ---------------------------------------------------------------
  function setConn(state, text) {
    const node = $('conn');
    node.className = `sup-conn sup-conn-${state}`;
    node.textContent = text;
  }

  const CLOSED = { 4401: t('Signed out'), 4403: t('Not allowed') };
  const socket = new ReconnectingSocket({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/supervisor/ws`,
    onFrame: (frame) => handlers[frame.type] && handlers[frame.type](frame),
    onStatus: (state, detail) => {
      if (state === 'connected') setConn('ok', t('Live'));
      else if (state === 'stopped') setConn('down', CLOSED[detail.code] || t('Not allowed'));
      else setConn('wait', state === 'connecting' ? t('Connecting…') : t('Reconnecting…'));
    },
  });

  function send(frame) {
    const ref = `r${++refs}`;
    frame.ref = ref;
    socket.send(frame);
    return new Promise((resolve, reject) => pending.set(ref, { resolve, reject }));
  }

  const handlers = {
    welcome: () => send({ type: 'audit' }).catch(() => {}),
    snapshot: (frame) => {
      snap = frame;
      setServerTime(frame.now);
      render();
    },
    done: (frame) => settle(frame.ref, null, frame),
    staffing: (frame) => { showWhatIf(frame); settle(frame.ref, null, frame); },
    audit: (frame) => renderAudit(frame.entries),
    error: (frame) => {
      if (frame.ref && pending.has(frame.ref)) settle(frame.ref, frame.message || frame.code);
      else if (frame.code === 'forbidden' || frame.code === 'unauthorized') setConn('down', frame.message);
    },
  };

  function settle(ref, error, frame) {
    const waiter = pending.get(ref);
    if (!waiter) return;
    pending.delete(ref);
    if (error) waiter.reject(new Error(error)); else waiter.resolve(frame);
  }

  // -- keyed rows: build once, then only change text and classes ----------------
  function keyed(tbody, items, key, build, update) {
    const seen = new Set();
    let prev = null;
    for (const item of items) {
      const id = String(key(item));
      seen.add(id);
      let row = tbody.querySelector(`:scope > tr[data-key="${CSS.escape(id)}"]`);
      if (!row) { row = build(item); row.dataset.key = id; }
      update(row, item);
      const want = prev ? prev.nextSibling : tbody.firstChild;
      if (want !== row) tbody.insertBefore(row, want);
      prev = row;
    }
    for (const row of [...tbody.children]) if (!seen.has(row.dataset.key)) row.remove();
  }

  const cell = (row, name) => row.querySelector(`[data-c="${name}"]`);
  const setText = (row, name, text) => { const c = cell(row, name); if (c.textContent !== text) c.textContent = text; };

  // A queue's formula line is a button: it opens that queue's service-level settings.
  function kpiRow(first, queueId) {
    const formula = queueId === undefined
      ? el('small', { 'data-c': 'slf' })
      : el('button', { type: 'button', class: 'sup-slf', 'data-c': 'slf', 'data-testid': 'sl-edit', onclick: () => openServiceLevel(queueId) });
    return () => el('tr', {},
      el('th', { scope: 'row', 'data-c': 'name' }, first),
      el('td', { class: 'num big', 'data-c': 'waiting' }),
      el('td', { class: 'num big', 'data-c': 'longest' }),
      el('td', { class: 'num sl', 'data-c': 'sl' }, el('span', { class: 'big', 'data-c': 'slv' }), formula),
      el('td', { class: 'num', 'data-c': 'asa' }),
      el('td', { class: 'num', 'data-c': 'aht' }),
      el('td', { class: 'num', 'data-c': 'abandon' }),
      el('td', { class: 'num', 'data-c': 'handled' }),
      el('td', { class: 'num', 'data-c': 'extra' }));
  }

  function updateKpis(row, f) {
    setText(row, 'waiting', String(f.waiting));
    const longest = cell(row, 'longest');
    // The oldest waiting contact's arrival, so the shared clock counts its wait on.
    if (f.waiting) longest.dataset.since = new Date(Date.parse(snap.now) - f.longest_wait_seconds * 1000).toISOString();
    else delete longest.dataset.since;
    longest.textContent = f.waiting ? clock(f.longest_wait_seconds) : '—';
    longest.classList.toggle('hot', f.waiting > 0 && f.longest_wait_seconds > f.threshold_seconds);
    const sl = cell(row, 'sl');
    sl.className = `num sl sl-${f.sl_state}`;
    setText(row, 'slv', pct(f.service_level));
    setText(row, 'slf', t('target {target}% · {formula}', { target: Math.round(f.target_percent), formula: formulaName(f.formula, f.threshold_seconds) }));
    setText(row, 'asa', clock(f.asa_seconds));
    setText(row, 'aht', clock(f.aht_seconds));
    setText(row, 'abandon', f.offered ? `${pct(f.abandon_rate)} (${f.abandoned})` : '—');
    setText(row, 'handled', String(f.handled));
  }

  function render() {
    keyed($('queue-rows'), snap.queues, (q) => q.id, (q) => kpiRow(q.name, q.id)(), (row, q) => {
      setText(row, 'name', q.name);
      updateKpis(row, q);
      cell(row, 'slf').title = t('Change the service level of {queue}: threshold, target, formula, short abandons', { queue: q.name });
      const s = q.staffing;
      const extra = cell(row, 'extra');
      extra.textContent = `${s.agents_needed} / ${s.agents_logged_in}`;
      extra.className = `num staff ${s.agents_logged_in >= s.agents_needed ? 'staff-ok' : 'staff-short'}`;
      extra.title = t('{rate} arrivals in 30 min, AHT {aht} ({source}), {erl} erlangs', {
        rate: s.arrivals_per_30min, aht: clock(s.aht_seconds), source: t(s.aht_source), erl: s.traffic_erlangs.toFixed(1) });
    });
    keyed($('channel-rows'), snap.channels, (c) => c.channel, (c) => kpiRow(channelName(c.channel))(), (row, c) => {
      updateKpis(row, c);
      setText(row, 'extra', String(c.contacts));
    });
    renderAgents();
    renderContacts();
    $('updated').textContent = I18n.time ? I18n.time(snap.now) : snap.now;
  }

  function renderAgents() {
    const shown = snap.agents.filter((a) => a.state !== 'offline' || a.contacts);
    const offline = snap.agents.length - shown.length;
    const order = { busy: 0, available: 1, away: 2, offline: 3 };
    shown.sort((a, b) => order[a.state] - order[b.state] || a.name.localeCompare(b.name));
    const counts = {};
    for (const a of snap.agents) counts[a.state] = (counts[a.state] || 0) + 1;
    $('agent-summary').textContent = t('{busy} busy · {available} available · {away} away · {offline} offline', {
      busy: counts.busy || 0, available: counts.available || 0, away: counts.away || 0, offline: counts.offline || 0 });
    keyed($('agent-rows'), shown, (a) => a.id, (a) => el('tr', {},
      el('th', { scope: 'row', 'data-c': 'name' }),
      el('td', { 'data-c': 'state' }, el('span', { class: 'dot', 'data-c': 'dot' }), el('span', { 'data-c': 'sname' }), ' ', el('time', { class: 'muted', 'data-c': 'since' })),
      el('td', { 'data-c': 'load' }, el('span', { class: 'meter' }, el('span', { class: 'meter-fill', 'data-c': 'fill' })), el('span', { class: 'num', 'data-c': 'ltext' })),
      el('td', { class: 'num', 'data-c': 'occ' }),
      el('td', { 'data-c': 'act' }, stateSelect(a.id))),
    (row, a) => {
      setText(row, 'name', a.name);
      cell(row, 'dot').className = `dot dot-${a.state}`;
      setText(row, 'sname', stateName(a.state));
      const sinceEl = cell(row, 'since');
      sinceEl.dataset.since = a.state_since;
      sinceEl.textContent = clock(secondsSince(a.state_since));
      const full = a.capacity ? Math.min(100, (100 * a.contacts) / a.capacity) : 0;
      cell(row, 'fill').style.width = `${full}%`;
      cell(row, 'fill').className = `meter-fill${a.contacts >= a.capacity ? ' meter-full' : ''}`;
      setText(row, 'ltext', `${a.contacts}/${a.capacity}`);
      setText(row, 'occ', pct(a.occupancy));
      const select = row.querySelector('select');
      if (document.activeElement !== select) select.value = '';
    });
    if (offline) $('agent-summary').title = t('{n} offline agents hidden', { n: offline });
  }

  function stateSelect(agentId) {
    const select = el('select', { 'aria-label': t('Set state'), dataset: { agent: String(agentId) }, class: 'sup-select' },
      el('option', { value: '', text: '…' }),
      el('option', { value: 'available', text: t('Available') }),
      el('option', { value: 'away', text: t('Away') }),
      el('option', { value: 'offline', text: t('Sign out (release contacts)') }));
    select.addEventListener('change', () => {
      const state = select.value;
      if (!state) return;
      send({ type: 'force_state', agent_id: agentId, state })
        .then(() => send({ type: 'audit' }))
        .catch((err) => alert(err.message))
        .finally(() => { select.value = ''; });
    });
    return select;
  }

  function renderContacts() {
    const queues = Object.fromEntries(snap.queues.map((q) => [q.id, q.name]));
    const waiting = snap.contacts.filter((c) => c.status === 'queued' || c.status === 'offered').length;
    $('contact-summary').textContent = t('{waiting} waiting · {held} with agents', { waiting, held: snap.contacts.length - waiting });
    keyed($('contact-rows'), snap.contacts, (c) => c.id, () => el('tr', {},
      el('th', { scope: 'row', 'data-c': 'cust' }),
      el('td', { 'data-c': 'ch' }),
      el('td', { class: 'num', 'data-c': 'time' }, el('time', { 'data-c': 'clock' })),
      el('td', { 'data-c': 'who' }),
      el('td', { 'data-c': 'act' }, el('button', { type: 'button', class: 'sup-btn sup-btn-s', text: t('Step in') }))),
    (row, c) => {
      setText(row, 'cust', c.customer);
      SlaBadge.mark(cell(row, 'cust'), c.sla_status, c.sla_due_at);
      setText(row, 'ch', channelName(c.channel));
      const waitingNow = c.status === 'queued' || c.status === 'offered';
      row.className = waitingNow ? 'row-waiting' : `row-${c.status}`;
      const clockEl = cell(row, 'clock');
      clockEl.dataset.since = waitingNow ? c.queued_at : (c.answered_at || c.queued_at);
      clockEl.textContent = clock(secondsSince(clockEl.dataset.since));
      const where = queues[c.queue_id] || '';
      setText(row, 'who', c.agent_name ? `${where} · ${c.agent_name}${c.status === 'wrapup' ? ` (${t('wrap-up')})` : ''}` : where);
      row.querySelector('button').onclick = () => openStepIn(c);
    });
  }

  // -- step in: reassign / whisper -----------------------------------------------
  function openStepIn(contact) {
    const dialog = $('step-in');
    $('step-title').textContent = t('{customer} · {channel}', { customer: contact.customer, channel: channelName(contact.channel) });
    const queues = $('step-queues');
    const agents = $('step-agents');
    queues.replaceChildren(...snap.queues.map((q) => el('option', { value: `q${q.id}`, text: q.name })));
    agents.replaceChildren(...snap.agents.filter((a) => a.id !== contact.agent_id)
      .map((a) => el('option', { value: `a${a.id}`, text: `${a.name} — ${stateName(a.state)}` })));
    const held = contact.status === 'offered' || contact.status === 'active' || contact.status === 'wrapup';
    $('step-whisper').hidden = !held || !contact.agent_id;
    $('step-reassign').hidden = contact.status === 'wrapup';
    $('step-error').textContent = '';
    $('step-text').value = '';
    $('step-reassign-go').onclick = () => {
      const value = $('step-target').value;
      const frame = { type: 'reassign', interaction_id: contact.id };
      if (value.startsWith('q')) frame.to_queue_id = Number(value.slice(1)); else frame.to_agent_id = Number(value.slice(1));
      send(frame).then(() => { dialog.close(); send({ type: 'audit' }); }).catch((err) => { $('step-error').textContent = err.message; });
    };
    $('step-whisper-go').onclick = () => {
      const body = $('step-text').value.trim();
      if (!body) return;
      send({ type: 'whisper', interaction_id: contact.id, body, client_id: `${Date.now()}-${Math.random().toString(36).slice(2)}` })
        .then(() => { dialog.close(); send({ type: 'audit' }); }).catch((err) => { $('step-error').textContent = err.message; });
    };
    dialog.showModal();
  }

  // -- service-level settings of one queue -------------------------------------------
  const FORMULAS = ['answered', 'with_abandons', 'offered'];

  function formulaOptions(selected) {
    const select = $('sl-formula');
    const keep = selected || select.value;
    const threshold = Number($('sl-threshold').value) || 0;
    select.replaceChildren(...FORMULAS.map((f) => el('option', { value: f, text: formulaName(f, threshold) })));
    select.value = keep;
  }

  function openServiceLevel(queueId) {
    const q = snap && snap.queues.find((x) => x.id === queueId);
    if (!q) return;
    $('sl-title').textContent = t('Service level of {queue}', { queue: q.name });
    $('sl-threshold').value = String(q.threshold_seconds);
    $('sl-target').value = String(Math.round(q.target_percent));
    $('sl-short').value = String(q.short_abandon_seconds);
    formulaOptions(q.formula);
    $('sl-error').textContent = '';
    $('sl-form').onsubmit = (ev) => {
      ev.preventDefault();
      send({
        type: 'service_level',
        queue_id: queueId,
        threshold_seconds: Number($('sl-threshold').value),
        target_percent: Number($('sl-target').value),
        formula: $('sl-formula').value,
        short_abandon_seconds: Number($('sl-short').value),
      }).then(() => { $('sl-dialog').close(); send({ type: 'audit' }).catch(() => {}); })
        .catch((err) => { $('sl-error').textContent = err.message; });
    };
    $('sl-dialog').showModal();
  }

  // The formula names say "within T s": keep them in step with the threshold being typed.
  $('sl-threshold').addEventListener('input', () => formulaOptions());
  $('sl-cancel').addEventListener('click', () => $('sl-dialog').close());

  // -- staffing what-if and audit ----------------------------------------------------
  function showWhatIf(s) {
    const liveQueue = snap && snap.queues.find((q) => q.id === s.queue_id);
    const loggedIn = liveQueue ? liveQueue.staffing.agents_logged_in : '—';
    $('whatif-out').textContent = t('{needed} agents needed for {target}% in {t} s (you have {have}). Expected: service level {sl}, ASA {asa}, P(wait) {pw}. AHT {aht}, {erl} erlangs.', {
      needed: s.agents_needed, target: Math.round(s.target_percent), t: s.threshold_seconds, have: loggedIn,
      sl: pct(s.expected_service_level), asa: clock(s.expected_asa_seconds), pw: s.wait_probability.toFixed(3),
      aht: clock(s.aht_seconds), erl: s.traffic_erlangs.toFixed(2) });
  }

  $('whatif').addEventListener('submit', (ev) => {
    ev.preventDefault();
    send({ type: 'staffing', queue_id: Number($('whatif-queue').value), arrivals_per_30min: Number($('whatif-rate').value) })
      .catch((err) => { $('whatif-out').textContent = err.message; });
  });
  $('audit-refresh').addEventListener('click', () => send({ type: 'audit' }).catch(() => {}));

  function renderAudit(entries) {
    const names = Object.fromEntries((snap ? snap.agents : []).map((a) => [a.id, a.name]));
    const queueNames = Object.fromEntries((snap ? snap.queues : []).map((q) => [q.id, q.name]));
    const label = (e) => ({
      reassign: t('reassigned contact #{id}', { id: e.interaction_id }),
      force_state: t('set {agent} to {state}', { agent: names[e.agent_id] || `#${e.agent_id}`, state: stateName(e.detail.state) }),
      whisper: t('whispered to {agent} on #{id}', { agent: names[e.agent_id] || `#${e.agent_id}`, id: e.interaction_id }),
      service_level: t('set the service level of {queue} to {target}% · {formula}', {
        queue: queueNames[e.queue_id] || `#${e.queue_id}`,
        target: Math.round((e.detail || {}).target_percent),
        formula: formulaName((e.detail || {}).formula, (e.detail || {}).threshold_seconds) }),
    })[e.action] || e.action;
    $('audit').replaceChildren(...entries.slice(0, 12).map((e) => el('li', {},
      el('time', { text: I18n.time ? I18n.time(e.at) : e.at }), ' ', el('strong', { text: String(e.supervisor) }), ' ', label(e))));
  }

  // Waits and times in state move without asking the server.
  onTick(() => { if (snap) refreshElapsed(); });

  socket.start();
})();
