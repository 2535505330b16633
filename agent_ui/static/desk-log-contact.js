/* Agent desktop: "Log a contact" records a phone call, visit or letter that came through
 * no channel, with a category and a note (issue 17).
 *
 * Posts to POST /agent/contacts (JSON, the session's CSRF token in X-CSRF-Token); the
 * contact lands on the customer's timeline as a closed interaction. See
 * docs/logged-contacts.md.
 */
import { Dom } from './agent-dom.js';
import { I18n } from './agent-i18n.js';

(() => {
  const { t } = I18n;
  const opener = document.getElementById('log-contact-open');
  const dialog = document.getElementById('log-contact-dialog');
  if (!opener || !dialog) return;
  const form = dialog.querySelector('form');
  const status = dialog.querySelector('[data-log-status]');

  opener.addEventListener('click', () => {
    status.textContent = '';
    dialog.showModal();
    form.elements.namedItem('customer').focus();
  });
  dialog.querySelector('[data-log-cancel]').addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    status.textContent = t('Saving…');
    let response;
    try {
      response = await fetch('/agent/contacts', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': form.dataset.csrf },
        body: JSON.stringify(data),
      });
    } catch (_err) {
      status.textContent = t('Not saved: the server could not be reached.');
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = (answer.error && answer.error.message) || t('Not saved.');
      return;
    }
    form.reset();
    dialog.close();
    Dom.toast(t('The contact is on the customer’s timeline.'), 'info');
  });
})();
