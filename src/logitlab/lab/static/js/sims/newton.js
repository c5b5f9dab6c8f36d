// 9. Newton against gradient ascent on a one-dimensional log-likelihood.
import { COLORS, h, fmt } from "../core.js";
import { Plot } from "../plot.js";
import { figure, legend, b, P, redrawer } from "./util.js";

export default {
  id: "newton",
  short: "Newton vs gradient ascent",
  title: "Newton's method against gradient ascent",
  prompt: "Press Step: Newton follows the tangent of ℓ′ down to zero and lands near the top in a few jumps, while gradient ascent inches along; watch the errors on the log scale.",
  question: "Why does Newton's error shrink like 10⁻¹, 10⁻², 10⁻⁴, 10⁻⁸ (the exponent doubling) while gradient ascent's shrinks by a constant factor?",
  defaults: { seed: 0, theta0: -0.5, lr: 2, k: 0 },
  data: true,
  wide: true,
  mount(ctx) {
    const pad = { l: 48, r: 10, t: 8, b: 34 };
    const L = new Plot({ x: [-4, 6], y: [-3, 0], aspect: 0.55, xlabel: "θ", ylabel: "ℓ(θ) (mean)", label: "Log-likelihood with both iterates", pad });
    const D = new Plot({ x: [-4, 6], y: [-1, 1], aspect: 0.55, xlabel: "θ", ylabel: "ℓ′(θ)", label: "Derivative of the log-likelihood with Newton's tangent", pad });
    const E = new Plot({ x: [0, 10], y: [1e-12, 10], logy: true, aspect: 0.55, xlabel: "step", ylabel: "|θₖ − θ*|", label: "Error against step, logarithmic axis", pad });
    ctx.stage.append(h("div", { class: "row3" },
      figure(L, [h("strong", {}, "ℓ(θ)"), ": both climb to θ*"]),
      figure(D, [h("strong", {}, "ℓ′(θ)"), ": Newton's tangent to zero"]),
      figure(E, [h("strong", {}, "error"), " (log scale)"])),
      legend([["accent", "Newton (diamond)"], ["blue", "gradient ascent (circle)"], ["good", "θ* from the engine"]]));
    ctx.panel.append(
      h("div", { class: "buttons" },
        ctx.button("Step", () => ctx.set({ k: Math.min(maxK(), ctx.state.k + 1) }), { class: "primary", "data-action": "step1" }),
        ctx.button("×5", () => ctx.set({ k: Math.min(maxK(), ctx.state.k + 5) }), { "data-action": "step5", "aria-label": "Step ×5" }),
        ctx.button("Back", () => ctx.set({ k: Math.max(0, ctx.state.k - 1) }), { "data-action": "back" })),
      ctx.slider({ key: "theta0", label: "start θ₀", min: -4, max: 6, step: 0.1, digits: 1 }),
      ctx.slider({ key: "lr", label: "GD step α", min: 0.1, max: 20, step: 0.1, digits: 1 }),
      ctx.readouts([["k", "step k"], ["newton", "Newton θₖ"], ["gd", "GD θₖ"], ["star", "θ* (engine)"], ["nerr", "Newton error"], ["gerr", "GD error"]]));
    let data = null;
    const maxK = () => (data ? Math.max(data.newton.length, data.gd.length) - 1 : 0);
    const at = (arr, k) => arr[Math.min(k, arr.length - 1)];
    const draw = redrawer(() => {
      for (const p of [L, D, E]) p.clear();
      if (!data) { for (const p of [L, D, E]) p.axes(); return; }
      const k = ctx.state.k;
      const c = data.curve;
      L.axes();
      L.vline(data.star, { color: COLORS.good, width: 2, dash: [6, 4] });
      L.clip(() => L.path(c.theta, c.ll, { color: COLORS.ink, width: 2.5 }));
      const n = at(data.newton, k), g = at(data.gd, k);
      L.dot(g.theta, g.ll, { color: COLORS.c0, r: 6 });
      L.dot(n.theta, n.ll, { color: COLORS.accent, r: 6, shape: "diamond" });
      D.axes();
      D.hline(0, { color: COLORS.muted, width: 1 });
      D.vline(data.star, { color: COLORS.good, width: 2, dash: [6, 4] });
      D.clip(() => D.path(c.theta, c.d1, { color: COLORS.ink, width: 2.5 }));
      // tangent to l' at Newton's current theta; it crosses zero at the next Newton iterate
      if (n.d2) {
        D.curve((t) => n.d1 + n.d2 * (t - n.theta), { color: COLORS.accent, width: 1.8, dash: [5, 3] });
        const nxt = n.theta - n.d1 / n.d2;
        D.dot(nxt, 0, { color: COLORS.accent, r: 4, fill: false });
      }
      D.dot(n.theta, n.d1, { color: COLORS.accent, r: 6, shape: "diamond" });
      const allErr = [...data.newton, ...data.gd].map((r) => r.err).filter((e) => e !== null && e > 0);
      E.setRange([0, Math.max(5, maxK())], [Math.max(1e-16, Math.min(...allErr)) / 3, Math.max(...allErr) * 3]);
      E.axes();
      const errs = (arr) => arr.map((r) => (r.err === null ? null : Math.max(r.err, 1e-16)));
      E.clip(() => {
        E.path(data.gd.map((_, i) => i), errs(data.gd), { color: COLORS.c0, width: 1.2, alpha: 0.35 });
        E.path(data.newton.map((_, i) => i), errs(data.newton), { color: COLORS.accent, width: 1.2, alpha: 0.35 });
        E.path(data.gd.slice(0, k + 1).map((_, i) => i), errs(data.gd.slice(0, k + 1)), { color: COLORS.c0, width: 2.5 });
        E.path(data.newton.slice(0, k + 1).map((_, i) => i), errs(data.newton.slice(0, k + 1)), { color: COLORS.accent, width: 2.5 });
      });
      E.vline(k, { color: COLORS.muted, width: 1 });
    });
    L.onDraw = D.onDraw = E.onDraw = draw;
    let key = "";
    return {
      async update() {
        const s = ctx.state;
        const kk = `${s.seed}|${s.theta0}|${s.lr}`;
        if (kk !== key || !data) {
          const out = await ctx.call("newton", { seed: s.seed, theta0: s.theta0, lr: s.lr, steps: 30 }, "newton");
          data = out;
          key = kk;
          const lls = out.curve.ll.filter((v) => v !== null);
          L.setRange(null, [Math.max(-4, Math.min(...lls)) - 0.05, Math.max(...lls) + 0.1]);
          const d1 = out.curve.d1;
          D.setRange(null, [Math.min(...d1) * 1.1, Math.max(...d1) * 1.1]);
          ctx.pointsForExport = () => out.x.map((x, i) => [x, 0, out.y[i]]);
        }
        const k = Math.min(s.k, maxK());
        const n = at(data.newton, k), g = at(data.gd, k);
        ctx.num("k", k, String(k));
        ctx.num("newton", n.theta, fmt(n.theta, 6));
        ctx.num("gd", g.theta, fmt(g.theta, 6));
        ctx.num("star", data.star, fmt(data.star, 6));
        ctx.num("nerr", n.err);
        ctx.num("gerr", g.err);
        const diverged = data.newton.length - 1 < 30 && k >= data.newton.length - 1;
        ctx.eq.innerHTML = P(
          `Newton: θ ← θ − ℓ′(θ)/ℓ″(θ) = ${b(n.theta, 4)} − (${b(n.d1, 4)}) / (${b(n.d2, 4)})${n.d2 ? " = " + b(n.theta - n.d1 / n.d2, 5, "newton-next") : ""}`,
          `gradient ascent: θ ← θ + α ℓ′(θ) = ${b(g.theta, 4)} + ${b(data.lr, 1)} × ${b(g.d1, 4)} = ${b(g.theta + data.lr * g.d1, 5)}`,
          `ℓ(θ) = (1/<var>n</var>) Σ [<var>y</var> log σ(θ<var>x</var>) + (1 − <var>y</var>) log(1 − σ(θ<var>x</var>))], θ* = ${b(data.star, 6)}`,
          diverged ? `<span class="note">Newton left the plot: from this start the curvature is too flat and the step overshoots.</span>` : "");
        ctx.python = data.python.replace("__STEP__", String(Math.max(1, k)));
        draw();
        ctx.ready();
      },
    };
  },
};
