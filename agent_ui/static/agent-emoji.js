/* Agent desktop: the emoji picker next to the composer. The set is written here, so
 * nothing loads from another site; the emoji themselves are the buttons' names, which
 * screen readers speak.
 */
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';

export const EmojiPicker = (() => {
  const { el } = Dom;
  const EMOJI = ['😀', '😊', '🙂', '😉', '😂', '😅', '😍', '🤔', '😮', '😢', '🙁', '😞',
    '🙏', '👍', '👎', '👌', '👏', '🙌', '💪', '👋', '🤝', '🎉', '✅', '❌',
    '⚠️', '❤️', '⭐', '🔥', '💡', '📦', '🚚', '📧', '📞', '💳', '🧾', '🔒', '⏰', '📅'];

  /** Insert text at the caret of a textarea and let its listeners know. */
  function insertAtCaret(input, text) {
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    input.setSelectionRange(start + text.length, start + text.length);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function attach(button, input) {
    const grid = el('div', { class: 'emoji-grid', role: 'group', 'aria-label': t('Emoji'), testid: 'emoji-grid', hidden: true },
      EMOJI.map((e) => el('button', { type: 'button', class: 'emoji', text: e, testid: 'emoji',
        on: { click: () => { insertAtCaret(input, e); close(); input.focus(); } } })));
    button.after(grid);
    const close = () => {
      grid.hidden = true;
      button.setAttribute('aria-expanded', 'false');
    };
    button.setAttribute('aria-expanded', 'false');
    button.addEventListener('click', () => {
      grid.hidden = !grid.hidden;
      button.setAttribute('aria-expanded', String(!grid.hidden));
      if (!grid.hidden) grid.querySelector('button').focus();
    });
    grid.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        close();
        button.focus();
      }
    });
    document.addEventListener('pointerdown', (e) => { if (!grid.hidden && !grid.contains(e.target) && e.target !== button) close(); });
    return { close };
  }

  return { attach, insertAtCaret };
})();

EmojiPicker.attach(document.getElementById('emoji-open'), document.getElementById('composer-input'));
