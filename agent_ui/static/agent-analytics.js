/* Agent desktop: the customer-value part of the context panel.
 *
 * Churn risk with its reasons, the last orders, and one-to-one offers (cross-sell /
 * up-sell with confidence and lift). Reasons arrive as a code with numbers and are
 * worded here with t(), so each agent reads them in their own language. Everything
 * goes on the page through ui-core's el (textContent), never as markup.
 */
import { fmtDate, fmtMoney } from './agent-format.js';
import { el } from './ui-core.js';
import { I18n, t } from './agent-i18n.js';

export const Analytics = (() => {
  const days = (n) => new Intl.NumberFormat(I18n.lang, { maximumFractionDigits: 0 }).format(Number(n) || 0);
  const num = (n, digits) => new Intl.NumberFormat(I18n.lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Number(n) || 0);
  const pct = (n) => new Intl.NumberFormat(I18n.lang, { style: 'percent' }).format(Number(n) || 0);

  const REASONS = {
    purchase_gap: (p) => t('Orders every {gap} days on average, none for {silent} days', { gap: days(p.avg_gap_days), silent: days(p.silent_days) }),
    purchase_rate_drop: (p) => t('Ordered {before} times a month before, {recent} a month in the last {days} days',
      { before: num(p.rate_before, 1), recent: num(p.rate_recent, 1), days: days(p.recent_days) }),
    contact_gap: (p) => t('Contacted us every {gap} days on average, not for {silent} days', { gap: days(p.avg_gap_days), silent: days(p.silent_days) }),
    low_csat: (p) => t('Rated the last {count} conversations {score} of 5 on average', { count: p.count, score: num(p.avg_score, 1) }),
  };

  function reasonText(reason) {
    const word = REASONS[reason && reason.code];
    try {
      return word ? word(reason.params || {}) : String((reason && reason.text) || '');
    } catch (_) {
      return String((reason && reason.text) || '');
    }
  }

  function churn(analytics) {
    if (!analytics || !analytics.churn_flag) return null;
    const reasons = Array.isArray(analytics.churn_reasons) ? analytics.churn_reasons : [];
    return el('div', { class: 'cv-churn', testid: 'churn-reasons', role: 'note' },
      el('div', { class: 'cv-churn-title', text: t('At risk of leaving') }),
      el('ul', {}, reasons.map((r) => el('li', { text: reasonText(r) }))));
  }

  function rfm(analytics) {
    if (!analytics || !analytics.r_score) return null;
    return el('div', { class: 'cv-rfm muted small', testid: 'rfm', title: t('Recency, frequency and monetary scores from 1 to 5') },
      t('RFM {r}·{f}·{m} · {count} orders in the window', { r: analytics.r_score, f: analytics.f_score, m: analytics.m_score, count: analytics.frequency }));
  }

  function orders(list, compact) {
    if (!Array.isArray(list) || !list.length) return [];
    const shown = list.slice(0, compact ? 2 : 5);
    return [
      el('h4', { class: 'ctx-title', text: t('Last orders') }),
      el('ol', { class: 'cv-orders', testid: 'orders' }, shown.map((o) =>
        el('li', {},
          el('span', { class: 'cv-order-date', text: fmtDate(o.ordered_at) }),
          el('span', { class: 'cv-order-id', text: o.external_id }),
          el('span', { class: 'cv-order-amount', text: `${fmtMoney(o.amount)} ${o.currency || ''}` }),
          el('span', { class: 'cv-order-lines muted small', text: (o.lines || []).map((l) => (l.quantity > 1 ? `${l.quantity}× ` : '') + l.product_id).join(', ') })))),
    ];
  }

  function offers(list) {
    if (!Array.isArray(list) || !list.length) return [];
    const KIND = { 'cross-sell': t('cross-sell'), 'up-sell': t('up-sell') };
    return [
      el('h4', { class: 'ctx-title', text: t('Offer next') }),
      el('ul', { class: 'cv-offers', testid: 'offers' }, list.map((o) =>
        el('li', {},
          el('span', { class: `chip cv-kind cv-${o.kind === 'up-sell' ? 'up' : 'cross'}`, text: KIND[o.kind] || o.kind }),
          el('span', { class: 'cv-product', text: o.name || o.product_id }),
          el('span', { class: 'cv-metrics muted small', text: t('confidence {confidence} · lift {lift}', { confidence: pct(o.confidence), lift: num(o.lift, 1) }) }),
          (o.because || []).length ? el('span', { class: 'cv-because muted small', text: t('bought {products}', { products: o.because.join(', ') }) }) : null))),
    ];
  }

  /** Nodes to add to the context panel; empty when the customer has no analytics yet. */
  function render(context, options) {
    const opts = options || {};
    const analytics = context && context.analytics;
    return [churn(analytics), opts.compact ? null : rfm(analytics), ...offers(context && context.offers), ...orders(context && context.orders, opts.compact)]
      .filter(Boolean);
  }

  return { render, reasonText };
})();
