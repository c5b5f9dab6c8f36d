// 1. Why a line fails: least squares on 0/1 labels against the logistic fit.
import { COLORS, sigma, fmt, h } from "../core.js";
import { Plot } from "../plot.js";
import { figure, legend, b, sgn, P, redrawer } from "./util.js";

export default {
  id: "linefail",
  short: "Why a line fails",
  title: "Why a straight line can't classify",
  prompt: "Drag the far-right spam email (or use the slider) further out and watch the least-squares line tilt, while the logistic curve beside it stays put.",
  question: "Why does one easy, far-away point move the line's 0.5 crossing, but hardly move the logistic one?",
  defaults: { seed: 0, far: 12 },
  data: true,
  wide: true,
  mount(ctx) {
    const opts = { x: [0, 31], y: [-0.6, 1.9], aspect: 0.72, xlabel: "x (count of the word “free”)", ylabel: "label / prediction", pad: { l: 40, r: 10, t: 10, b: 34 } };
    const ls = new Plot({ ...opts, label: "Least-squares line fitted to 0/1 labels" });
    ctx.mainPlot = ls;
    const lr = new Plot({ ...opts, label: "Logistic regression fitted to the same points" });
    ls.canvas.classList.add("interactive");
    lr.canvas.classList.add("interactive");
    ls.canvas.tabIndex = 0;
    ctx.stage.append(
      h("div", { class: "row" },
        figure(ls, [h("strong", {}, "Least squares"), " on the 0/1 labels"]),
        figure(lr, [h("strong", {}, "Logistic regression"), " on the same points"])),
      legend([["c0", "not spam (y = 0)"], ["c1", "spam (y = 1)"], ["line", "fit"], ["dash", "0.5 rule"], ["accent", "misclassified (ringed) / crossing"]]));
    ctx.panel.append(
      ctx.slider({ key: "far", label: "far point x", min: 6, max: 30, step: 0.1, digits: 1 }),
      ctx.readouts([
        ["ls_at_far", "line value at the far point"], ["ls_wrong", "line: misclassified"], ["ls_cross", "line crosses 0.5 at x ="],
        ["lr_at_far", "logistic P at the far point"], ["lr_wrong", "logistic: misclassified"], ["lr_cross", "logistic 0.5 at x ="],
      ]));
    let data = null;
    const draw = redrawer(() => {
      for (const [plot, fit, curve] of [[ls, data && data.ls, (x) => data.ls.intercept + data.ls.slope * x], [lr, data && data.logistic, (x) => sigma(data.logistic.intercept + data.logistic.slope * x)]]) {
        plot.clear();
        plot.axes();
        if (!data) continue;
        plot.hline(0.5, { color: COLORS.muted, dash: [6, 4], width: 1.5 });
        plot.hline(0, { color: "#c9ced6", width: 1 });
        plot.hline(1, { color: "#c9ced6", width: 1 });
        plot.curve(curve, { color: COLORS.ink, width: 2.5 });
        if (fit.cross !== null) {
          plot.vline(fit.cross, { color: COLORS.accent, width: 2, dash: [2, 3] });
          plot.text(`0.5 at x = ${fmt(fit.cross, 2)}`, fit.cross, 1.75, { color: COLORS.accent, align: "left", bold: true });
        }
        const pts = data.x.map((x, i) => [x, data.y[i], data.y[i]]);
        plot.points(pts, { ring: new Set(fit.wrong), size: 6 });
      }
    });
    ls.onDraw = lr.onDraw = draw;
    // drag the far point on either plot
    for (const plot of [ls, lr]) {
      let dragging = false;
      plot.canvas.addEventListener("pointerdown", (ev) => {
        if (!data) return;
        const [px, py] = plot.eventXY(ev);
        const fx = plot.sx(data.far), fy = plot.sy(1);
        if (Math.hypot(px - fx, py - fy) < 22) {
          dragging = true;
          plot.canvas.setPointerCapture(ev.pointerId);
        }
      });
      plot.canvas.addEventListener("pointermove", (ev) => {
        if (!dragging) return;
        const x = Math.min(30, Math.max(6, plot.ix(plot.eventXY(ev)[0])));
        ctx.set({ far: Math.round(x * 10) / 10 });
      });
      plot.canvas.addEventListener("pointerup", () => (dragging = false));
    }
    ls.canvas.addEventListener("keydown", (ev) => {
      const d = ev.key === "ArrowRight" ? 0.5 : ev.key === "ArrowLeft" ? -0.5 : 0;
      if (d) {
        ev.preventDefault();
        ctx.set({ far: Math.min(30, Math.max(6, ctx.state.far + d)) });
      }
    });
    return {
      async update() {
        const s = ctx.state;
        const out = await ctx.call("linefail", { seed: s.seed, far: s.far }, "linefail");
        data = out;
        ctx.python = out.python;
        ctx.pointsForExport = () => out.x.map((x, i) => [x, 0, out.y[i]]);
        ctx.num("ls_at_far", out.ls.at_far);
        ctx.num("ls_wrong", out.ls.n_wrong, String(out.ls.n_wrong));
        ctx.num("ls_cross", out.ls.cross);
        ctx.num("lr_at_far", out.logistic.at_far);
        ctx.num("lr_wrong", out.logistic.n_wrong, String(out.logistic.n_wrong));
        ctx.num("lr_cross", out.logistic.cross);
        const L = out.ls, G = out.logistic;
        ctx.eq.innerHTML = P(
          `least squares: <var>ŷ</var> = ${b(L.intercept, 3)}${sgn(L.slope, 4)}·<var>x</var>`,
          `at the far point: <var>ŷ</var>(${b(out.far, 1)}) = ${b(L.at_far, 3, "ls_at_far")} <span class="note">${L.at_far > 1 ? "— a “probability” above 1" : ""}</span>`,
          `0.5 rule: <var>ŷ</var> ≥ 0.5 ⇔ <var>x</var> ≥ (0.5 − <var>a</var>)/<var>b</var> = ${b(L.cross, 2)}`,
          `logistic: P(<var>y</var>=1 | <var>x</var>) = σ(${b(G.intercept, 3)}${sgn(G.slope, 3)}·<var>x</var>)`,
          `0.5 at <var>x</var> = −β₀/β₁ = ${b(G.cross, 2)}; at the far point P = ${b(G.at_far, 4)}`);
        draw();
        ctx.ready();
      },
    };
  },
};
