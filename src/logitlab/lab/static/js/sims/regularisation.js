// 11. Regularisation: a warm-started path over alpha; separated data with and without penalty.
import { COLORS, sigma, h, fmt } from "../core.js";
import { Plot, probColor } from "../plot.js";
import { figure, legend, b, sgn, P, redrawer, scatterPlot, CLASS_LEGEND } from "./util.js";
import { presetSelect } from "./presets.js";

export default {
  id: "regularisation",
  short: "Regularisation",
  title: "Regularisation: shrinking the weights",
  prompt: "Scrub α along the warm-started path and watch the coefficients shrink (and hit exactly zero with L1); below, separated data fitted without a penalty, with L2 and with Firth.",
  question: "On separated data the unpenalised fit has no finite answer: what do L2 and Firth do about it, and how do their boundaries differ?",
  defaults: { preset: "overlapping", seed: 0, penalty: "l2", k: 15 },
  data: true,
  wide: true,
  mount(ctx) {
    const pad = { l: 44, r: 10, t: 8, b: 34 };
    const path = new Plot({ x: [0, 3], y: [-1, 1], aspect: 0.62, xlabel: "log₁₀(1/α)  (weaker penalty →)", ylabel: "coefficient", label: "Coefficient path over alpha", pad });
    const fitp = scatterPlot("Data and boundary at the current alpha", { aspect: 0.75 });
    ctx.mainPlot = fitp;
    const sep = scatterPlot("Separated data fitted three ways", { aspect: 0.75 });
    const table = h("table", { class: "fits", "aria-label": "Fits on separated data" });
    const warn = h("div", { class: "warnbox", role: "status", "data-k": "sep-warnings" });
    ctx.stage.append(h("div", { class: "row3" },
      figure(path, [h("strong", {}, "Path"), ": w₁ (solid), w₂ (dashed), current α (red)"]),
      figure(fitp, [h("strong", {}, "The fit at this α")]),
      figure(sep, [h("strong", {}, "Separated data"), ": none (dashed), L2 (solid), Firth (dotted)"])),
      legend([...CLASS_LEGEND, ["dash", "no penalty"], ["line", "L2 at this α"], ["dot", "Firth"]]),
      table, warn);
    ctx.panel.append(
      ctx.slider({ key: "k", label: "α step (strong → weak)", min: 0, max: 30, step: 1, digits: 0 }),
      ctx.radio({ key: "penalty", label: "penalty", options: [["l2", "L2 (ridge)"], ["l1", "L1 (lasso)"]] }),
      presetSelect(ctx),
      ctx.readouts([["alpha", "α"], ["w1", "w₁"], ["w2", "w₂"], ["accuracy", "accuracy"], ["loglik", "log-likelihood"]]));
    let data = null;
    const draw = redrawer(() => {
      for (const p of [path, fitp, sep]) p.clear();
      if (!data) { for (const p of [path, fitp, sep]) p.axes(); return; }
      const xs = data.alphas.map((a) => -Math.log10(a));
      const w1 = data.path.map((r) => r.w[0]), w2 = data.path.map((r) => r.w[1]);
      const lo = Math.min(0, ...w1, ...w2), hi = Math.max(0, ...w1, ...w2);
      path.setRange(null, [lo - 0.1 * (hi - lo + 0.1), hi + 0.1 * (hi - lo + 0.1)]);
      path.axes();
      path.hline(0, { color: COLORS.muted, width: 1 });
      path.path(xs, w1, { color: COLORS.ink, width: 2.5 });
      path.path(xs, w2, { color: COLORS.ink, width: 2.5, dash: [6, 4] });
      path.vline(-Math.log10(data.alpha), { color: COLORS.accent, width: 2 });
      const cur = data.current;
      path.dot(-Math.log10(data.alpha), cur.w[0], { color: COLORS.accent, r: 4 });
      path.dot(-Math.log10(data.alpha), cur.w[1], { color: COLORS.accent, r: 4 });
      fitp.clip(() => fitp.field((x, y) => sigma(cur.b + cur.w[0] * x + cur.w[1] * y), probColor, 5));
      fitp.axes({ grid: false });
      fitp.boundary(cur.b, cur.w[0], cur.w[1]);
      fitp.points(data.points, { size: 5 });
      sep.axes();
      const F = data.separated.fits;
      const styles = { none: { dash: [7, 4] }, l2: {}, firth: { dash: [2, 4] } };
      for (const k of ["none", "l2", "firth"]) if (F[k] && F[k].w) sep.boundary(F[k].b, F[k].w[0], F[k].w[1], { width: 2.5, ...styles[k] });
      sep.points(data.separated.points, { size: 5 });
    });
    path.onDraw = fitp.onDraw = sep.onDraw = draw;
    function fillTable() {
      const F = data.separated.fits;
      const rows = [h("tr", {}, ...["fit", "θ₀", "w₁", "w₂", "|w|", "max P", "converged"].map((t) => h("th", { scope: "col" }, t)))];
      const names = { none: "no penalty", l2: `L2, α = ${fmt(data.alpha, 4)}`, firth: "Firth" };
      const msgs = [];
      for (const k of ["none", "l2", "firth"]) {
        const f = F[k];
        if (f.error) { rows.push(h("tr", {}, h("td", {}, names[k]), h("td", { colspan: 6 }, f.error))); continue; }
        rows.push(h("tr", { "data-fit": k }, h("td", {}, names[k]),
          ...[f.b, f.w[0], f.w[1], Math.hypot(f.w[0], f.w[1])].map((v) => h("td", { "data-v": String(v) }, fmt(v, 3))),
          h("td", { "data-v": String(f.max_proba) }, f.max_proba > 0.9999 ? "≈ 1" : fmt(f.max_proba, 4)),
          h("td", {}, f.converged ? "yes" : "no")));
        for (const w of f.warnings) msgs.push(`${names[k]}: ${w}`);
        if (f.separation && f.separation.text && k === "none") msgs.push(`separation check: ${f.separation.text}`);
      }
      table.replaceChildren(...rows);
      warn.textContent = msgs.join("  ·  ");
    }
    return {
      async update() {
        const s = ctx.state;
        const out = await ctx.call("regularisation", { preset: s.preset, seed: s.seed, penalty: s.penalty, k: s.k }, "regularisation");
        data = out;
        ctx.python = out.python;
        ctx.pointsForExport = () => out.points;
        const c = out.current;
        ctx.num("alpha", out.alpha, fmt(out.alpha, 4));
        ctx.num("w1", c.w[0]);
        ctx.num("w2", c.w[1]);
        ctx.num("accuracy", c.accuracy);
        ctx.num("loglik", c.loglik);
        const pen = out.penalty === "l2" ? "(α/2)‖<var>w</var>‖₂²" : "α‖<var>w</var>‖₁";
        ctx.eq.innerHTML = P(
          `minimise −ℓ(θ)/<var>n</var> + ${pen}, α = ${b(out.alpha, 4)} <span class="note">(intercept not penalised)</span>`,
          `<var>z</var> = ${b(c.b, 3)}${sgn(c.w[0], 3)}<var>x</var>₁${sgn(c.w[1], 3)}<var>x</var>₂`,
          `${out.penalty === "l1" ? `zero coefficients: ${b(c.w.filter((w) => w === 0).length, 0)}; ` : ""}accuracy ${b(c.accuracy, 3)}, ℓ = ${b(c.loglik, 3)}`,
          `<span class="note">each fit on the path starts from the previous one (warm start)</span>`);
        fillTable();
        draw();
        ctx.ready();
      },
    };
  },
};
