/* Agent desktop: incoming offers — the card, its countdown, accept and reject.
 *
 * The server withdraws an offer with an `interaction` frame (accepted, timed out,
 * requeued, abandoned); the tray only removes a card on its own if that frame never
 * comes, some seconds after the reservation ran out.
 */
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';
import { Views } from './agent-views.js';

export class OfferTray {
  static GRACE_MS = 10000;

  /** hooks: send(frame) → bool, changed() after any card appears or goes. */
  constructor(box, hooks) {
    this.box = box;
    this.hooks = hooks;
    this.offers = new Map();
    this.timeoutSec = 30;
  }

  get size() {
    return this.offers.size;
  }

  get(id) {
    return this.offers.get(id);
  }

  /** Show an offer. From a snapshot, the time left comes from reserved_until; a fresh one gets the full timeout. */
  add(data, fromSnapshot) {
    const i = data.interaction;
    this.remove(i.id);
    let seconds = this.timeoutSec;
    const until = Dom.parseTime(i.reserved_until);
    if (fromSnapshot && until) seconds = Math.max(0, Math.min(this.timeoutSec, (until.getTime() - Date.now()) / 1000));
    const offer = {
      interaction: i,
      context: data.context,
      events: new Map((data.events || []).map((e) => [e.id, e])),
      deadline: Date.now() + seconds * 1000,
      accepting: false,
      rejected: false,
    };
    offer.view = this.card(offer);
    this.offers.set(i.id, offer);
    this.box.append(offer.view.card);
    this.tick();
    this.hooks.changed();
    return offer;
  }

  remove(id) {
    const offer = this.offers.get(id);
    if (!offer) return null;
    offer.view.card.remove();
    this.offers.delete(id);
    this.hooks.changed();
    return offer;
  }

  clear() {
    for (const id of [...this.offers.keys()]) this.remove(id);
  }

  addEvent(id, ev) {
    const offer = this.offers.get(id);
    if (!offer || offer.events.has(ev.id)) return;
    offer.events.set(ev.id, ev);
    Dom.fill(offer.view.msgs, ...this.messages(offer));
  }

  accept(id) {
    const offer = this.offers.get(id);
    if (offer && this.hooks.send({ type: 'accept', interaction_id: id })) this.setBusy(offer, true);
  }

  reject(id) {
    const offer = this.offers.get(id);
    if (!offer || !this.hooks.send({ type: 'reject', interaction_id: id })) return;
    offer.rejected = true;
    this.remove(id);
  }

  /** An error frame has no reference to the accept it answers, so every pending accept is released. */
  releaseBusy() {
    for (const offer of this.offers.values()) this.setBusy(offer, false);
  }

  setBusy(offer, busy) {
    offer.accepting = busy;
    offer.view.accept.disabled = busy;
    offer.view.reject.disabled = busy;
    offer.view.accept.textContent = busy ? t('Accepting…') : t('Accept');
  }

  focus(id) {
    const offer = this.offers.get(id);
    if (offer) offer.view.accept.focus();
  }

  tick() {
    const now = Date.now();
    for (const [id, offer] of this.offers) {
      const left = Math.max(0, offer.deadline - now);
      const secs = Math.ceil(left / 1000);
      offer.view.count.textContent = left > 0 ? `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}` : t('expiring…');
      offer.view.bar.style.width = `${(left / (this.timeoutSec * 1000)) * 100}%`;
      offer.view.card.classList.toggle('is-urgent', left < 10000);
      if (now - offer.deadline > OfferTray.GRACE_MS) this.remove(id);
    }
  }

  // -- drawing --------------------------------------------------------------------------
  messages(offer) {
    const { el } = Dom;
    const msgs = [...offer.events.values()].filter((e) => e.kind === 'message').sort((a, b) => a.id - b.id).slice(-6);
    if (!msgs.length) return [el('p', { class: 'muted small', text: t('No messages yet.') })];
    return msgs.map((ev) => el('div', {
      class: `offer-msg ${ev.author_type === 'customer' ? 'from-customer' : 'from-agent'}`,
      testid: 'offer-msg', dataset: { eventId: String(ev.id) },
    },
    el('span', { class: 'offer-msg-who', text: (ev.author_name || ({ customer: t('Customer'), agent: t('Agent'), system: t('System') }[ev.author_type] || ev.author_type)) + ' · ' + Dom.fmtTime(ev.created_at) }),
    el('span', { class: 'offer-msg-body', text: ev.body || t('Attachment') }),
    Views.attachments(ev)));
  }

  /** The card: who is calling (context), what they said, and the two buttons. */
  card(offer) {
    const { el } = Dom;
    const i = offer.interaction;
    const ctx = offer.context || {};
    const name = (ctx.customer && (ctx.customer.display_name || ctx.customer.email)) || t('Customer');
    const count = el('span', { class: 'offer-count', testid: 'offer-countdown', text: '' });
    const bar = el('span', { class: 'offer-bar-fill' });
    const msgs = el('div', { class: 'offer-msgs' }, this.messages(offer));
    // What they wrote matters most for the decision: right under who they are and what they are worth.
    const context = Dom.renderContext(ctx, { compact: true, currentId: i.id });
    const anchor = context.querySelector('.ctx-stats') || context.lastChild;
    const said = [el('h4', { class: 'ctx-title', text: t('Conversation so far') }), msgs];
    if (anchor) anchor.after(...said);
    else context.append(...said);
    const accept = el('button', { type: 'button', class: 'btn btn-accept', testid: 'offer-accept', text: t('Accept'), on: { click: () => this.accept(i.id) } });
    const reject = el('button', { type: 'button', class: 'btn btn-reject', testid: 'offer-reject', text: t('Reject'), on: { click: () => this.reject(i.id) } });
    const card = el('article', { class: 'offer-card', testid: 'offer', dataset: { interactionId: String(i.id) }, 'aria-label': t('Incoming contact from {name}', { name }) },
      el('header', { class: 'offer-head' },
        el('span', { class: 'offer-pulse', 'aria-hidden': 'true' }),
        el('span', { class: 'offer-kind' }, t('Incoming') + ' ', Dom.channelChip(i.channel)),
        i.subject ? el('span', { class: 'offer-subject', text: i.subject }) : null,
        count),
      el('div', { class: 'offer-bar' }, bar),
      el('div', { class: 'offer-body' }, context),
      el('footer', { class: 'offer-actions' }, reject, accept));
    return { card, count, bar, msgs, accept, reject };
  }
}
