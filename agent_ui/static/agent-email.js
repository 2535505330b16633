/* Agent desktop: the parts of an email message beyond its text (docs/email.md).
 *
 * Subject and addresses are set as text, never as markup. The quoted history is folded
 * behind a <details>. HTML-only mail is shown from the server's nh3-sanitised copy, and
 * even that only inside an iframe with sandbox="" (no scripts, no forms, no same-origin,
 * no top navigation), so nothing in a customer's mail can run in the agent's page.
 */
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';

export const EmailView = (() => {
  const { el } = Dom;

  function header(p) {
    const rows = [];
    if (p.subject !== undefined) rows.push(el('div', { class: 'email-subject', testid: 'email-subject', text: p.subject || t('(no subject)') }));
    if (p.from) rows.push(el('div', { class: 'email-addr muted', text: t('From: {who}', { who: p.from }) }));
    if (p.cc && p.cc.length) rows.push(el('div', { class: 'email-addr muted', text: t('Cc: {who}', { who: p.cc.join(', ') }) }));
    if (p.automated) rows.push(el('div', { class: 'email-auto muted', text: t('Automated mail ({reason}); no acknowledgement was sent', { reason: p.automated }) }));
    return rows.length ? el('div', { class: 'email-head' }, rows) : null;
  }

  /** A fold whose summary says what a click does: "Show …" while closed, "Hide …" while open. */
  function fold(attrs, show, hide, ...content) {
    const summary = el('summary', { text: show });
    const box = el('details', attrs, summary, ...content);
    box.addEventListener('toggle', () => { summary.textContent = box.open ? hide : show; });
    return box;
  }

  function quoted(p) {
    if (!p.quoted) return null;
    return fold({ class: 'email-quoted', testid: 'email-quoted' }, t('Show quoted text'), t('Hide quoted text'),
      el('pre', { class: 'email-quoted-text', style: 'white-space:pre-wrap', text: p.quoted }));
  }

  function html(p) {
    if (!p.html) return null;
    const frame = el('iframe', {
      class: 'email-html', testid: 'email-html', sandbox: '', referrerpolicy: 'no-referrer',
      title: t('Formatted message'), loading: 'lazy', style: 'width:100%;min-height:240px;border:1px solid #ddd;background:#fff',
    });
    frame.srcdoc = p.html;
    return fold({ class: 'email-formatted' }, t('Show formatted message'), t('Hide formatted message'), frame);
  }

  /** Each mail attached whole (forwarded), folded: its sender, date, recipients and text. */
  function forwarded(p) {
    const list = Array.isArray(p.forwarded) ? p.forwarded : [];
    return list.map((f) => {
      const h = f.headers || {};
      const subject = h.subject || t('(no subject)');
      const lines = [];
      if (h.from) lines.push(el('div', { class: 'email-addr muted', text: t('From: {who}', { who: h.from }) }));
      if (h.date) lines.push(el('div', { class: 'email-addr muted', text: t('Date: {date}', { date: h.date }) }));
      if (h.to) lines.push(el('div', { class: 'email-addr muted', text: t('To: {who}', { who: h.to }) }));
      return el('details', { class: 'email-forwarded', testid: 'email-forwarded' },
        el('summary', { text: t('Forwarded message: {subject}', { subject }) }),
        lines,
        el('pre', { class: 'email-quoted-text', style: 'white-space:pre-wrap', text: f.text || '' }));
    });
  }

  /** Extra nodes for an email event (before its body, after its body), or nulls for other channels. */
  function parts(ev) {
    if (ev.channel !== 'email' || !ev.payload || ev.kind !== 'message') return { before: null, after: null };
    const p = ev.payload;
    if (ev.author_type !== 'customer') return { before: null, after: null };
    return { before: header(p), after: [quoted(p), html(p), ...forwarded(p)] };
  }

  return { parts };
})();
