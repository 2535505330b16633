/* Agent desktop: the composer — Enter to send, reply/note mode, canned replies, typing frames. */
import { DeskAttach } from './agent-attach.js';
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';

export class Composer {
  static TYPING_REPEAT_MS = 2000; // resend "typing" at most this often while keys are pressed
  static TYPING_IDLE_MS = 3000; // then "stopped typing" after this much quiet

  /** hooks: send(body, internal) → bool, typing(state), canned() → [{shortcut,title,body}] */
  constructor(hooks) {
    this.hooks = hooks;
    this.form = document.getElementById('composer-form');
    this.input = document.getElementById('composer-input');
    this.toggle = document.getElementById('note-toggle');
    this.modeLabel = document.getElementById('composer-mode');
    this.sendBtn = document.getElementById('send');
    this.list = document.getElementById('canned');
    this.conv = null;
    this.noteOnly = false;
    this.matches = [];
    this.active = 0;
    this.typingSentAt = 0;
    this.idleTimer = null;

    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('input', () => this.onInput());
    this.input.addEventListener('blur', () => setTimeout(() => {
      if (document.activeElement !== this.input) this.hideCanned();
    }, 150));
    this.toggle.addEventListener('change', () => this.applyMode());
  }

  get internal() {
    return this.toggle.checked;
  }

  /** Switch to another conversation, keeping each one's unsent draft and mode. */
  attach(conv) {
    // Compared by id: a fresh snapshot replaces the object but must not wipe what is being typed.
    const same = !!this.conv && !!conv && this.conv.id === conv.id;
    if (this.conv && !same) {
      this.conv.draft = { text: this.input.value, note: this.toggle.checked };
      this.stopTyping();
    }
    if (!same) {
      const draft = (conv && conv.draft) || { text: '', note: false };
      this.input.value = draft.text;
      this.toggle.checked = draft.note;
      this.noteOnly = false;
      this.hideCanned();
    }
    this.conv = conv;
    this.refresh();
  }

  /** Re-read what the conversation allows: full replies, notes only, or nothing. */
  refresh() {
    const conv = this.conv;
    const closed = !conv || conv.interaction.status === 'closed';
    const wasNoteOnly = this.noteOnly;
    this.noteOnly = !closed && !conv.canReply();
    if (this.noteOnly) this.toggle.checked = true;
    else if (wasNoteOnly && !closed) this.toggle.checked = false; // e.g. a watched chat was transferred to us
    this.toggle.disabled = closed || this.noteOnly;
    this.input.disabled = closed;
    this.sendBtn.disabled = closed;
    for (const id of ['emoji-open', 'attach-open']) {
      const button = document.getElementById(id);
      if (button) button.disabled = closed;
    }
    this.applyMode();
  }

  applyMode() {
    const note = this.internal;
    this.form.classList.toggle('is-note', note);
    const closed = this.input.disabled;
    if (closed) {
      this.modeLabel.textContent = t('Conversation closed');
      this.input.placeholder = t('This conversation is closed.');
    } else if (note) {
      this.modeLabel.textContent = !this.noteOnly ? t('Internal note · only your team sees this')
        : this.conv.status === 'wrapup' ? t('The customer has left · internal notes only')
          : t('You do not hold this chat · internal notes only');
      this.input.placeholder = t('Write an internal note for your team…');
    } else {
      this.modeLabel.textContent = t('Reply to customer');
      this.input.placeholder = t('Type a reply…');
    }
    this.sendBtn.textContent = note ? t('Add note') : t('Send');
    if (note) this.stopTyping();
  }

  focus() {
    if (!this.input.disabled) this.input.focus();
  }

  submit() {
    const body = this.input.value;
    const attach = typeof DeskAttach === 'undefined' ? null : DeskAttach;
    if (attach && attach.uploading()) {
      Dom.toast(t('Wait until the files have finished uploading.'), 'info');
      return;
    }
    const files = attach ? attach.ready() : [];
    if ((!body.trim() && !files.length) || this.input.disabled) return;
    if (this.hooks.send(body, this.internal, files)) {
      if (attach) attach.clear();
      this.input.value = '';
      this.hideCanned();
      this.stopTyping();
    }
  }

  onKey(e) {
    if (!this.list.hidden && this.matches.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        this.active = (this.active + step + this.matches.length) % this.matches.length;
        this.renderCanned();
        return;
      }
      if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey)) {
        e.preventDefault();
        this.insertCanned(this.matches[this.active]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        this.hideCanned();
        return;
      }
    }
    // isComposing: Enter that confirms a CJK input-method candidate must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      this.submit();
    }
  }

  onInput() {
    this.updateCanned();
    if (this.input.value.trim()) this.startTyping();
    else this.stopTyping();
  }

  // -- canned replies -------------------------------------------------------------
  updateCanned() {
    const m = /^\/(\S*)$/.exec(this.input.value);
    if (!m) {
      this.hideCanned();
      return;
    }
    const q = m[1].toLowerCase();
    const all = this.hooks.canned() || [];
    this.matches = all.filter((c) => c.shortcut.toLowerCase().startsWith(q))
      .concat(all.filter((c) => !c.shortcut.toLowerCase().startsWith(q)
        && (c.shortcut.toLowerCase().includes(q) || (c.title || '').toLowerCase().includes(q))));
    this.active = 0;
    if (!this.matches.length) {
      this.hideCanned();
      return;
    }
    this.renderCanned();
  }

  renderCanned() {
    const { el, clear } = Dom;
    clear(this.list);
    this.matches.forEach((c, i) => {
      this.list.append(el('li', {
        class: 'canned-item' + (i === this.active ? ' active' : ''),
        role: 'option',
        'aria-selected': i === this.active ? 'true' : 'false',
        testid: 'canned-item',
        on: { mousedown: (e) => { e.preventDefault(); this.insertCanned(c); } },
      },
      el('span', { class: 'canned-shortcut', text: '/' + c.shortcut }),
      el('span', { class: 'canned-title', text: c.title || '' }),
      el('span', { class: 'canned-body', text: c.body })));
    });
    this.list.hidden = false;
  }

  insertCanned(c) {
    if (!c) return;
    this.input.value = c.body;
    this.hideCanned();
    this.input.focus();
    this.input.setSelectionRange(c.body.length, c.body.length);
    this.startTyping();
  }

  hideCanned() {
    this.list.hidden = true;
    this.matches = [];
  }

  // -- typing -------------------------------------------------------------------------
  startTyping() {
    // A note is for colleagues; the customer's widget must never think a reply is coming.
    if (this.internal || !this.conv || !this.conv.canReply()) return;
    const now = Date.now();
    if (now - this.typingSentAt > Composer.TYPING_REPEAT_MS) {
      this.typingSentAt = now;
      this.hooks.typing(this.conv, true);
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), Composer.TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.idleTimer);
    if (this.typingSentAt && this.conv) this.hooks.typing(this.conv, false);
    this.typingSentAt = 0;
  }
}
