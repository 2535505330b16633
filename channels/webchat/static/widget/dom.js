/*
 * Web chat widget: small DOM helpers — h() builds elements with text and attributes only
 * (never markup), icon() draws the SVG icons — and display helpers for colours, links,
 * file sizes and initials.
 */
import { el } from "/static/ui-core.js";
import { ORIGIN } from "./env.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  chat: "M21 11.5a8.4 8.4 0 0 1-9 8.4 9.2 9.2 0 0 1-3.9-.9L3 20.5l1.5-4.6A8.4 8.4 0 0 1 12 3.1a8.4 8.4 0 0 1 9 8.4z",
  down: "M6 9l6 6 6-6",
  close: "M18 6L6 18|M6 6l12 12",
  clip: "M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5",
  send: "M12 19V5|M5 12l7-7 7 7",
  file: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z|M14 2v6h6",
  star: "M12 2.5l2.9 6 6.6.9-4.8 4.6 1.2 6.5L12 17.4l-5.9 3.1 1.2-6.5-4.8-4.6 6.6-.9z",
  offline: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z|M4.9 4.9l14.2 14.2",
  headset: "M3 18v-6a9 9 0 0 1 18 0v6|M21 19a2 2 0 0 1-2 2h-1a2 2 0 0 1-2-2v-3a2 2 0 0 1 2-2h3z|M3 19a2 2 0 0 0 2 2h1a2 2 0 0 0 2-2v-3a2 2 0 0 0-2-2H3z",
};

// The one element builder of the hub's pages (ui-core.js): text only through textContent.
export const h = el;

export function icon(name, size = 20) {
  const svg = document.createElementNS(SVG_NS, "svg");
  const attrs = {
    viewBox: "0 0 24 24", width: size, height: size, fill: "none", stroke: "currentColor",
    "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round",
    "aria-hidden": "true", focusable: "false",
  };
  for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, String(v));
  for (const d of ICONS[name].split("|")) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

// White or near-black text, whichever reads better on the configured colour (resolved inside root).
export function readableOn(color, root) {
  const probe = document.createElement("span");
  probe.style.color = color;
  root.append(probe);
  const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || ["79", "70", "229"]).map(Number);
  probe.remove();
  const lin = rgb.slice(0, 3).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return luminance > 0.45 ? "#111827" : "#ffffff";
}

export function absoluteUrl(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url, ORIGIN);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch (_) {
    return null;
  }
}

export function formatBytes(n) {
  if (!(n >= 0)) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  const mb = n / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1).replace(/\.0$/, "")} MB`;
}

export function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return "?";
  const first = Array.from(parts[0])[0] || "";
  const last = parts.length > 1 ? Array.from(parts[parts.length - 1])[0] || "" : "";
  return (first + last).toUpperCase();
}
