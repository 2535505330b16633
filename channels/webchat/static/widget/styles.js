/*
 * Web chat widget: its stylesheet, put inside the shadow root by shell.js.
 */
// Styles. Everything is scoped by the shadow root; :host resets what the page would pass down.
export function STYLE() {
  return `
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  --cc-on-accent: #fff;
  --cc-text: #1f2328;
  --cc-muted: #6b7280;
  --cc-line: #e5e7eb;
  --cc-soft: #f3f4f6;
  --cc-tint: #eef2ff;
  --cc-tint: color-mix(in srgb, var(--cc-accent) 10%, #fff);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
    "PingFang SC", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Microsoft YaHei", "Malgun Gothic",
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif, "Apple Color Emoji", "Segoe UI Emoji";
  font-size: 14px; line-height: 1.45; color: var(--cc-text); text-align: left; direction: ltr;
  -webkit-font-smoothing: antialiased; letter-spacing: normal; font-weight: 400;
}
/* Traditional Chinese gets Traditional glyph forms (TC fonts) before the SC ones above. */
.root:lang(zh-Hant) {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang TC",
    "Microsoft JhengHei", "Noto Sans CJK TC", "Noto Sans CJK SC", sans-serif, "Apple Color Emoji", "Segoe UI Emoji";
}
button, input, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
button { cursor: pointer; }
button:disabled { cursor: default; }
:focus-visible { outline: 2px solid var(--cc-accent); outline-offset: 2px; }

.launcher {
  position: fixed; right: 20px; bottom: 20px; width: 58px; height: 58px; border-radius: 50%;
  border: 0; padding: 0; background: var(--cc-accent); color: var(--cc-on-accent);
  box-shadow: 0 6px 20px rgba(17, 24, 39, .22), 0 2px 6px rgba(17, 24, 39, .12);
  display: grid; place-items: center; transition: transform .18s ease, box-shadow .18s ease;
}
.launcher:hover { transform: scale(1.06); box-shadow: 0 10px 28px rgba(17, 24, 39, .26); }
.launcher:focus-visible { outline: 3px solid var(--cc-accent); outline-offset: 3px; }
.launch-icon { grid-area: 1 / 1; display: grid; place-items: center; transition: transform .2s ease, opacity .2s ease; }
.close-icon { opacity: 0; transform: rotate(-90deg) scale(.6); }
.open .open-icon { opacity: 0; transform: rotate(90deg) scale(.6); }
.open .close-icon { opacity: 1; transform: none; }
.badge {
  position: absolute; top: -3px; right: -3px; min-width: 20px; height: 20px; padding: 0 6px;
  border-radius: 10px; background: #ef4444; color: #fff; font-size: 11.5px; font-weight: 700;
  line-height: 20px; text-align: center; border: 2px solid #fff; box-sizing: content-box;
}

.panel {
  position: fixed; right: 20px; bottom: 92px; width: 380px; height: min(660px, calc(100vh - 116px));
  display: flex; flex-direction: column; overflow: hidden; background: #fff; border-radius: 18px;
  box-shadow: 0 16px 48px rgba(17, 24, 39, .22), 0 2px 8px rgba(17, 24, 39, .08);
  visibility: hidden; opacity: 0; transform: translateY(14px) scale(.98); transform-origin: bottom right;
  transition: opacity .2s ease, transform .2s ease, visibility 0s linear .2s;
}
.open .panel { visibility: visible; opacity: 1; transform: none; transition-delay: 0s; }

.header {
  display: flex; align-items: center; gap: 8px; padding: 16px 12px 16px 16px; flex: none;
  background: var(--cc-accent); color: var(--cc-on-accent);
  background-image: linear-gradient(135deg, rgba(255,255,255,.14), rgba(0,0,0,.06));
}
.avatar {
  width: 38px; height: 38px; border-radius: 50%; flex: none; display: grid; place-items: center;
  background: rgba(255,255,255,.2); font-weight: 700; font-size: 14px; position: relative;
}
.avatar.online::after {
  content: ""; position: absolute; right: 0; bottom: 0; width: 10px; height: 10px; border-radius: 50%;
  background: #22c55e; border: 2px solid var(--cc-accent);
}
.heading { flex: 1; min-width: 0; }
.title { font-size: 15.5px; font-weight: 700; line-height: 1.25; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.subtitle { font-size: 12.5px; opacity: .88; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.end {
  flex: none; border: 0; border-radius: 999px; padding: 5px 10px; font-size: 12px; font-weight: 600;
  background: rgba(255,255,255,.2); color: inherit;
}
.end:hover:not(:disabled) { background: rgba(255,255,255,.3); }
.end:disabled { opacity: .6; }
.header :focus-visible { outline-color: var(--cc-on-accent); }
.icon-btn {
  border: 0; background: transparent; color: inherit; width: 36px; height: 36px; border-radius: 10px;
  display: grid; place-items: center; padding: 0; flex: none;
}
.header .icon-btn:hover { background: rgba(255,255,255,.18); }

.statusbar {
  flex: none; padding: 7px 16px; font-size: 12.5px; text-align: center; background: #fef3c7; color: #92400e;
  border-bottom: 1px solid #fde68a;
}
.statusbar.bad { background: #fee2e2; color: #991b1b; border-bottom-color: #fecaca; font-weight: 600; font-size: 13.5px; padding: 12px 16px; }

.body { flex: 1; min-height: 0; display: flex; flex-direction: column; background: #fff; }
.view { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.center { align-items: center; justify-content: center; gap: 12px; padding: 32px; text-align: center; }
.big-icon { color: #9ca3af; }
.muted { color: var(--cc-muted); margin: 0; }
.small { font-size: 12.5px; }

.dots { display: inline-flex; gap: 5px; }
.dots span { width: 8px; height: 8px; border-radius: 50%; background: var(--cc-accent); opacity: .35; animation: cc-blink 1.2s infinite ease-in-out; }
.dots span:nth-child(2) { animation-delay: .15s; }
.dots span:nth-child(3) { animation-delay: .3s; }
.dots.small span { width: 5px; height: 5px; background: var(--cc-muted); }
@keyframes cc-blink { 0%, 80%, 100% { opacity: .25; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-2px); } }

.prechat { overflow-y: auto; padding: 18px 16px 20px; gap: 14px; background: var(--cc-soft); }
.intro .greeting-text { margin: 0; font-size: 15px; font-weight: 600; line-height: 1.4; }
.card {
  background: #fff; border-radius: 14px; padding: 16px; display: flex; flex-direction: column;
  box-shadow: 0 1px 3px rgba(17, 24, 39, .08); border: 1px solid var(--cc-line);
}
.card h2 { font-size: 15px; margin: 0 0 4px; }
.card .small { margin-bottom: 10px; }
label { font-size: 12.5px; font-weight: 600; margin: 8px 0 4px; color: #374151; }
input[type=text], input[type=email], .comment {
  width: 100%; border: 1px solid #d1d5db; border-radius: 10px; padding: 9px 11px; background: #fff;
  font-size: 14px; transition: border-color .15s, box-shadow .15s;
}
input[type=text]:focus, input[type=email]:focus, .comment:focus {
  outline: none; border-color: var(--cc-accent); box-shadow: 0 0 0 3px var(--cc-tint);
}
input[aria-invalid=true] { border-color: #dc2626; }
.field-error { color: #b91c1c; font-size: 12.5px; margin-top: 4px; }
.field-error:empty { display: none; }
.primary, .secondary {
  border-radius: 10px; padding: 10px 16px; font-weight: 600; font-size: 14px; border: 1px solid transparent;
}
.primary { background: var(--cc-accent); color: var(--cc-on-accent); }
.primary:hover:not(:disabled) { filter: brightness(1.06); }
.primary:disabled { opacity: .45; }
.secondary { background: #fff; color: var(--cc-accent); border-color: currentColor; }
.secondary:hover { background: var(--cc-tint); }
.wide { width: 100%; margin-top: 16px; }
.link { border: 0; background: none; padding: 6px 4px; color: var(--cc-muted); font-size: 13px; text-decoration: underline; text-underline-offset: 2px; }
.link:hover { color: var(--cc-text); }
.link.inline { padding: 0; font-size: inherit; color: inherit; }
.skip-row { text-align: center; margin-top: 6px; }

.chat { position: relative; }
.chat.dragging::after {
  content: attr(data-drop-label); position: absolute; inset: 8px; border: 2px dashed var(--cc-accent); border-radius: 14px;
  background: rgba(255,255,255,.88); display: grid; place-items: center; font-weight: 600; color: var(--cc-accent);
}
.messages {
  flex: 1; min-height: 0; overflow-y: auto; padding: 16px 14px 8px; display: flex; flex-direction: column;
  gap: 2px; overscroll-behavior: contain; scroll-behavior: auto;
}
.messages:focus-visible { outline-offset: -2px; }
.greeting { display: grid; grid-template-columns: 28px 1fr; gap: 8px; align-items: end; margin-bottom: 10px; }
.greeting .bubble { justify-self: start; }
.msg { display: grid; grid-template-columns: 28px minmax(0, 1fr); column-gap: 8px; margin-top: 10px; }
.msg.cont { margin-top: 2px; }
.msg.mine { grid-template-columns: minmax(0, 1fr); justify-items: end; }
.msg.theirs { justify-items: start; }
.who { grid-column: 2; font-size: 12px; color: var(--cc-muted); margin: 0 0 3px 4px; font-weight: 600; }
.msg-avatar {
  grid-column: 1; align-self: end; width: 28px; height: 28px; border-radius: 50%; background: var(--cc-tint);
  color: var(--cc-accent); display: grid; place-items: center; font-size: 11px; font-weight: 700;
}
.msg.cont .who, .msg.cont .msg-avatar { visibility: hidden; }
.msg.cont .who { display: none; }
.bubble {
  grid-column: 2; max-width: 84%; padding: 9px 13px; border-radius: 18px; background: var(--cc-soft);
  color: var(--cc-text); white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; line-break: auto;
}
.msg.theirs .bubble, .greeting .bubble { border-bottom-left-radius: 6px; }
.msg.mine .bubble { grid-column: 1; background: var(--cc-accent); color: var(--cc-on-accent); border-bottom-right-radius: 6px; }
.msg.mine.cont .bubble { border-top-right-radius: 6px; }
.msg.theirs.cont .bubble { border-top-left-radius: 6px; }
.bubble a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
.msg .bubble.only-files { background: transparent; padding: 0; }
.msg[data-state=sending] .bubble { opacity: .65; }
.msg[data-state=failed] .bubble { background: #fee2e2; color: #7f1d1d; }
.meta { grid-column: 2; font-size: 11px; color: var(--cc-muted); margin: 3px 6px 0; min-height: 0; }
.msg.mine .meta { grid-column: 1; }
.meta:empty { display: none; }
.meta .failed { color: #b91c1c; }
.msg.mine[data-state=sent]:has(+ .msg.mine.cont) .meta, .msg.theirs:has(+ .msg.theirs.cont) .meta { display: none; }
.files { display: flex; flex-direction: column; gap: 6px; }
.text + .files { margin-top: 8px; }
.image { display: block; border-radius: 14px; overflow: hidden; line-height: 0; background: var(--cc-soft); border: 1px solid var(--cc-line); }
.image img { display: block; max-width: 100%; width: auto; max-height: 220px; min-width: 60px; min-height: 40px; object-fit: cover; }
.file {
  display: flex; align-items: center; gap: 10px; padding: 10px 12px; border-radius: 12px; text-decoration: none !important;
  background: #fff; color: var(--cc-text) !important; border: 1px solid var(--cc-line); min-width: 180px;
}
.file:hover { border-color: var(--cc-accent); }
.file-icon { width: 34px; height: 34px; border-radius: 8px; background: #fee2e2; color: #b91c1c; display: grid; place-items: center; flex: none; }
.file-text { display: flex; flex-direction: column; min-width: 0; }
.file-name { font-weight: 600; font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.file-size { font-size: 11.5px; color: var(--cc-muted); }
.uploading .text { display: inline-flex; align-items: center; gap: 8px; }
.spinner {
  width: 14px; height: 14px; border-radius: 50%; border: 2px solid currentColor; border-right-color: transparent;
  animation: cc-spin .8s linear infinite; flex: none;
}
@keyframes cc-spin { to { transform: rotate(360deg); } }
.system { display: flex; align-items: center; gap: 10px; margin: 14px 4px 4px; color: var(--cc-muted); font-size: 12px; text-align: center; }
.system::before, .system::after { content: ""; flex: 1; height: 1px; background: var(--cc-line); }

.footer { flex: none; padding: 6px 12px 12px; display: flex; flex-direction: column; gap: 8px; }
.notice {
  display: flex; align-items: flex-start; gap: 8px; padding: 8px 8px 8px 12px; border-radius: 10px;
  background: #fee2e2; color: #991b1b; font-size: 12.5px;
}
.notice span { flex: 1; padding-top: 3px; }
.icon-btn.tiny { width: 24px; height: 24px; border-radius: 6px; }
.queue {
  font-size: 12.5px; padding: 8px 12px; border-radius: 10px; background: var(--cc-tint); color: #374151; text-align: center;
}
.typing { display: flex; align-items: center; gap: 8px; font-size: 12.5px; color: var(--cc-muted); padding: 0 6px; }
.composer {
  display: flex; align-items: flex-end; gap: 4px; border: 1px solid #d1d5db; border-radius: 14px; padding: 4px 4px 4px 12px;
  background: #fff; transition: border-color .15s, box-shadow .15s;
}
.composer:focus-within { border-color: var(--cc-accent); box-shadow: 0 0 0 3px var(--cc-tint); }
.composer textarea {
  flex: 1; min-width: 0; border: 0; outline: none; resize: none; padding: 8px 0; max-height: 132px;
  background: transparent; font-size: 14.5px; line-height: 1.4; overflow-y: auto;
}
.composer textarea::placeholder, input::placeholder, .comment::placeholder { color: #9ca3af; }
.tools { display: flex; gap: 2px; align-items: center; }
.tool { color: var(--cc-muted); }
.tool:hover { background: var(--cc-soft); color: var(--cc-text); }
.composer { position: relative; }
.emoji-face { font-size: 20px; line-height: 1; }
.emoji-grid {
  position: absolute; right: 8px; bottom: calc(100% + 6px); z-index: 5; display: grid; grid-template-columns: repeat(6, 40px);
  gap: 2px; padding: 8px; background: #fff; border: 1px solid var(--cc-line); border-radius: 12px; box-shadow: 0 8px 24px rgba(17, 24, 39, .15);
}
.emoji-grid[hidden] { display: none; }
.lightbox { position: absolute; inset: 0; z-index: 6; background: rgba(17, 24, 39, .88); display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 12px; padding: 16px; }
.lightbox[hidden] { display: none; }
.lightbox img { max-width: 100%; max-height: calc(100% - 64px); object-fit: contain; border-radius: 8px; background: #fff; }
.emoji { width: 40px; height: 40px; font-size: 22px; border: 0; background: none; border-radius: 8px; padding: 0; }
.emoji:hover, .emoji:focus-visible { background: var(--cc-soft); }
.send {
  width: 36px; height: 36px; border-radius: 10px; border: 0; display: grid; place-items: center; padding: 0;
  background: var(--cc-accent); color: var(--cc-on-accent); transition: opacity .15s;
}
.send:disabled { opacity: .35; }
.panel-card {
  border: 1px solid var(--cc-line); border-radius: 14px; padding: 14px; display: flex; flex-direction: column;
  gap: 10px; align-items: stretch; background: #fff; box-shadow: 0 1px 3px rgba(17, 24, 39, .06);
}
.panel-card h3 { margin: 0; font-size: 15px; text-align: center; }
.stars { display: flex; justify-content: center; gap: 4px; }
.star { border: 0; background: none; padding: 2px; color: #d1d5db; border-radius: 8px; transition: transform .12s, color .12s; }
.star svg { fill: currentColor; stroke: currentColor; stroke-width: 1; }
.star.on { color: #f59e0b; }
.star:hover { transform: scale(1.12); }
.comment { resize: vertical; min-height: 56px; max-height: 160px; }
.row { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.done { align-items: center; }
.confirm-end p { margin: 0; text-align: center; font-size: 13px; }
.confirm-end .row > * { flex: 1; }
.primary.danger { background: #b91c1c; color: #fff; }
.done.thanks h3::before { content: "✓"; display: block; margin: 0 auto 6px; width: 34px; height: 34px; line-height: 34px; border-radius: 50%; background: #dcfce7; color: #15803d; }

@media (max-width: 480px) {
  .panel { inset: 0; right: 0; bottom: 0; width: 100%; height: 100%; border-radius: 0; }
  .open .launcher { display: none; }
  .launcher { right: 16px; bottom: 16px; }
  /* 16px keeps iOS from zooming into a focused field. */
  .composer textarea, input[type=text], input[type=email], .comment { font-size: 16px; }
  .footer { padding-bottom: calc(12px + env(safe-area-inset-bottom, 0px)); }
  /* Fingers, not pointers: every control is at least 44×44 px (WCAG 2.5.5). */
  .icon-btn, .send { width: 44px; height: 44px; }
  .emoji-grid { grid-template-columns: repeat(6, 44px); }
  .emoji { width: 44px; height: 44px; }
  .end { min-height: 44px; padding-left: 14px; padding-right: 14px; }
  .composer textarea { min-height: 44px; }
  .primary, .secondary, .link, .star { min-height: 44px; min-width: 44px; }
}
@media (prefers-reduced-motion: reduce) {
  .panel, .launcher, .launch-icon { transition: none; }
  .dots span, .spinner { animation: none; }
}
`;
}
