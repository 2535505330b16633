/* Translations and locale-aware formatting for the agent desktop and admin pages.
 *
 *   t('Transferred to {queue}', { queue: name })      → the current language
 *   tn('{num} conversation', '{num} conversations', n) → plural-aware
 *   I18n.dateTime(iso), I18n.time(iso), I18n.number(n), I18n.duration(seconds)
 *
 * The catalogue is rendered by the server into <script type="application/json"
 * id="cc-i18n"> from the same gettext .po files as the Python and template strings
 * (contact_center/i18n). Strings are extracted by Babel's javascript extractor with
 * the keywords `t` and `tn:1,2`, so the first argument must be one plain string literal.
 * An ES module: the page scripts import { t, tn, I18n } from it.
 */
let config = { locale: 'en', lang: 'en', timezone: null, messages: {} };
const node = document.getElementById('cc-i18n');
if (node) {
  try {
    config = Object.assign(config, JSON.parse(node.textContent || '{}'));
  } catch (err) {
    console.error('i18n: unreadable catalogue, falling back to English', err);
  }
}
// The agent's stored time zone wins; otherwise the browser's own.
const timeZone = (() => {
  const wanted = config.timezone || undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: wanted });
    return wanted;
  } catch (_err) {
    return undefined;
  }
})();
const lang = config.lang || 'en';

const fill = (text, params) =>
  params ? String(text).replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole)) : String(text);

export const t = (message, params) => {
  const found = config.messages[message];
  return fill(typeof found === 'string' && found ? found : message, params);
};

const plurals = new Intl.PluralRules(lang);
export const tn = (singular, plural, n, params) => {
  const all = Object.assign({ num: I18n.number(n) }, params || {});
  const forms = config.messages[singular];
  if (Array.isArray(forms) && forms.length) {
    // gettext orders forms like CLDR for the languages we ship: one form (zh) or one/other (en).
    const index = forms.length === 1 ? 0 : plurals.select(n) === 'one' ? 0 : Math.min(1, forms.length - 1);
    return fill(forms[index], all);
  }
  return fill(n === 1 ? singular : plural, all);
};

const asDate = (value) => (value instanceof Date ? value : new Date(value));
const fmt = (options) => new Intl.DateTimeFormat(lang, Object.assign({ timeZone }, options));
const cache = new Map();
const cached = (key, options) => {
  if (!cache.has(key)) cache.set(key, fmt(options));
  return cache.get(key);
};

export const I18n = {
  locale: config.locale,
  lang,
  timeZone,
  t,
  tn,
  number: (n) => new Intl.NumberFormat(lang).format(n),
  dateTime: (value) => cached('dt', { dateStyle: 'medium', timeStyle: 'short' }).format(asDate(value)),
  date: (value) => cached('d', { dateStyle: 'medium' }).format(asDate(value)),
  time: (value) => cached('t', { hour: 'numeric', minute: '2-digit' }).format(asDate(value)),
  // "2 minutes" / "2分钟": the largest whole unit, like Babel's format_timedelta on the server.
  duration: (seconds) => {
    const s = Math.max(0, Math.round(Number(seconds) || 0));
    const [value, unit] = s < 60 ? [s, 'second'] : s < 3600 ? [Math.round(s / 60), 'minute'] : [Math.round(s / 3600), 'hour'];
    try {
      return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
    } catch (_err) {
      return `${value} ${unit}${value === 1 ? '' : 's'}`;
    }
  },
  relative: (value) => {
    const diff = Math.round((asDate(value).getTime() - Date.now()) / 1000);
    const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
    const abs = Math.abs(diff);
    if (abs < 60) return rtf.format(diff, 'second');
    if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
    if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
    return rtf.format(Math.round(diff / 86400), 'day');
  },
};

