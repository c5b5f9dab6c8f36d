// Core of the lab page: DOM helpers, the JSON API client, number formatting, URL-hash state.
// The page computes nothing it learns or measures: every such number comes from the server.

export const COLORS = {
  c0: "#0072B2", // blue, class 0, circles
  c1: "#E69F00", // orange, class 1, triangles
  c2: "#CC79A7", // reddish purple, third class, squares
  ink: "#1d2430",
  muted: "#5b6473",
  grid: "#e3e6ea",
  accent: "#D55E00", // vermillion: mistakes, Newton
  good: "#009E73", // bluish green: optimum
};
export const CLASS_COLORS = [COLORS.c0, COLORS.c1, COLORS.c2];
export const CLASS_NAMES = ["class 0", "class 1", "class 2"];

// ---- DOM -------------------------------------------------------------------------------------
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// ---- numbers ---------------------------------------------------------------------------------
export function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  const ax = Math.abs(x);
  let s;
  if (ax !== 0 && (ax >= 1e5 || ax < 1e-3)) s = x.toExponential(2);
  else s = x.toFixed(digits);
  return s.replace("-", "−");
}
export const pct = (x) => (x === null || x === undefined ? "—" : (100 * x).toFixed(1) + "%");
export const signed = (x, d = 2) => (x < 0 ? " − " + fmt(-x, d) : " + " + fmt(x, d));

// A read-out: the displayed text is rounded, the full value sits in data-v for tests.
export function setNum(el, value, text) {
  if (!el) return;
  el.dataset.v = value === null || value === undefined ? "" : String(value);
  el.textContent = text !== undefined ? text : fmt(value);
}

// The sigmoid, for drawing and smooth dragging only; tests check it against predict_proba.
export function sigma(z) {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

// ---- API -------------------------------------------------------------------------------------
export class ApiError extends Error {}

// One request in flight per channel: a newer call aborts the older one ("latest wins").
const inflight = new Map();
export const pendingRequests = () => inflight.size;
export async function api(name, params, channel = name) {
  const prev = inflight.get(channel);
  if (prev) prev.abort();
  const ctl = new AbortController();
  inflight.set(channel, ctl);
  try {
    const res = await fetch("/api/" + name, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(params),
      signal: ctl.signal,
    });
    const body = await res.json();
    if (!res.ok) throw new ApiError(body.error || res.statusText);
    return body;
  } catch (err) {
    if (err.name === "AbortError") return new Promise(() => {}); // superseded: never settles
    throw err;
  } finally {
    if (inflight.get(channel) === ctl) inflight.delete(channel);
  }
}

// ---- URL hash state: #/sim?key=value&... -------------------------------------------------------
export function parseHash(hash) {
  const m = /^#\/?([a-z0-9_-]*)\??(.*)$/i.exec(hash || "");
  if (!m) return { sim: "", params: {} };
  const params = {};
  for (const [k, v] of new URLSearchParams(m[2])) params[k] = v;
  return { sim: m[1], params };
}

export function encodePoints(points) {
  return points.map((p) => `${+p[0].toFixed(2)},${+p[1].toFixed(2)},${p[2]}`).join(";");
}
export function decodePoints(s) {
  if (!s) return null;
  const out = [];
  for (const part of s.split(";")) {
    const v = part.split(",").map(Number);
    if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) return null;
    out.push([v[0], v[1], Math.round(v[2])]);
  }
  return out;
}

// Typed state: the defaults say which type each key has.
export function stateFromParams(defaults, params) {
  const s = { ...defaults };
  for (const [k, d] of Object.entries(defaults)) {
    if (!(k in params)) continue;
    const raw = params[k];
    if (k === "pts") s.pts = decodePoints(raw);
    else if (typeof d === "number") {
      const v = Number(raw);
      if (Number.isFinite(v)) s[k] = v;
    } else if (typeof d === "boolean") s[k] = raw === "1" || raw === "true";
    else s[k] = raw;
  }
  return s;
}

export function hashFromState(sim, state, defaults) {
  const q = new URLSearchParams();
  for (const k of Object.keys(defaults)) {
    const v = state[k];
    if (v === null || v === undefined) continue;
    if (k === "pts") q.set("pts", encodePoints(v));
    else if (typeof v === "boolean") q.set(k, v ? "1" : "0");
    else if (typeof v === "number") q.set(k, String(+v.toFixed(4)));
    else q.set(k, v);
  }
  const qs = q.toString().replace(/%2C/g, ",").replace(/%3B/g, ";");
  return `#/${sim}${qs ? "?" + qs : ""}`;
}

// ---- points import / export --------------------------------------------------------------------
export function pointsToCSV(points) {
  return "x1,x2,label\n" + points.map((p) => `${p[0]},${p[1]},${p[2]}`).join("\n") + "\n";
}
export function pointsToJSON(points) {
  return JSON.stringify({ points }, null, 1);
}
export function parsePoints(text, nClasses = 2) {
  text = (text || "").trim();
  if (!text) throw new Error("nothing to import");
  let rows;
  if (text[0] === "[" || text[0] === "{") {
    let obj;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new Error("not valid JSON: " + e.message);
    }
    rows = Array.isArray(obj) ? obj : obj.points;
    if (!Array.isArray(rows)) throw new Error('JSON must be a list of [x1, x2, label] or {"points": [...]}');
    rows = rows.map((r) => (Array.isArray(r) ? r : [r.x1, r.x2, r.label ?? r.y]));
  } else {
    rows = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !/^[a-z_]/i.test(l))
      .map((l) => l.split(/[,;\t ]+/).map(Number));
  }
  if (rows.length > 1000) throw new Error(`${rows.length} points: the lab takes at most 1000`);
  rows.forEach((r, i) => {
    if (r.length !== 3 || r.some((v) => typeof v !== "number" || !Number.isFinite(v)))
      throw new Error(`row ${i + 1}: expected three numbers x1, x2, label`);
    if (!Number.isInteger(r[2]) || r[2] < 0 || r[2] >= nClasses)
      throw new Error(`row ${i + 1}: label must be one of 0..${nClasses - 1}`);
  });
  if (!rows.length) throw new Error("no points found");
  return rows.map((r) => [r[0], r[1], r[2]]);
}
