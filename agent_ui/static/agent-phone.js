/* Phone on the agent desktop: the call card (caller, number, IVR choice, state, durations,
 * recording, voicemail) in offers and in the customer panel, and click-to-call.
 *
 * It reads the same frames as the desk (agent-desk.js re-dispatches each as a `desk:frame`
 * DOM event) and keeps the newest `payload.call` per interaction; the server updates that
 * payload on every call state change and sends it as `event_updated`. Click-to-call sends
 * a `call` frame (agent_ui/desk/desktop.py); the server answers `call_started` or an error frame.
 */
import { Desk } from './agent-desk.js';
import { Dom } from './agent-dom.js';
import { I18n, t } from './agent-i18n.js';
import { elapsed, onTick, refreshElapsed, secondsSince } from './ui-core.js';

(() => {
  const { el } = Dom;
  const calls = new Map(); // interaction id → newest call card
  const voicemails = new Map(); // interaction id → {recording_url, duration_seconds}
  const STATES = {
    ringing: t('Ringing'), queued: t('Waiting in queue'), answered: t('Connected'), completed: t('Completed'),
    busy: t('Busy'), 'no-answer': t('No answer'), failed: t('Failed'), canceled: t('Canceled'),
    missed: t('Missed'), abandoned: t('Abandoned'),
  };

  function remember(ev) {
    if (!ev || !ev.payload) return false;
    let changed = false;
    if (ev.payload.call) { calls.set(ev.interaction_id, ev.payload.call); changed = true; }
    if (ev.payload.voicemail) { voicemails.set(ev.interaction_id, ev.payload.voicemail); changed = true; }
    return changed;
  }

  function seconds(n) {
    return n == null ? '—' : (I18n.duration ? I18n.duration(n) : `${n} s`);
  }

  // A live call's talk time as m:ss (h:mm:ss past an hour), counted from answered_at.
  const clock = (since) => elapsed(secondsSince(since) || 0);

  const PHONE_PATH = 'M22 16.92v3a2 2 0 0 1-2.18 2 19.79 19.79 0 0 1-8.63-3.07 19.5 19.5 0 0 1-6-6 19.79 19.79 0 0 1-3.07-8.67A2 2 0 0 1 4.11 2h3a2 2 0 0 1 2 1.72c.13.96.36 1.9.7 2.81a2 2 0 0 1-.45 2.11L8.09 9.91a16 16 0 0 0 6 6l1.27-1.27a2 2 0 0 1 2.11-.45c.91.34 1.85.57 2.81.7A2 2 0 0 1 22 16.92z';
  function phoneIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: '18', height: '18', fill: 'none', stroke: 'currentColor',
      'stroke-width': '2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true' })) svg.setAttribute(k, v);
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', PHONE_PATH);
    svg.append(path);
    return svg;
  }

  function card(iid) {
    const call = calls.get(iid);
    const vm = voicemails.get(iid);
    if (!call && !vm) return null;
    const state = vm && !call ? 'voicemail' : (call.cause === 'voicemail' ? 'voicemail' : call.state);
    const outbound = call && call.direction === 'outbound';
    const kind = state === 'voicemail' ? t('Voicemail') : (outbound ? t('Outgoing call') : t('Incoming call'));
    const number = call ? (outbound ? call.to : call.from) : '';
    const facts = [];
    const fact = (label, value, testid) => facts.push(el('div', { class: 'call-fact' },
      el('dt', { text: label }), el('dd', { text: value, testid })));
    if (call) {
      if (call.ivr_choice && state !== 'voicemail') fact(t('IVR choice'), call.ivr_choice, 'call-ivr');
      if (call.queue) fact(t('Queue'), call.queue, 'call-queue');
      if (call.wait_seconds != null) fact(t('Waited'), seconds(call.wait_seconds), 'call-waited');
      if (call.state !== 'answered' && (call.talk_seconds != null || call.duration_seconds != null)) {
        fact(t('Duration'), seconds(call.talk_seconds ?? call.duration_seconds), 'call-duration');
      }
    }
    const live = call && call.state === 'answered' && call.answered_at;
    const links = [];
    const recording = Dom.safeUrl((vm && vm.recording_url) || (call && call.recording_url));
    if (recording) links.push(el('a', { class: 'btn btn-small', href: recording, target: '_blank', rel: 'noopener', testid: 'call-recording', text: vm ? t('Play voicemail') : t('Recording') }));
    return el('section', {
      class: `call-card call-st-${state}`, testid: 'call-card', dataset: { callCard: String(iid), state },
      'aria-label': kind,
    },
      el('div', { class: 'call-head' },
        el('span', { class: 'call-icon' }, phoneIcon()),
        el('span', { class: 'call-kind', text: kind }),
        el('span', { class: 'call-pill' },
          el('span', { class: 'call-state', text: state === 'voicemail' ? t('Voicemail') : (STATES[call.state] || call.state), testid: 'call-state' }),
          live ? el('span', { class: 'call-timer', text: clock(call.answered_at), testid: 'call-timer', dataset: { since: call.answered_at }, title: t('Talk time') }) : null),
        el('span', { class: 'call-number', text: number || t('Unknown number'), testid: 'call-number', title: number })),
      facts.length ? el('dl', { class: 'call-facts' }, facts) : null,
      links.length ? el('p', { class: 'call-links' }, links) : null,
      call && call.transcription ? el('blockquote', { class: 'call-transcript', text: call.transcription }) : null);
  }

  // The talk time (data-since) moves with the page's one clock.
  onTick(() => refreshElapsed());

  function redraw(iid) {
    for (const node of document.querySelectorAll(`[data-call-card="${iid}"]`)) {
      const fresh = card(iid);
      if (fresh) node.replaceWith(fresh);
    }
    decorate();
  }

  function decorate() {
    for (const offer of document.querySelectorAll('.offer-card[data-interaction-id]')) {
      const iid = Number(offer.dataset.interactionId);
      const body = offer.querySelector('.offer-body');
      if (body && !body.querySelector('[data-call-card]')) {
        const node = card(iid);
        if (node) body.prepend(node);
      }
    }
    const panel = document.getElementById('context');
    if (!panel || !panel.dataset.interactionId) return;
    const iid = Number(panel.dataset.interactionId);
    const ctx = panel.querySelector('.ctx');
    if (!ctx) return;
    if (!ctx.querySelector('[data-call-card]')) {
      const node = card(iid);
      if (node) ctx.querySelector('.ctx-head').after(node);
    }
    if (panel.dataset.customerPhone && !ctx.querySelector('[data-testid="click-to-call"]')) {
      const customerId = Number(panel.dataset.customerId);
      const button = el('button', {
        type: 'button', class: 'btn btn-small call-back', testid: 'click-to-call', text: t('Call {number}', { number: panel.dataset.customerPhone }),
        on: { click: () => { if (Desk.send({ type: 'call', customer_id: customerId })) button.disabled = true; } },
      });
      button.prepend(phoneIcon());
      (ctx.querySelector('[data-call-card]') || ctx.querySelector('.ctx-head')).after(button);
    }
  }

  document.addEventListener('desk:frame', (e) => {
    const f = e.detail || {};
    let touched = [];
    if (f.type === 'offer' || f.type === 'conversation') touched = (f.events || []).filter(remember).map((ev) => ev.interaction_id);
    else if (f.type === 'welcome') for (const c of f.conversations || []) touched.push(...(c.events || []).filter(remember).map((ev) => ev.interaction_id));
    else if ((f.type === 'event' || f.type === 'event_updated') && remember(f.event)) touched = [f.event.interaction_id];
    else if (f.type === 'call_started') {
      Dom.toast(t('Calling {number}…', { number: f.call && f.call.to }), 'ok');
      for (const b of document.querySelectorAll('[data-testid="click-to-call"]')) b.disabled = false;
    } else if (f.type === 'error') for (const b of document.querySelectorAll('[data-testid="click-to-call"]')) b.disabled = false;
    // agent.js draws first (same tick); decorate after it.
    setTimeout(() => { for (const iid of new Set(touched)) redraw(iid); decorate(); }, 0);
  });

  new MutationObserver(() => decorate()).observe(document.getElementById('app'), { childList: true, subtree: true });
})();
