// 2. The sigmoid: z and weight-scale sliders, the marker on the curve, g and g'.
import { COLORS, sigma, h } from "../core.js";
import { Plot } from "../plot.js";
import { figure, legend, b, P, redrawer } from "./util.js";

export default {
  id: "sigmoid",
  short: "The sigmoid",
  title: "The sigmoid: a squashing function",
  prompt: "Move z to ride the marker along the S-curve, then change the weight scale: bigger weights make the step steeper, near-zero weights flatten it to 0.5.",
  question: "Where is the slope g′ largest, and what is its value there?",
  defaults: { z: 1.5, scale: 1 },
  mount(ctx) {
    const plot = new Plot({ x: [-8, 8], y: [-0.05, 1.05], aspect: 0.62, xlabel: "z = θᵀx", ylabel: "g", label: "The sigmoid curve with a marker at the current z" });
    plot.canvas.classList.add("interactive");
    plot.canvas.tabIndex = 0;
    ctx.stage.append(figure(plot, [h("strong", {}, "g(s·z) = 1 / (1 + e^(−s·z))"), " with its slope g′ = g(1 − g)"]),
      legend([["line", "g(s·z)"], ["dash", "g′ = g(1 − g)"], ["dot", "g(z), scale 1 (reference)"]]));
    ctx.panel.append(
      ctx.slider({ key: "z", label: "input z", min: -8, max: 8, step: 0.05 }),
      ctx.slider({ key: "scale", label: "weight scale s", min: 0, max: 5, step: 0.05 }),
      ctx.readouts([["g", "g(s·z) = P(y=1)"], ["dg", "g′ = g(1 − g)"], ["odds", "odds g/(1 − g)"], ["logodds", "log-odds s·z"]]));
    let data = null;
    const draw = redrawer(() => {
      plot.clear();
      plot.axes();
      plot.hline(0.5, { color: COLORS.muted, dash: [6, 4], width: 1 });
      plot.vline(0, { color: COLORS.muted, width: 1 });
      plot.curve((z) => sigma(z), { color: COLORS.muted, width: 1.5, dash: [2, 3] });
      const s = ctx.state.scale;
      plot.curve((z) => sigma(s * z), { color: COLORS.ink, width: 3 });
      plot.curve((z) => { const g = sigma(s * z); return g * (1 - g); }, { color: COLORS.c1, width: 2, dash: [7, 4] });
      if (!data) return;
      plot.vline(data.z, { color: COLORS.c0, width: 1, dash: [3, 3] });
      plot.dot(data.z, data.dg, { color: COLORS.c1, r: 5, shape: "diamond" });
      plot.dot(data.z, data.g, { color: COLORS.c0, r: 7 });
      plot.text(`g = ${data.g.toFixed(3)}`, data.z, data.g, { align: data.z > 4 ? "right" : "left", base: "bottom", bold: true });
    });
    plot.onDraw = draw;
    let dragging = false;
    const setZ = (ev) => ctx.set({ z: Math.round(Math.min(8, Math.max(-8, plot.ix(plot.eventXY(ev)[0]))) * 20) / 20 });
    plot.canvas.addEventListener("pointerdown", (ev) => { dragging = true; plot.canvas.setPointerCapture(ev.pointerId); setZ(ev); });
    plot.canvas.addEventListener("pointermove", (ev) => dragging && setZ(ev));
    plot.canvas.addEventListener("pointerup", () => (dragging = false));
    plot.canvas.addEventListener("keydown", (ev) => {
      const d = { ArrowRight: 0.25, ArrowLeft: -0.25 }[ev.key];
      if (d) { ev.preventDefault(); ctx.set({ z: Math.min(8, Math.max(-8, ctx.state.z + d)) }); }
    });
    return {
      async update() {
        const s = ctx.state;
        draw();
        const out = await ctx.call("sigmoid", { z: s.z, scale: s.scale });
        data = out;
        ctx.python = out.python;
        ctx.num("g", out.g);
        ctx.num("dg", out.dg);
        ctx.num("odds", out.odds);
        ctx.num("logodds", out.logodds);
        ctx.eq.innerHTML = P(
          `<var>g</var>(<var>s</var>·<var>z</var>) = 1 / (1 + <var>e</var><sup>−${b(out.scale)}·${b(out.z)}</sup>) = ${b(out.g, 4, "g")}`,
          `<var>g′</var> = <var>g</var>(1 − <var>g</var>) = ${b(out.g, 3)} × ${b(1 - out.g, 3)} = ${b(out.dg, 4, "dg")} <span class="note">(largest, 0.25, at z = 0)</span>`,
          `log-odds: log(<var>g</var> / (1 − <var>g</var>)) = <var>s</var>·<var>z</var> = ${b(out.logodds, 3)}`);
        draw();
        ctx.ready();
      },
    };
  },
};
