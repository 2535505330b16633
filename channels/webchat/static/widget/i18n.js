/*
 * Web chat widget: its language and locale-aware formatting.
 *
 * Language: the script tag's data-lang, else the browser's languages, else English.
 * CATALOGUES is filled in by the hub when it serves /widget.js, from the gettext "widget"
 * domain (contact_center/i18n/locales/<locale>/LC_MESSAGES/widget.po; docs/i18n.md).
 * Strings are marked t("English {name}", { name }) so Babel's extractor finds them.
 */
import { SCRIPT } from "./env.js";

const CATALOGUES = /*cc-i18n*/ {} /*cc-i18n-end*/;
export const LOCALE = pickLocale(
  [(SCRIPT && SCRIPT.dataset && SCRIPT.dataset.lang) || ""]
    .concat(Array.from(navigator.languages || []), [navigator.language || ""])
    .filter(Boolean)
);
export const LANG = LOCALE.replace(/_/g, "-");
const MESSAGES = CATALOGUES[LOCALE] || {};

function pickLocale(tags) {
  const known = ["en"].concat(Object.keys(CATALOGUES));
  const byKey = {};
  known.forEach((k) => (byKey[k.toLowerCase()] = k));
  for (const tag of tags) {
    const key = String(tag).trim().replace(/-/g, "_").toLowerCase();
    if (!key) continue;
    if (byKey[key]) return byKey[key];
    let language = key.split("_")[0];
    let script = "";
    try {
      // zh-TW → zh-Hant-TW, zh-CN → zh-Hans-CN, zh → zh-Hans-CN (CLDR likely subtags).
      const full = new Intl.Locale(String(tag).trim().replace(/_/g, "-")).maximize();
      language = full.language;
      script = full.script || "";
    } catch (_) {
      /* not a valid tag: try its language part */
    }
    const withScript = (language + "_" + script).toLowerCase();
    if (script && byKey[withScript]) return byKey[withScript];
    if (byKey[language]) return byKey[language];
  }
  return "en";
}

export function t(message, params) {
  const found = MESSAGES[message];
  const text = typeof found === "string" && found ? found : message;
  return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;
}

export function formatNumber(n) {
  return new Intl.NumberFormat(LANG).format(n);
}

// "2 minutes" / "2分钟" / "2 分鐘".
export function formatMinutes(minutes) {
  try {
    return new Intl.NumberFormat(LANG, { style: "unit", unit: "minute", unitDisplay: "long" }).format(minutes);
  } catch (_) {
    return t("{num} min", { num: minutes });
  }
}

export function formatTime(iso) {
  if (!iso) return "";
  // The server writes UTC; a timestamp without an offset would otherwise be read as local time.
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z";
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return "";
  const sameDay = date.toDateString() === new Date().toDateString();
  const opts = sameDay ? { hour: "numeric", minute: "2-digit" } : { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
  return new Intl.DateTimeFormat(LANG, opts).format(date);
}
