/* Agent desktop: files attached to a reply — picked, pasted or dropped, uploaded to
 * /agent/attachments at once, shown as chips above the composer, and sent as tokens with
 * the reply (docs/desk.md). Images open in a lightbox in the thread.
 */
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';

export const DeskAttach = (() => {
  const { el, toast } = Dom;
  const $ = (id) => document.getElementById(id);
  const MAX_FILES = 5; // desk_attachments.MAX_FILES_PER_REPLY
  const items = []; // {id, name, state: uploading|ready|failed, file: described upload, error}
  let seq = 0;

  const csrf = () => (document.querySelector('input[name=csrf_token]') || {}).value || '';

  function render() {
    const tray = $('attach-tray');
    tray.replaceChildren(...items.map((it) => el('li', { class: `attach-chip is-${it.state}`, testid: 'attach-chip', dataset: { state: it.state } },
      el('span', { class: 'attach-name', text: it.name }),
      el('span', { class: 'attach-state', text: it.state === 'uploading' ? t('Uploading…') : it.state === 'failed' ? it.error : '' }),
      el('button', { type: 'button', class: 'attach-remove', 'aria-label': t('Remove {name}', { name: it.name }), text: '×', on: { click: () => remove(it.id) } }))));
    tray.hidden = !items.length;
  }

  function remove(id) {
    const at = items.findIndex((it) => it.id === id);
    if (at >= 0) items.splice(at, 1);
    render();
  }

  async function upload(it, file) {
    const form = new FormData();
    form.append('file', file, file.name || 'file');
    try {
      const res = await fetch('/agent/attachments', { method: 'POST', body: form, headers: { 'X-CSRF-Token': csrf() }, credentials: 'same-origin' });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error((body.error && body.error.message) || res.statusText);
      Object.assign(it, { state: 'ready', file: body });
    } catch (err) {
      Object.assign(it, { state: 'failed', error: err.message || t('The upload failed.') });
    }
    render();
  }

  function add(files) {
    for (const file of files) {
      if (items.length >= MAX_FILES) {
        toast(t('A reply can carry at most {max} files.', { max: MAX_FILES }));
        break;
      }
      const it = { id: ++seq, name: file.name || t('Pasted image'), state: 'uploading' };
      items.push(it);
      upload(it, file);
    }
    render();
  }

  const uploading = () => items.some((it) => it.state === 'uploading');
  const ready = () => items.filter((it) => it.state === 'ready').map((it) => it.file);
  function clear() {
    items.length = 0;
    render();
  }

  // -- picking, pasting, dropping ---------------------------------------------------------
  $('attach-open').replaceChildren(Dom.icon('clip')); // an icon, not 📎: not every system has an emoji font
  $('attach-open').addEventListener('click', () => $('attach-input').click());
  $('attach-input').addEventListener('change', (e) => {
    add([...e.target.files]);
    e.target.value = '';
  });
  $('composer-input').addEventListener('paste', (e) => {
    const files = [...((e.clipboardData && e.clipboardData.files) || [])];
    if (files.length) {
      e.preventDefault();
      add(files);
    }
  });
  for (const zone of [$('composer-form'), $('messages')]) {
    zone.addEventListener('dragover', (e) => {
      if (e.dataTransfer && [...e.dataTransfer.types].includes('Files') && !$('composer-input').disabled) {
        e.preventDefault();
        $('composer-form').classList.add('is-dropping');
      }
    });
    zone.addEventListener('dragleave', () => $('composer-form').classList.remove('is-dropping'));
    zone.addEventListener('drop', (e) => {
      $('composer-form').classList.remove('is-dropping');
      if (!e.dataTransfer || !e.dataTransfer.files.length || $('composer-input').disabled) return;
      e.preventDefault();
      add([...e.dataTransfer.files]);
    });
  }

  // -- lightbox -----------------------------------------------------------------------------
  let box = null;
  function lightbox(href, name) {
    if (!box) {
      box = el('div', { class: 'lightbox', testid: 'lightbox', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('Image'), hidden: true,
        on: { click: (e) => { if (e.target === box) close(); } } },
      el('img', { alt: '' }),
      el('div', { class: 'lightbox-bar' },
        el('a', { class: 'btn', target: '_blank', rel: 'noopener noreferrer', text: t('Open original') }),
        el('button', { type: 'button', class: 'btn', testid: 'lightbox-close', text: t('Close'), on: { click: () => close() } })));
      box.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
      document.body.append(box);
    }
    const img = box.querySelector('img');
    img.src = href;
    img.alt = name || '';
    box.querySelector('a').href = href;
    box.hidden = false;
    box.querySelector('[data-testid=lightbox-close]').focus();
  }
  function close() {
    if (box) box.hidden = true;
  }
  $('messages').addEventListener('click', (e) => {
    const link = e.target.closest('a.attachment-image');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    lightbox(link.href, link.title);
  });

  return { add, ready, uploading, clear };
})();
