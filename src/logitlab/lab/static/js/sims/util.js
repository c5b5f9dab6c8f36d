// Helpers shared by the simulations.
import { h, fmt } from "../core.js";
import { Plot } from "../plot.js";

export function figure(plot, caption) {
  return h("figure", {}, caption ? h("figcaption", {}, ...[].concat(caption)) : null, plot.canvas);
}
export function legend(items) {
  return h("div", { class: "legend" }, ...items.map(([cls, text]) => h("span", { class: "key" }, h("span", { class: "sw " + cls }), text)));
}
export const CLASS_LEGEND = [["c0", "class 0 (blue circle)"], ["c1", "class 1 (orange triangle)"]];
export const DOMAIN = { x: [-4, 4], y: [-3, 3] };
export function scatterPlot(label, extra = {}) {
  return new Plot({ x: DOMAIN.x, y: DOMAIN.y, aspect: 0.75, xlabel: "x₁", ylabel: "x₂", label, pad: { l: 34, r: 10, t: 10, b: 30 }, ...extra });
}
// number in an equation, with the full value kept for tests
export const b = (x, d = 2, key = "") => `<b${key ? ` data-k="eq-${key}" data-v="${x}"` : ""}>${fmt(x, d)}</b>`;
export const sgn = (x, d = 2) => (x < 0 ? " − " + b(-x, d) : " + " + b(x, d));
export const P = (...lines) => lines.map((l) => `<p>${l}</p>`).join("");
// Points of a server response, with the index nearest to pixel (px, py) within r pixels.
export function nearest(plot, pts, px, py, r = 12) {
  let best = -1, bd = r * r;
  pts.forEach((p, i) => {
    const dx = plot.sx(p[0]) - px, dy = plot.sy(p[1]) - py;
    const d = dx * dx + dy * dy;
    if (d <= bd) { bd = d; best = i; }
  });
  return best;
}
// requestAnimationFrame-coalesced redraw
export function redrawer(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fn(); });
  };
}
