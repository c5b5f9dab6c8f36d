// 6. The training lab: gradient descent by the engine, with gestures and a scrubber.
import { COLORS, sigma, h } from "../core.js";
import { Plot, probColor } from "../plot.js";
import { figure, legend, b, sgn, P, redrawer, scatterPlot, nearest, CLASS_LEGEND } from "./util.js";
import { presetSelect } from "./presets.js";

const TRAIN_TO = [2000, 5000, 20000];

export default {
  id: "train",
  short: "The training lab",
  title: "The training lab: gradient descent, live",
  prompt: "Press Train and watch gradient descent swing the boundary into place; click to add points, drag to move them, shift-click to delete, and scrub back through the trajectory.",
  question: "On separable data, why does |θ| keep growing on the logarithmic axis while the boundary hardly moves?",
  defaults: { preset: "separable", seed: 0, lr: 0.3, iters: 0, at: -1, cls: 1, pts: null },
  data: true,
  importable: true,
  mount(ctx) {
    const plot = scatterPlot("Training data, probability field and decision boundary; click to add points");
    plot.canvas.classList.add("interactive");
    plot.canvas.tabIndex = 0;
    ctx.mainPlot = plot;
    const norm = new Plot({ x: [1, 100], y: [0, 1], logx: true, aspect: 0.5, xlabel: "iteration (log scale)", ylabel: "|θ|", label: "|θ| against iteration, logarithmic axis", pad: { l: 44, r: 10, t: 8, b: 34 } });
    const ll = new Plot({ x: [1, 100], y: [-1, 0], logx: true, aspect: 0.5, xlabel: "iteration (log scale)", ylabel: "ℓ(θ)", label: "Log-likelihood against iteration", pad: { l: 44, r: 10, t: 8, b: 34 } });
    const scrub = h("input", { type: "range", min: 0, max: 0, step: 1, value: 0, id: "c-train-scrub", "data-key": "scrub", "aria-label": "Scrub through the recorded trajectory" });
    const scrubOut = h("output", { for: "c-train-scrub", "data-k": "scrub-iter" }, "0");
    const warn = h("div", { class: "warnbox", role: "status", "data-k": "separation" });
    ctx.stage.append(
      figure(plot, [h("strong", {}, "Click"), " add · ", h("strong", {}, "drag"), " move · ", h("strong", {}, "shift-click"), " delete"]),
      h("div", { class: "row" }, figure(norm, [h("strong", {}, "|θ|"), " grows on separable data"]), figure(ll, [h("strong", {}, "Log-likelihood ℓ(θ)"), " climbs"])),
      h("div", { class: "scrub" }, h("label", { for: "c-train-scrub" }, "trajectory"), scrub, scrubOut),
      legend([...CLASS_LEGEND, ["line", "boundary"], ["accent", "shown iteration"]]),
      warn);
    const trainBtn = ctx.button("Train", () => train(), { class: "primary", "data-action": "train" });
    ctx.panel.append(
      ctx.slider({ key: "lr", label: "learning rate α", min: 0.01, max: 5, step: 0.01 }),
      ctx.radio({ key: "cls", label: "add as", options: [[0, "class 0 ●"], [1, "class 1 ▲"]] }),
      h("div", { class: "buttons" }, trainBtn,
        ctx.button("Step ×1", () => step(1), { "data-action": "step1" }),
        ctx.button("×10", () => step(10), { "data-action": "step10", "aria-label": "Step ×10" }),
        ctx.button("×100", () => step(100), { "data-action": "step100", "aria-label": "Step ×100" })),
      presetSelect(ctx),
      ctx.readouts([["loglik", "log-likelihood"], ["accuracy", "accuracy"], ["iteration", "iteration"], ["norm", "|θ|"], ["npoints", "points"]]));

    let points = null; // the current points (preset or edited)
    let data = null; // last training response
    let shown = 0; // index of the shown frame
    let anim = null;
    const frame = () => (data ? data.frames[shown] : { iteration: 0, b: 0, w: [0, 0], norm: 0 });

    const draw = redrawer(() => {
      const f = frame();
      plot.clear();
      plot.clip(() => plot.field((x, y) => sigma(f.b + f.w[0] * x + f.w[1] * y), probColor, 5));
      plot.axes({ grid: false });
      plot.boundary(f.b, f.w[0], f.w[1]);
      if (points) plot.points(points, { highlight: drag ? drag.i : null });
      for (const [p, key] of [[norm, "norm"], [ll, "loglik"]]) {
        p.clear();
        p.axes();
        if (!data || data.frames.length < 2) continue;
        const xs = data.frames.map((fr) => Math.max(1, fr.iteration));
        p.clip(() => p.path(xs, data.frames.map((fr) => fr[key]), { color: key === "norm" ? COLORS.c0 : COLORS.ink, width: 2.5 }));
        p.vline(Math.max(1, f.iteration), { color: COLORS.accent, width: 1.5 });
        p.dot(Math.max(1, f.iteration), f[key], { color: COLORS.accent, r: 4 });
      }
    });
    plot.onDraw = norm.onDraw = ll.onDraw = draw;

    function showFrame(i, settle = true) {
      if (!data) return;
      shown = Math.max(0, Math.min(data.frames.length - 1, i));
      scrub.value = shown;
      const f = frame();
      scrubOut.textContent = String(f.iteration);
      ctx.num("loglik", f.loglik);
      ctx.num("accuracy", f.accuracy);
      ctx.num("iteration", f.iteration, String(f.iteration));
      ctx.num("norm", f.norm);
      ctx.num("npoints", points ? points.length : 0, String(points ? points.length : 0));
      const n = points ? points.length : 0;
      ctx.eq.innerHTML = P(
        `θ ← θ − α·(1/<var>n</var>) Σ (<var>h</var>ᵢ − <var>y</var>ᵢ) <var>x</var>ᵢ, α = ${b(data.lr, 3)}, <var>n</var> = ${b(n, 0)}`,
        `iteration ${b(f.iteration, 0, "iteration")}: <var>z</var> = ${b(f.b, 3)}${sgn(f.w[0], 3)}<var>x</var>₁${sgn(f.w[1], 3)}<var>x</var>₂`,
        `ℓ(θ) = ${b(f.loglik, 4, "loglik")}, |θ| = ${b(f.norm, 3, "norm")}, accuracy ${b(f.accuracy, 3)}`,
        data.converged ? `<span class="note">the engine's stopping rule was met at iteration ${data.n_iter}</span>` : "");
      ctx.python = data.python.replace("__MAX_ITER__", String(Math.max(1, f.iteration)));
      if (settle) ctx.set({ at: f.iteration }, { silent: true });
      draw();
    }

    function applyResult(out, { animateFrom = null } = {}) {
      data = out;
      scrub.max = String(out.frames.length - 1);
      const last = out.frames[out.frames.length - 1].iteration;
      norm.setRange([1, Math.max(10, last)], [0, Math.max(1, ...out.frames.map((f) => f.norm)) * 1.08]);
      const lls = out.frames.map((f) => f.loglik);
      ll.setRange([1, Math.max(10, last)], [Math.min(...lls) * 1.05 - 0.01, Math.max(0, Math.max(...lls))]);
      const msgs = [...out.warnings];
      if (out.separation && out.separation.text && !msgs.some((m) => m.includes(out.separation.text))) msgs.push("separation check: " + out.separation.text);
      warn.textContent = msgs.join("  ·  ");
      // which frame to show: the requested one, else the last
      let target = out.frames.length - 1;
      const at = ctx.state.at;
      if (at >= 0 && animateFrom === null) {
        const j = out.frames.findIndex((f) => f.iteration === at);
        if (j >= 0) target = j;
      }
      if (animateFrom !== null && target > 0) {
        const i0 = Math.max(0, out.frames.findIndex((f) => f.iteration >= animateFrom));
        const t0 = performance.now();
        ctx.busy("animating");
        const tick = (now) => {
          const k = Math.min(target, i0 + Math.floor(((now - t0) / 2000) * (target - i0 + 1)));
          showFrame(k, false);
          if (k < target) anim = requestAnimationFrame(tick);
          else { anim = null; showFrame(target); ctx.ready(); }
        };
        anim = requestAnimationFrame(tick);
      } else {
        showFrame(target);
        ctx.ready();
      }
    }

    async function fetchTrain(iters, opts = {}) {
      if (anim) { cancelAnimationFrame(anim); anim = null; }
      const classes = new Set(points.map((p) => p[2]));
      if (iters > 0 && classes.size < 2) {
        ctx.note("Training needs points of both classes: add some of the other class.", "warn");
        iters = 0;
      }
      ctx.set({ iters }, { silent: true });
      const out = await ctx.call("train", { points, lr: ctx.state.lr, iters }, "train");
      applyResult(out, opts);
    }
    function train() {
      const cur = frame().iteration;
      const next = TRAIN_TO.find((t) => t > cur) || TRAIN_TO[TRAIN_TO.length - 1];
      ctx.set({ at: -1 }, { silent: true });
      fetchTrain(next, { animateFrom: cur });
    }
    function step(k) {
      const it = Math.min(20000, frame().iteration + k);
      ctx.set({ at: it }, { silent: true });
      fetchTrain(it);
    }
    scrub.addEventListener("input", () => showFrame(+scrub.value));
    scrub.addEventListener("change", () => ctx.ready());

    // ---- gestures: click adds, drag moves, shift-click deletes ----
    let drag = null;
    const commit = () => {
      ctx.set({ pts: points.map((p) => [+p[0].toFixed(2), +p[1].toFixed(2), p[2]]) }, { silent: true });
      fetchTrain(frame().iteration || ctx.state.iters || 0);
    };
    plot.canvas.addEventListener("pointerdown", (ev) => {
      if (!points) return;
      const [px, py] = plot.eventXY(ev);
      const i = nearest(plot, points, px, py, 11);
      if (ev.shiftKey) {
        if (i >= 0) { points.splice(i, 1); commit(); }
        return;
      }
      if (i >= 0) {
        drag = { i, moved: false };
        plot.canvas.setPointerCapture(ev.pointerId);
        draw();
        return;
      }
      const x = plot.ix(px), y = plot.iy(py);
      if (x < -4 || x > 4 || y < -3 || y > 3) return;
      points.push([+x.toFixed(2), +y.toFixed(2), ctx.state.cls]);
      commit();
    });
    plot.canvas.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const [px, py] = plot.eventXY(ev);
      points[drag.i] = [Math.max(-4, Math.min(4, plot.ix(px))), Math.max(-3, Math.min(3, plot.iy(py))), points[drag.i][2]];
      drag.moved = true;
      draw();
      commit();
    });
    const endDrag = () => {
      if (!drag) return;
      const moved = drag.moved;
      drag = null;
      draw();
      if (moved) commit();
    };
    plot.canvas.addEventListener("pointerup", endDrag);
    plot.canvas.addEventListener("pointercancel", endDrag);

    ctx.pointsForExport = () => points || [];
    return {
      reset() {
        data = null;
        shown = 0;
        points = null;
      },
      destroy() {
        if (anim) cancelAnimationFrame(anim);
      },
      async update() {
        const s = ctx.state;
        if (s.pts) points = s.pts.map((p) => [...p]);
        else {
          const out = await ctx.call("preset", { preset: s.preset, seed: s.seed }, "train-preset");
          points = out.points;
        }
        await fetchTrain(s.iters);
      },
    };
  },
};
