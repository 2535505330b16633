/* Phone on the agent desktop: the call card (caller, number, IVR choice, state, durations,
 * recording, voicemail) in offers and in the customer panel, and click-to-call.
 *
 * It reads the same frames as agent.js (agent.js re-dispatches each one as a `desk:frame`
 * DOM event) and keeps the newest `payload.call` per interaction; the server updates that
 * payload on every call state change and sends it as `event_updated`. Click-to-call sends
 * a `call` frame (agent_ui/desk.py); the server answers `call_started` or an error frame.
 */
'use strict';

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

  function card(iid) {
    const call = calls.get(iid);
    const vm = voicemails.get(iid);
    if (!call && !vm) return null;
    const rows = [];
    const row = (label, value, testid) => rows.push(el('dt', { text: label }), el('dd', { text: value, testid }));
    if (call) {
      row(t('Caller'), call.direction === 'outbound' ? call.to : call.from, 'call-number');
      if (call.ivr_choice) row(t('IVR choice'), call.ivr_choice, 'call-ivr');
      row(t('State'), STATES[call.state] || call.state, 'call-state');
      if (call.wait_seconds != null) row(t('Waited'), seconds(call.wait_seconds));
      if (call.talk_seconds != null || call.duration_seconds != null) {
        row(t('Duration'), seconds(call.talk_seconds ?? call.duration_seconds), 'call-duration');
      }
    }
    const links = [];
    const recording = Dom.safeUrl((vm && vm.recording_url) || (call && call.recording_url));
    if (recording) links.push(el('a', { href: recording, target: '_blank', rel: 'noopener', testid: 'call-recording', text: vm ? t('Play voicemail') : t('Recording') }));
    return el('section', { class: 'call-card', testid: 'call-card', dataset: { callCard: String(iid) } },
      el('h4', { class: 'ctx-title', text: vm ? t('Voicemail') : t('Phone call') }),
      el('dl', { class: 'ctx-attrs' }, rows),
      links.length ? el('p', { class: 'call-links' }, links) : null,
      call && call.transcription ? el('blockquote', { class: 'call-transcript', text: call.transcription }) : null);
  }

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
        type: 'button', class: 'btn btn-small', testid: 'click-to-call', text: t('Call {number}', { number: panel.dataset.customerPhone }),
        on: { click: () => { if (window.deskSend && window.deskSend({ type: 'call', customer_id: customerId })) button.disabled = true; } },
      });
      ctx.querySelector('.ctx-head').after(button);
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
