// 12. XOR and rings: a linear model fails until it gets x1*x2 or x1^2 + x2^2.
import { COLORS, h, fmt } from "../core.js";
import { probColor } from "../plot.js";
import { figure, legend, b, sgn, P, redrawer, scatterPlot, CLASS_LEGEND } from "./util.js";

export default {
  id: "features",
  short: "XOR and rings",
  title: "XOR and rings: features bend the boundary",
  prompt: "A straight line cannot separate XOR or rings: switch on the x₁·x₂ or x₁² + x₂² feature and watch the same linear model draw a curved boundary.",
  question: "Which feature solves XOR and which solves the rings, and why is the model still “linear”?",
  defaults: { preset: "xor", seed: 0, product: false, radius: false, pts: null },
  data: true,
  importable: true,
  mount(ctx) {
    const plot = scatterPlot("Probability field and 0.5 boundary of the model with the chosen features");
    ctx.mainPlot = plot;
    ctx.stage.append(figure(plot, [h("strong", {}, "Shading = P(y = 1 | x)"), "; the black curve is P = 0.5"]),
      legend([...CLASS_LEGEND, ["line", "boundary P = 0.5"]]));
    ctx.panel.append(
      ctx.radio({ key: "preset", label: "data", options: [["xor", "XOR"], ["rings", "rings"]] }),
      ctx.check({ key: "product", label: "add x₁·x₂" }),
      ctx.check({ key: "radius", label: "add x₁² + x₂²" }),
      ctx.readouts([["accuracy", "training accuracy"], ["loglik", "log-likelihood"], ["cross_entropy", "mean cross-entropy"]]));
    let data = null;
    const draw = redrawer(() => {
      plot.clear();
      if (data) plot.clip(() => plot.field(data.grid, probColor));
      plot.axes({ grid: false });
      if (!data) return;
      plot.contour(data.grid, 0.5);
      plot.points(data.points, { size: 5 });
    });
    plot.onDraw = draw;
    return {
      async update() {
        const s = ctx.state;
        const params = { product: s.product, radius: s.radius, ...(s.pts ? { points: s.pts } : { preset: s.preset, seed: s.seed }) };
        const out = await ctx.call("features", params, "features");
        data = out;
        ctx.python = out.python;
        ctx.pointsForExport = () => out.points;
        ctx.num("accuracy", out.accuracy);
        ctx.num("loglik", out.loglik);
        ctx.num("cross_entropy", out.cross_entropy);
        const names = { x1: "<var>x</var>₁", x2: "<var>x</var>₂", "x1*x2": "<var>x</var>₁<var>x</var>₂", "x1^2+x2^2": "(<var>x</var>₁² + <var>x</var>₂²)" };
        const terms = out.names.map((n, i) => `${sgn(out.w[i], 3)}·${names[n]}`).join("");
        ctx.eq.innerHTML = P(
          `<var>z</var> = ${b(out.b, 3)}${terms}`,
          `P(<var>y</var>=1|<var>x</var>) = σ(<var>z</var>): linear in the features, curved in (<var>x</var>₁, <var>x</var>₂)`,
          `accuracy ${b(out.accuracy, 3, "accuracy")}, ℓ = ${b(out.loglik, 3, "loglik")}`,
          `<span class="note">fitted by the engine with a small ridge penalty (α = ${fmt(out.alpha, 2)}): with the right feature the classes separate and unpenalised weights would grow without bound.</span>`);
        draw();
        ctx.ready();
      },
    };
  },
};
