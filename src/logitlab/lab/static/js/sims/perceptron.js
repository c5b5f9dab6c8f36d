// 7. The perceptron: one point per step, updates only on mistakes, rewind to any step.
import { COLORS, h } from "../core.js";
import { Plot } from "../plot.js";
import { figure, legend, b, sgn, P, redrawer } from "./util.js";

export default {
  id: "perceptron",
  short: "The perceptron",
  title: "The perceptron: learning driven by mistakes",
  prompt: "Press Step to show the perceptron one point at a time: the line jumps only when the point is misclassified. Then make the data non-separable and watch it never settle.",
  question: "What happens to the number of updates per pass when one point makes the classes non-separable?",
  defaults: { seed: 1, nonsep: false, step: 0 },
  data: true,
  mount(ctx) {
    const plot = new Plot({ x: [-1, 4.5], y: [-1, 3], aspect: 0.727, xlabel: "x₁", ylabel: "x₂", label: "Perceptron boundary and the point of the current step", pad: { l: 34, r: 10, t: 10, b: 30 } });
    ctx.mainPlot = plot;
    const upd = new Plot({ x: [0, 10], y: [0, 1], aspect: 0.32, xlabel: "step", ylabel: "updates", label: "Cumulative updates against step", pad: { l: 44, r: 10, t: 8, b: 34 } });
    const rewind = h("input", { type: "range", min: 0, max: 0, step: 1, value: 0, id: "c-perceptron-rewind", "data-key": "step", "aria-label": "Rewind to any step" });
    const rewindOut = h("output", { "data-k": "rewind-step" }, "0");
    ctx.stage.append(
      figure(plot, [h("strong", {}, "Dashed ring"), ": the point of this step · ", h("strong", {}, "red ring"), ": a mistake, which moves the line (grey: the line before)"]),
      figure(upd, [h("strong", {}, "Updates so far"), " — flat once the perceptron has converged"]),
      h("div", { class: "scrub" }, h("label", { for: "c-perceptron-rewind" }, "rewind"), rewind, rewindOut),
      legend([["c0", "class 0"], ["c1", "class 1"], ["line", "boundary now"], ["dash", "boundary before the step"]]));
    const nonsepBtn = ctx.button("Make non-separable", () => ctx.set({ nonsep: !ctx.state.nonsep, step: 0 }), { "data-action": "nonsep", "aria-pressed": String(ctx.state.nonsep) });
    ctx.controls.nonsep = { sync(v) { nonsepBtn.setAttribute("aria-pressed", String(!!v)); nonsepBtn.textContent = v ? "Make separable again" : "Make non-separable"; } };
    ctx.controls.nonsep.sync(ctx.state.nonsep);
    ctx.panel.append(
      h("div", { class: "buttons" },
        ctx.button("Step", () => go(1), { class: "primary", "data-action": "step1" }),
        ctx.button("×10", () => go(10), { "data-action": "step10", "aria-label": "Step ×10" }),
        ctx.button("One pass", () => go(data ? data.n : 1), { "data-action": "pass" }),
        ctx.button("×500", () => go(500), { "data-action": "step500", "aria-label": "Step ×500" }),
        nonsepBtn),
      ctx.readouts([["step", "step"], ["pass", "pass"], ["pass_mistakes", "mistakes this pass"], ["updates", "updates"], ["converged", "converged after step"]]));
    let data = null;
    const cur = () => Math.min(ctx.state.step, data ? data.steps : 0);
    const draw = redrawer(() => {
      plot.clear();
      plot.axes();
      if (!data) return;
      const t = cur();
      const th = data.theta[t];
      if (t > 0) {
        const prev = data.theta[t - 1];
        if (data.mistake[t - 1]) plot.boundary(prev[0], prev[1], prev[2], { color: COLORS.muted, width: 2, dash: [6, 4] });
      }
      plot.boundary(th[0], th[1], th[2]);
      const ring = new Set();
      if (t > 0 && data.mistake[t - 1]) ring.add(data.index[t - 1]);
      plot.points(data.points, { ring, highlight: t > 0 ? data.index[t - 1] : null });
      upd.clear();
      const span = Math.min(data.steps, Math.max(100, 2 * (data.converged_step || 0), Math.ceil(1.3 * t)));
      upd.setRange([0, span], [0, Math.max(1, data.updates[span - 1]) * 1.1]);
      upd.axes();
      const xs = data.updates.map((_, i) => i + 1);
      upd.clip(() => upd.path(xs, data.updates, { color: COLORS.c0, width: 2 }));
      upd.vline(Math.max(t, 0), { color: COLORS.accent, width: 1.5 });
    });
    plot.onDraw = upd.onDraw = draw;
    function go(k) {
      if (!data) return;
      ctx.set({ step: Math.min(data.steps, cur() + k) });
    }
    rewind.addEventListener("input", () => ctx.set({ step: +rewind.value }));
    function show() {
      const t = cur();
      rewind.max = String(data.steps);
      rewind.value = String(t);
      rewindOut.textContent = String(t);
      const th = data.theta[t];
      ctx.num("step", t, String(t));
      ctx.num("pass", t ? data.epoch[t - 1] + 1 : 0, String(t ? data.epoch[t - 1] + 1 : 0));
      ctx.num("pass_mistakes", t ? data.pass_mistakes[t - 1] : 0, String(t ? data.pass_mistakes[t - 1] : 0));
      ctx.num("updates", t ? data.updates[t - 1] : 0, String(t ? data.updates[t - 1] : 0));
      const cs = data.converged_step;
      ctx.num("converged", cs, cs === null ? "never (so far)" : String(cs));
      let lines = [`<var>h</var>(<var>x</var>) = 1 if θᵀ<var>x</var> ≥ 0 else 0;  θ ← θ + (<var>y</var> − <var>h</var>)·(1, <var>x</var>₁, <var>x</var>₂)`];
      if (t > 0) {
        const i = data.index[t - 1], p = data.points[i], z = data.score[t - 1];
        const hh = z >= 0 ? 1 : 0;
        lines.push(`step ${b(t, 0)}: point (${b(p[0])}, ${b(p[1])}), <var>y</var> = ${p[2]}, θᵀ<var>x</var> = ${b(z, 3, "score")} ⇒ <var>h</var> = ${hh}`,
          data.mistake[t - 1] ? `mistake: <var>y</var> − <var>h</var> = ${p[2] - hh} ⇒ θ moves` : `correct: <var>y</var> − <var>h</var> = 0 ⇒ nothing happens`);
      }
      lines.push(`θ = (${b(th[0])}, ${b(th[1])}, ${b(th[2])}): <var>z</var> = ${b(th[0])}${sgn(th[1])}<var>x</var>₁${sgn(th[2])}<var>x</var>₂`);
      ctx.eq.innerHTML = P(...lines);
      ctx.python = data.python.replace("__STEP__", String(Math.max(1, t)));
      draw();
    }
    let key = "";
    return {
      async update() {
        const s = ctx.state;
        const k = `${s.seed}|${s.nonsep}`;
        if (k !== key || !data) {
          const out = await ctx.call("perceptron", { seed: s.seed, nonsep: s.nonsep, steps: 1200 }, "perceptron");
          data = out;
          key = k;
          ctx.pointsForExport = () => out.points;
        }
        show();
        ctx.ready();
      },
    };
  },
};
