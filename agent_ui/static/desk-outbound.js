/* Agent desktop: "New message" starts an SMS or email to a customer (issue 17).
 *
 * Posts to POST /agent/outbound (JSON, the session's CSRF token in X-CSRF-Token). The
 * new conversation then arrives over the agent socket like an accepted offer, so this
 * file only collects the form and shows the server's answer. See docs/outbound.md.
 */
import { Dom } from './agent-dom.js';
import { I18n } from './agent-i18n.js';

(() => {
  const { t } = I18n;
  const opener = document.getElementById('outbound-open');
  const dialog = document.getElementById('outbound-dialog');
  if (!opener || !dialog) return;
  const form = dialog.querySelector('form');
  const channel = form.elements.namedItem('channel');
  const subjectRow = dialog.querySelector('[data-outbound-subject]');
  const status = dialog.querySelector('[data-outbound-status]');

  const showSubject = () => { subjectRow.hidden = channel.value !== 'email'; };
  channel.addEventListener('change', showSubject);
  opener.addEventListener('click', () => {
    status.textContent = '';
    showSubject();
    dialog.showModal();
    form.elements.namedItem('to').focus();
  });
  dialog.querySelector('[data-outbound-cancel]').addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    status.textContent = t('Sending…');
    let response;
    try {
      response = await fetch('/agent/outbound', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': form.dataset.csrf },
        body: JSON.stringify(data),
      });
    } catch (_err) {
      status.textContent = t('Not sent: the server could not be reached.');
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = (answer.error && answer.error.message) || t('Not sent.');
      return;
    }
    form.reset();
    dialog.close();
    Dom.toast(t('Message sent. The conversation is in your list.'), 'info');
  });
})();
