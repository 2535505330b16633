/* Agent desktop: the parts of an email message beyond its text (docs/email.md).
 *
 * Subject and addresses are set as text, never as markup. The quoted history is folded
 * behind a <details>. HTML-only mail is shown from the server's nh3-sanitised copy, and
 * even that only inside an iframe with sandbox="" (no scripts, no forms, no same-origin,
 * no top navigation), so nothing in a customer's mail can run in the agent's page.
 */
'use strict';

const EmailView = (() => {
  const { el } = Dom;

  function header(p) {
    const rows = [];
    if (p.subject !== undefined) rows.push(el('div', { class: 'email-subject', testid: 'email-subject', text: p.subject || t('(no subject)') }));
    if (p.from) rows.push(el('div', { class: 'email-addr muted', text: t('From: {who}', { who: p.from }) }));
    if (p.cc && p.cc.length) rows.push(el('div', { class: 'email-addr muted', text: t('Cc: {who}', { who: p.cc.join(', ') }) }));
    if (p.automated) rows.push(el('div', { class: 'email-auto muted', text: t('Automated mail ({reason}); no acknowledgement was sent', { reason: p.automated }) }));
    return rows.length ? el('div', { class: 'email-head' }, rows) : null;
  }

  function quoted(p) {
    if (!p.quoted) return null;
    return el('details', { class: 'email-quoted', testid: 'email-quoted' },
      el('summary', { text: t('Show quoted text') }),
      el('pre', { class: 'email-quoted-text', style: 'white-space:pre-wrap', text: p.quoted }));
  }

  function html(p) {
    if (!p.html) return null;
    const frame = el('iframe', {
      class: 'email-html', testid: 'email-html', sandbox: '', referrerpolicy: 'no-referrer',
      title: t('Formatted message'), loading: 'lazy', style: 'width:100%;min-height:240px;border:1px solid #ddd;background:#fff',
    });
    frame.srcdoc = p.html;
    return el('details', { class: 'email-formatted' }, el('summary', { text: t('Show formatted message') }), frame);
  }

  /** Extra nodes for an email event (before its body, after its body), or nulls for other channels. */
  function parts(ev) {
    if (ev.channel !== 'email' || !ev.payload || ev.kind !== 'message') return { before: null, after: null };
    const p = ev.payload;
    if (ev.author_type !== 'customer') return { before: null, after: null };
    return { before: header(p), after: [quoted(p), html(p)] };
  }

  return { parts };
})();
