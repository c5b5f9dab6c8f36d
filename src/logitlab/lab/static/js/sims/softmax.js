// 8. Softmax over three classes: logits, probability bars, regions by the winning class.
import { COLORS, CLASS_COLORS, h, fmt } from "../core.js";
import { figure, legend, b, P, redrawer, scatterPlot } from "./util.js";

const RGB = [[0, 114, 178], [230, 159, 0], [204, 121, 167]];
function regionColor(p3) {
  let k = 0;
  for (let j = 1; j < 3; j++) if (p3[j] > p3[k]) k = j;
  const conf = Math.max(0, (p3[k] - 1 / 3) / (2 / 3)); // 0 at a three-way tie, 1 when sure
  const a = 0.1 + 0.55 * conf;
  const c = RGB[k];
  return `rgb(${Math.round(255 * (1 - a) + c[0] * a)},${Math.round(255 * (1 - a) + c[1] * a)},${Math.round(255 * (1 - a) + c[2] * a)})`;
}

export default {
  id: "softmax",
  short: "Softmax, three classes",
  title: "Many classes: softmax regression",
  prompt: "Drag the white query point around the plane, or slide its three logits: pushing one logit up steals probability from the other two.",
  question: "If you add the same number to all three logits, what happens to the probabilities?",
  defaults: { seed: 0, qx: 0.4, qy: 0.2, lo: false, t1: 0, t2: 0, t3: 0 },
  data: true,
  nClasses: 3,
  mount(ctx) {
    const plot = scatterPlot("Regions of the three classes, shaded by confidence, with a draggable query point");
    plot.canvas.classList.add("interactive");
    plot.canvas.tabIndex = 0;
    ctx.mainPlot = plot;
    ctx.stage.append(figure(plot, [h("strong", {}, "Colour"), " = winning class; ", h("strong", {}, "vivid"), " = sure, washed out = a tie"]),
      legend([["c0", "class 1 (blue circle)"], ["c1", "class 2 (orange triangle)"], ["c2", "class 3 (purple square)"]]));
    const bars = h("div", { class: "bars", role: "group", "aria-label": "Class probabilities of the query point" });
    const fills = [0, 1, 2].map((k) => h("div", { class: `fill k${k}` }));
    const outs = [0, 1, 2].map((k) => h("output", { "data-k": `p${k + 1}` }, "—"));
    [0, 1, 2].forEach((k) => bars.append(h("div", { class: "bar" }, h("span", {}, `P(class ${k + 1})`), h("div", { class: "track" }, fills[k]), outs[k])));
    ctx.panel.append(
      ctx.slider({ key: "t1", label: "logit t₁", min: -6, max: 6, step: 0.05 }),
      ctx.slider({ key: "t2", label: "logit t₂", min: -6, max: 6, step: 0.05 }),
      ctx.slider({ key: "t3", label: "logit t₃", min: -6, max: 6, step: 0.05 }),
      bars,
      h("div", { class: "buttons" }, ctx.button("Use the model's logits", () => ctx.set({ lo: false }), { "data-action": "model-logits" })),
      ctx.readouts([["winner", "winning class"], ["qx", "query x₁"], ["qy", "query x₂"]]));
    // moving a logit slider switches to "override" mode
    for (const k of ["t1", "t2", "t3"]) {
      const input = ctx.panel.querySelector(`input[data-key="${k}"]`);
      input.addEventListener("input", () => ctx.set({ lo: true }), true);
    }
    let data = null;
    const draw = redrawer(() => {
      plot.clear();
      if (data) {
        const { nx, ny, proba } = data.grid;
        plot.clip(() => plot.field({ nx, ny, proba: proba.map((_, i) => i) }, (i) => regionColor(proba[i])));
      }
      plot.axes({ grid: false });
      if (!data) return;
      plot.points(data.points, { size: 5 });
      plot.dot(ctx.state.qx, ctx.state.qy, { color: "#fff", r: 8, outline: COLORS.ink });
      plot.dot(ctx.state.qx, ctx.state.qy, { color: CLASS_COLORS[data.winner], r: 3.5, outline: CLASS_COLORS[data.winner] });
    });
    plot.onDraw = draw;
    let dragging = false;
    const moveTo = (ev) => {
      const [px, py] = plot.eventXY(ev);
      ctx.set({ qx: +Math.max(-4, Math.min(4, plot.ix(px))).toFixed(2), qy: +Math.max(-3, Math.min(3, plot.iy(py))).toFixed(2), lo: false });
    };
    plot.canvas.addEventListener("pointerdown", (ev) => { dragging = true; plot.canvas.setPointerCapture(ev.pointerId); moveTo(ev); });
    plot.canvas.addEventListener("pointermove", (ev) => dragging && moveTo(ev));
    plot.canvas.addEventListener("pointerup", () => (dragging = false));
    plot.canvas.addEventListener("keydown", (ev) => {
      const d = { ArrowRight: [0.1, 0], ArrowLeft: [-0.1, 0], ArrowUp: [0, 0.1], ArrowDown: [0, -0.1] }[ev.key];
      if (!d) return;
      ev.preventDefault();
      ctx.set({ qx: +Math.max(-4, Math.min(4, ctx.state.qx + d[0])).toFixed(2), qy: +Math.max(-3, Math.min(3, ctx.state.qy + d[1])).toFixed(2), lo: false });
    });
    return {
      async update() {
        const s = ctx.state;
        draw();
        const out = await ctx.call("softmax", { seed: s.seed, qx: s.qx, qy: s.qy, logits: s.lo ? [s.t1, s.t2, s.t3] : null }, "softmax");
        data = out;
        ctx.python = out.python;
        ctx.pointsForExport = () => out.points;
        if (!s.lo) ctx.set({ t1: +out.logits[0].toFixed(2), t2: +out.logits[1].toFixed(2), t3: +out.logits[2].toFixed(2) }, { silent: true });
        out.proba.forEach((p, k) => {
          fills[k].style.width = (100 * p).toFixed(1) + "%";
          outs[k].dataset.v = String(p);
          outs[k].textContent = fmt(p, 3);
        });
        ctx.num("winner", out.winner + 1, `class ${out.winner + 1}`);
        ctx.num("qx", out.query[0]);
        ctx.num("qy", out.query[1]);
        const t = out.logits;
        const den = `<var>e</var><sup>${fmt(t[0], 2)}</sup> + <var>e</var><sup>${fmt(t[1], 2)}</sup> + <var>e</var><sup>${fmt(t[2], 2)}</sup>`;
        ctx.eq.innerHTML = P(
          `logits <var>t</var>ₖ = θₖᵀ<var>x</var>: (${b(t[0])}, ${b(t[1])}, ${b(t[2])}) <span class="note">${s.lo ? "set by the sliders" : "the fitted model's, at the query point"}</span>`,
          `φₖ = <var>e</var><sup><var>t</var>ₖ</sup> / Σⱼ <var>e</var><sup><var>t</var>ⱼ</sup>; φ₁ = <var>e</var><sup>${fmt(t[0], 2)}</sup> / (${den}) = ${b(out.proba[0], 4, "p1")}`,
          `φ = (${b(out.proba[0], 3)}, ${b(out.proba[1], 3)}, ${b(out.proba[2], 3)}), sum = 1`,
          `<span class="note">gradient of the loss in the logits: φ − <var>e</var><sub><var>y</var></sub> (prediction minus one-hot truth)</span>`);
        draw();
        ctx.ready();
      },
    };
  },
};
