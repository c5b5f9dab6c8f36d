// 4. The cross-entropy penalty, both branches, squared error beside it.
import { COLORS, h } from "../core.js";
import { Plot } from "../plot.js";
import { figure, legend, b, P, redrawer } from "./util.js";

export default {
  id: "crossentropy",
  short: "The cross-entropy penalty",
  title: "The penalty curve: why confident mistakes hurt",
  prompt: "Slide the predicted probability h toward the wrong end and watch cross-entropy explode while squared error stays below 1; flip the true label to see the other branch.",
  question: "How much does cross-entropy charge for h = 0.01 when y = 1, and how much does squared error?",
  defaults: { h: 0.5, y: 1 },
  mount(ctx) {
    const plot = new Plot({ x: [0, 1], y: [0, 5], aspect: 0.62, xlabel: "predicted h = P(y = 1)", ylabel: "penalty", label: "Cross-entropy and squared-error penalties against the predicted probability" });
    plot.canvas.classList.add("interactive");
    plot.canvas.tabIndex = 0;
    ctx.stage.append(figure(plot, [h("strong", {}, "Cross-entropy −[y log h + (1 − y) log(1 − h)]"), " against squared error (h − y)²"]),
      legend([["c1", "−log h (y = 1)"], ["c0", "−log(1 − h) (y = 0)"], ["dash", "squared error (h − y)²"]]));
    ctx.panel.append(
      ctx.slider({ key: "h", label: "predicted h", min: 0.001, max: 0.999, step: 0.001, digits: 3 }),
      ctx.radio({ key: "y", label: "true label", options: [[1, "y = 1 (spam)"], [0, "y = 0 (not spam)"]] }),
      ctx.readouts([["ce", "cross-entropy"], ["se", "squared error"], ["dce", "slope dCE/dh"], ["dse", "slope dSE/dh"]]));
    let data = null;
    const draw = redrawer(() => {
      plot.clear();
      plot.axes();
      const y = ctx.state.y;
      plot.curve((p) => -Math.log(p), { color: COLORS.c1, width: y === 1 ? 3.5 : 1.5, alpha: y === 1 ? 1 : 0.45 }, 400);
      plot.curve((p) => -Math.log(1 - p), { color: COLORS.c0, width: y === 0 ? 3.5 : 1.5, alpha: y === 0 ? 1 : 0.45 }, 400);
      plot.curve((p) => (p - y) ** 2, { color: COLORS.ink, width: 2, dash: [7, 4] });
      if (!data) return;
      plot.vline(data.h, { color: COLORS.muted, width: 1, dash: [3, 3] });
      plot.dot(data.h, Math.min(data.ce, 4.95), { color: y === 1 ? COLORS.c1 : COLORS.c0, r: 7, outline: COLORS.ink });
      plot.dot(data.h, data.se, { color: COLORS.ink, r: 4 });
      plot.text(`CE = ${data.ce.toFixed(3)}`, data.h, Math.min(data.ce, 4.6), { align: data.h > 0.7 ? "right" : "left", base: "bottom", bold: true });
    });
    plot.onDraw = draw;
    let dragging = false;
    const setH = (ev) => ctx.set({ h: Math.round(Math.min(0.999, Math.max(0.001, plot.ix(plot.eventXY(ev)[0]))) * 1000) / 1000 });
    plot.canvas.addEventListener("pointerdown", (ev) => { dragging = true; plot.canvas.setPointerCapture(ev.pointerId); setH(ev); });
    plot.canvas.addEventListener("pointermove", (ev) => dragging && setH(ev));
    plot.canvas.addEventListener("pointerup", () => (dragging = false));
    plot.canvas.addEventListener("keydown", (ev) => {
      const d = { ArrowRight: 0.01, ArrowLeft: -0.01 }[ev.key];
      if (d) { ev.preventDefault(); ctx.set({ h: Math.min(0.999, Math.max(0.001, +(ctx.state.h + d).toFixed(3))) }); }
    });
    return {
      async update() {
        const s = ctx.state;
        draw();
        const out = await ctx.call("crossentropy", { h: s.h, y: s.y });
        data = out;
        ctx.python = out.python;
        ctx.num("ce", out.ce);
        ctx.num("se", out.se);
        ctx.num("dce", out.dce_dh);
        ctx.num("dse", out.dse_dh);
        const branch = out.y === 1 ? `−log <var>h</var> = −log ${b(out.h, 3)}` : `−log(1 − <var>h</var>) = −log ${b(1 - out.h, 3)}`;
        ctx.eq.innerHTML = P(
          `CE(<var>h</var>, <var>y</var>=${out.y}) = ${branch} = ${b(out.ce, 4, "ce")}`,
          `squared error (<var>h</var> − <var>y</var>)² = (${b(out.h, 3)} − ${out.y})² = ${b(out.se, 4, "se")}`,
          `slopes: dCE/d<var>h</var> = ${b(out.dce_dh, 3)}, dSE/d<var>h</var> = ${b(out.dse_dh, 3)}`,
          `<span class="note">if the label were the other one: CE = ${fmtOther(out)}</span>`);
        draw();
        ctx.ready();
      },
    };
  },
};

const fmtOther = (out) => (out.y === 1 ? out.ce_if_0 : out.ce_if_1).toFixed(4);
