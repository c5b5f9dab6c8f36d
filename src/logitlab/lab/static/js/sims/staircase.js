// 5. Accuracy is a staircase, cross-entropy a ramp: both along one line in weight space.
import { COLORS, sigma, h } from "../core.js";
import { Plot, probColor } from "../plot.js";
import { figure, legend, b, sgn, P, redrawer, scatterPlot, CLASS_LEGEND } from "./util.js";
import { presetSelect } from "./presets.js";

export default {
  id: "staircase",
  short: "Staircase and ramp",
  title: "Accuracy is a staircase, cross-entropy a ramp",
  prompt: "Walk the weights along one direction from the best fit θ* (slide, turn or scale the boundary) and compare the flat steps of accuracy with the smooth slope of cross-entropy.",
  question: "Along the “scale” direction accuracy does not move at all; what does cross-entropy do, and why can gradient descent use it?",
  defaults: { preset: "overlapping", seed: 0, direction: "bias", t: 0.8, pts: null },
  data: true,
  importable: true,
  mount(ctx) {
    const scatter = scatterPlot("Data with the boundary at the current point on the line", { aspect: 0.75 });
    ctx.mainPlot = scatter;
    const acc = new Plot({ x: [-3, 3], y: [0, 1.02], aspect: 0.42, ylabel: "accuracy", label: "Accuracy along the direction", pad: { l: 44, r: 10, t: 8, b: 22 } });
    const ce = new Plot({ x: [-3, 3], y: [0, 3], aspect: 0.42, xlabel: "t  (θ = θ* + t·d)", ylabel: "cross-entropy", label: "Cross-entropy along the direction", pad: { l: 44, r: 10, t: 8, b: 34 } });
    ctx.stage.append(h("div", { class: "row" },
      figure(scatter, [h("strong", {}, "The boundary at θ* + t·d")]),
      h("div", {}, figure(acc, [h("strong", {}, "Accuracy: a staircase")]), figure(ce, [h("strong", {}, "Cross-entropy: a ramp")]))),
      legend([...CLASS_LEGEND, ["accent", "current t"], ["good", "θ* (t = 0, maximum likelihood)"]]));
    ctx.panel.append(
      ctx.radio({ key: "direction", label: "direction d", options: [["bias", "slide"], ["rotate", "turn"], ["scale", "scale"]] }),
      ctx.slider({ key: "t", label: "t", min: -3, max: 3, step: 0.01 }),
      presetSelect(ctx),
      ctx.readouts([["accuracy", "accuracy at t"], ["cross_entropy", "cross-entropy at t"], ["n_levels", "distinct accuracy values"]]));
    let data = null;
    const draw = redrawer(() => {
      scatter.clear();
      if (data) {
        const [b0, w1, w2] = [data.b, data.w[0], data.w[1]];
        scatter.clip(() => scatter.field((x, y) => sigma(b0 + w1 * x + w2 * y), probColor, 5));
        scatter.axes({ grid: false });
        const t0 = data.theta0;
        scatter.boundary(t0[0], t0[1], t0[2], { color: COLORS.good, width: 2, dash: [6, 4] });
        scatter.boundary(b0, w1, w2);
        scatter.points(data.points, { size: 5 });
      } else scatter.axes();
      for (const [plot, key] of [[acc, "accuracy_curve"], [ce, "ce_curve"]]) {
        plot.clear();
        plot.axes();
        if (!data) continue;
        plot.vline(0, { color: COLORS.good, width: 1.5, dash: [6, 4] });
        plot.clip(() => plot.path(data.ts, data[key], { color: key === "ce_curve" ? COLORS.c0 : COLORS.ink, width: 2.5, step: key !== "ce_curve" }));
        plot.vline(data.t, { color: COLORS.accent, width: 1.5 });
        const v = key === "ce_curve" ? data.cross_entropy : data.accuracy;
        plot.dot(data.t, Math.min(v, plot.o.y[1]), { color: COLORS.accent, r: 5 });
      }
    });
    scatter.onDraw = acc.onDraw = ce.onDraw = draw;
    return {
      async update() {
        const s = ctx.state;
        const params = { direction: s.direction, t: s.t, ...(s.pts ? { points: s.pts } : { preset: s.preset, seed: s.seed }) };
        const out = await ctx.call("staircase", params, "staircase");
        data = out;
        ctx.python = out.python;
        ctx.pointsForExport = () => out.points;
        ctx.num("accuracy", out.accuracy);
        ctx.num("cross_entropy", out.cross_entropy);
        ctx.num("n_levels", out.n_levels, String(out.n_levels));
        const ceMax = Math.max(1, Math.min(8, Math.max(...out.ce_curve.filter((v) => v !== null)) * 1.05));
        ce.setRange(null, [0, ceMax]);
        const d = out.d, t0 = out.theta0;
        ctx.eq.innerHTML = P(
          `θ* = (${b(t0[0])}, ${b(t0[1])}, ${b(t0[2])}) <span class="note">maximum likelihood, from the engine</span>`,
          `θ = θ* + <var>t</var>·<var>d</var>, <var>d</var> = (${b(d[0])}, ${b(d[1])}, ${b(d[2])}), <var>t</var> = ${b(out.t)}`,
          `<var>z</var> = ${b(out.b)}${sgn(out.w[0])}<var>x</var>₁${sgn(out.w[1])}<var>x</var>₂`,
          `accuracy = ${b(out.accuracy, 3, "accuracy")}; CE = −(1/<var>n</var>) Σ [<var>y</var> log <var>h</var> + (1−<var>y</var>) log(1−<var>h</var>)] = ${b(out.cross_entropy, 4, "cross_entropy")}`);
        draw();
        ctx.ready();
      },
    };
  },
};

