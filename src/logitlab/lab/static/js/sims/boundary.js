// 3. The decision boundary: bias and two weights by hand over two classes.
import { COLORS, sigma, h, fmt } from "../core.js";
import { probColor } from "../plot.js";
import { figure, legend, b, sgn, P, redrawer, scatterPlot, CLASS_LEGEND } from "./util.js";
import { presetSelect } from "./presets.js";

export default {
  id: "boundary",
  short: "The decision boundary",
  title: "From scores to a decision boundary",
  prompt: "Tune the bias and the two weights to separate the blue circles from the orange triangles; watch the shading sharpen as the weights grow.",
  question: "Which way does the weight vector point, and what happens to the boundary when you double both weights?",
  defaults: { preset: "overlapping", seed: 0, b: 0, w1: 1.2, w2: 1.2, pts: null },
  data: true,
  importable: true,
  mount(ctx) {
    const plot = scatterPlot("Probability field, decision boundary and weight vector");
    ctx.mainPlot = plot;
    ctx.stage.append(figure(plot, [h("strong", {}, "Shading = P(y = 1 | x)"), "; the black line is P = 0.5, the arrow is (θ₁, θ₂)"]),
      legend([...CLASS_LEGEND, ["line", "boundary θᵀx = 0"], ["accent", "misclassified (ringed)"]]));
    ctx.panel.append(
      ctx.slider({ key: "b", label: "θ₀ (bias)", min: -6, max: 6, step: 0.05 }),
      ctx.slider({ key: "w1", label: "θ₁", min: -6, max: 6, step: 0.05 }),
      ctx.slider({ key: "w2", label: "θ₂", min: -6, max: 6, step: 0.05 }),
      presetSelect(ctx),
      ctx.readouts([["accuracy", "training accuracy"], ["loglik", "log-likelihood ℓ(θ)"], ["cross_entropy", "mean cross-entropy"], ["n_wrong", "misclassified"], ["norm_w", "|w| (steepness)"]]));
    let data = null;
    const draw = redrawer(() => {
      plot.clear();
      const { b: b0, w1, w2 } = ctx.state;
      plot.clip(() => plot.field((x, y) => sigma(b0 + w1 * x + w2 * y), probColor, 4));
      plot.axes({ grid: false });
      plot.boundary(b0, w1, w2);
      const n2 = w1 * w1 + w2 * w2;
      if (n2 > 1e-9) {
        const fx = (-b0 * w1) / n2, fy = (-b0 * w2) / n2; // boundary point nearest the origin
        const len = Math.min(3, Math.max(0.4, Math.sqrt(n2) / 2)) / Math.sqrt(n2);
        plot.clip(() => plot.arrow(fx, fy, fx + w1 * len, fy + w2 * len, { color: COLORS.good, width: 3 }));
      }
      if (data) {
        plot.points(data.points, { ring: new Set(data.wrong) });
      }
    });
    plot.onDraw = draw;
    return {
      async update() {
        const s = ctx.state;
        draw();
        const params = { b: s.b, w1: s.w1, w2: s.w2, ...(s.pts ? { points: s.pts } : { preset: s.preset, seed: s.seed }) };
        const out = await ctx.call("boundary", params, "boundary");
        data = out;
        ctx.python = out.python;
        ctx.pointsForExport = () => out.points;
        ctx.num("accuracy", out.accuracy, `${fmt(out.accuracy, 3)} (${out.points.length - out.n_wrong}/${out.points.length})`);
        ctx.num("loglik", out.loglik);
        ctx.num("cross_entropy", out.cross_entropy);
        ctx.num("n_wrong", out.n_wrong, String(out.n_wrong));
        ctx.num("norm_w", out.norm_w);
        ctx.eq.innerHTML = P(
          `<var>z</var> = θ₀ + θ₁<var>x</var>₁ + θ₂<var>x</var>₂ = ${b(out.b)}${sgn(out.w[0])}<var>x</var>₁${sgn(out.w[1])}<var>x</var>₂`,
          `boundary: <var>z</var> = 0, i.e. P(<var>y</var>=1|<var>x</var>) = σ(<var>z</var>) = 0.5`,
          `ℓ(θ) = Σ [<var>y</var> log <var>h</var> + (1 − <var>y</var>) log(1 − <var>h</var>)] = ${b(out.loglik, 3, "loglik")}`,
          `accuracy = ${b(out.points.length - out.n_wrong, 0)} / ${b(out.points.length, 0)} = ${b(out.accuracy, 3, "accuracy")}`);
        draw();
        ctx.ready();
      },
    };
  },
};
