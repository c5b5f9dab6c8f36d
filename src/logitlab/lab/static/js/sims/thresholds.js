// 10. Thresholds and base rates: confusion matrix, precision / recall / F1, ROC and PR curves.
import { COLORS, h, pct } from "../core.js";
import { Plot } from "../plot.js";
import { figure, legend, b, P, redrawer } from "./util.js";

export default {
  id: "thresholds",
  short: "Thresholds and base rates",
  title: "Thresholds and base rates: accuracy misleads",
  prompt: "Slide the threshold and watch the confusion matrix, precision and recall trade off and the point move on both curves; then make positives rare with the prevalence slider.",
  question: "At 2% prevalence, how does the model's accuracy compare with a rule that always says “negative”?",
  defaults: { seed: 0, prevalence: 0.1, threshold: 0.5 },
  data: true,
  wide: true,
  mount(ctx) {
    const pad = { l: 44, r: 10, t: 8, b: 34 };
    const hist = new Plot({ x: [0, 1], y: [0, 10], aspect: 0.62, xlabel: "predicted P(y = 1)", ylabel: "share of the class", label: "Histogram of predicted probabilities by class with the threshold", pad });
    const roc = new Plot({ x: [0, 1], y: [0, 1], aspect: 0.62, xlabel: "false positive rate", ylabel: "true positive rate", label: "ROC curve with the current threshold", pad });
    const pr = new Plot({ x: [0, 1], y: [0, 1.02], aspect: 0.62, xlabel: "recall", ylabel: "precision", label: "Precision-recall curve with the current threshold", pad });
    ctx.stage.append(h("div", { class: "row3" },
      figure(hist, [h("strong", {}, "Scores"), " of negatives and positives (each class sums to 1)"]),
      figure(roc, [h("strong", {}, "ROC"), " curve"]),
      figure(pr, [h("strong", {}, "Precision–recall"), " curve"])),
      legend([["c0", "actual negatives"], ["c1", "actual positives"], ["accent", "current threshold"], ["dash", "chance / prevalence"]]));
    const cells = {};
    const cell = (k) => (cells[k] = h("td", { "data-k": k }, "—"));
    const table = h("table", { class: "cm", "aria-label": "Confusion matrix" },
      h("tr", {}, h("th", {}), h("th", { scope: "col" }, "predicted +"), h("th", { scope: "col" }, "predicted −")),
      h("tr", {}, h("th", { scope: "row" }, "actual +"), cell("tp"), cell("fn")),
      h("tr", {}, h("th", { scope: "row" }, "actual −"), cell("fp"), cell("tn")));
    ctx.panel.append(
      ctx.slider({ key: "threshold", label: "threshold", min: 0, max: 1, step: 0.01 }),
      ctx.slider({ key: "prevalence", label: "prevalence", min: 0.01, max: 0.5, step: 0.01 }),
      table,
      ctx.readouts([["precision", "precision"], ["recall", "recall"], ["f1", "F1"], ["accuracy", "accuracy"], ["baseline", "always “negative”"], ["auc", "ROC AUC"], ["ap", "average precision"]]));
    let data = null;
    const draw = redrawer(() => {
      for (const p of [hist, roc, pr]) p.clear();
      if (!data) { for (const p of [hist, roc, pr]) p.axes(); return; }
      const H = data.hist;
      const top = Math.max(0.05, ...H.neg_share, ...H.pos_share);
      hist.setRange(null, [0, top * 1.08]);
      hist.axes();
      const c = hist.ctx;
      for (let i = 0; i < H.neg.length; i++) {
        const x0 = hist.sx(H.edges[i]), x1 = hist.sx(H.edges[i + 1]), w = (x1 - x0) / 2 - 1;
        c.fillStyle = COLORS.c0;
        c.fillRect(x0 + 1, hist.sy(H.neg_share[i]), w, hist.sy(0) - hist.sy(H.neg_share[i]));
        c.fillStyle = COLORS.c1;
        c.fillRect(x0 + 1 + w, hist.sy(H.pos_share[i]), w, hist.sy(0) - hist.sy(H.pos_share[i]));
      }
      hist.vline(data.current.threshold, { color: COLORS.accent, width: 2.5 });
      roc.axes();
      roc.path([0, 1], [0, 1], { color: COLORS.muted, dash: [5, 4], width: 1 });
      roc.path(data.roc.fpr, data.roc.tpr, { color: COLORS.ink, width: 2.5 });
      const cur = data.current;
      if (cur.fpr !== null && cur.recall !== null) roc.dot(cur.fpr, cur.recall, { color: COLORS.accent, r: 6 });
      pr.axes();
      pr.hline(data.n_pos / data.n, { color: COLORS.muted, dash: [5, 4], width: 1 });
      pr.clip(() => pr.path(data.pr.recall, data.pr.precision, { color: COLORS.ink, width: 2.5 }));
      if (cur.precision !== null && cur.recall !== null) pr.dot(cur.recall, cur.precision, { color: COLORS.accent, r: 6 });
    });
    hist.onDraw = roc.onDraw = pr.onDraw = draw;
    return {
      async update() {
        const s = ctx.state;
        const out = await ctx.call("thresholds", { seed: s.seed, prevalence: s.prevalence, threshold: s.threshold }, "thresholds");
        data = out;
        ctx.python = out.python;
        ctx.pointsForExport = null;
        const c = out.current;
        for (const k of ["tp", "fn", "fp", "tn"]) { cells[k].textContent = String(c[k]); cells[k].dataset.v = String(c[k]); }
        ctx.num("precision", c.precision);
        ctx.num("recall", c.recall);
        ctx.num("f1", c.f1);
        ctx.num("accuracy", c.accuracy, pct(c.accuracy));
        ctx.num("baseline", out.baseline_accuracy, pct(out.baseline_accuracy));
        ctx.num("auc", out.roc.auc);
        ctx.num("ap", out.pr.ap);
        ctx.eq.innerHTML = P(
          `predict + when P(<var>y</var>=1|<var>x</var>) ≥ ${b(c.threshold, 2)}; ${b(out.n_pos, 0)} positives of ${b(out.n, 0)} (prevalence ${b(out.prevalence, 2)})`,
          `precision = TP/(TP+FP) = ${c.tp}/${c.tp + c.fp} = ${b(c.precision, 3, "precision")}; recall = TP/(TP+FN) = ${c.tp}/${c.tp + c.fn} = ${b(c.recall, 3, "recall")}`,
          `F1 = 2PR/(P+R) = ${b(c.f1, 3)}; accuracy = (TP+TN)/<var>n</var> = ${b(c.accuracy, 3)} vs always “negative” ${b(out.baseline_accuracy, 3)}`,
          `<span class="note">${c.accuracy <= out.baseline_accuracy ? "The model is no more accurate than saying “negative” to everyone — yet it finds " + pct(c.recall) + " of the positives." : "Accuracy beats the always-negative rule here; make positives rarer and watch the gap close."}</span>`);
        draw();
        ctx.ready();
      },
    };
  },
};

