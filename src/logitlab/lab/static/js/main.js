// The lab shell: navigation, the URL-hash router, the context handed to each simulation,
// shared controls, and the Copy-as-Python / import / export dialog.
import {
  api, h, fmt, sigma, parseHash, stateFromParams, hashFromState, pointsToCSV, pointsToJSON,
  parsePoints, setNum, ApiError, pendingRequests,
} from "./core.js";
import { SIMS } from "./sims/index.js";

const app = document.getElementById("app");
const nav = document.getElementById("nav");
const view = document.getElementById("view");
let current = null; // { sim, ctx, inst }

// Hooks for tests and for the curious: the page's sigmoid, the state, data -> page pixels.
window.__lab = {
  sigma,
  state: () => current && current.ctx.state,
  sims: SIMS.map((s) => s.id),
  pending: pendingRequests,
  pixel(x, y) {
    const p = current && current.ctx.mainPlot;
    if (!p) return null;
    const r = p.canvas.getBoundingClientRect();
    return [r.left + p.sx(x), r.top + p.sy(y)];
  },
};

// ---- page status for humans (status line) and tests (data-state, data-rev) ----------------------
let rev = 0;
function setState(s) {
  app.dataset.state = s;
  if (s === "ready") app.dataset.rev = String(++rev);
}

// ---- navigation -------------------------------------------------------------------------------
function buildNav() {
  const list = h("ol", { class: "nav-list" });
  for (const [i, s] of SIMS.entries()) {
    list.append(h("li", {}, h("a", { href: `#/${s.id}`, "data-id": s.id }, h("span", { class: "n" }, String(i + 1)), " ", s.short)));
  }
  nav.replaceChildren(h("a", { href: "#/", class: "nav-home", "data-id": "" }, "All simulations"), list);
}
function markNav(id) {
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.id === id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function home() {
  const cards = SIMS.map((s, i) =>
    h("li", { class: "card" },
      h("a", { href: `#/${s.id}` },
        h("span", { class: "n" }, String(i + 1)),
        h("strong", {}, s.title),
        h("span", { class: "card-prompt" }, s.prompt))));
  view.replaceChildren(
    h("section", { class: "home" },
      h("h1", {}, "The logitlab lab"),
      h("p", { class: "lede" },
        "Logistic regression, taken apart. Each simulation below lets you move one piece of the mechanism " +
        "and watch the numbers respond. Every number that is learned or measured comes from the logitlab " +
        "engine running on your machine; the page only draws."),
      h("ol", { class: "cards" }, cards)));
  app.dataset.sim = "home";
  markNav("");
  document.title = "logitlab lab";
  setState("ready");
}

// ---- the context of one simulation --------------------------------------------------------------
function makeCtx(sim, params) {
  const ctx = {
    sim,
    state: stateFromParams(sim.defaults, params),
    python: "",
    pointsForExport: null,
    stage: h("div", { class: "stage" }),
    panel: h("div", { class: "panel" }),
    eq: h("div", { class: "eq", "aria-live": "polite" }),
    status: h("p", { class: "status", role: "status" }),
    controls: {},
    set(patch, { silent = false } = {}) {
      Object.assign(ctx.state, patch);
      history.replaceState(null, "", hashFromState(sim.id, ctx.state, sim.defaults));
      for (const [k, v] of Object.entries(patch)) if (ctx.controls[k]) ctx.controls[k].sync(v);
      if (!silent) ctx.update();
    },
    update() {
      if (current && current.ctx === ctx && current.inst) current.inst.update();
    },
    async call(name, params, channel) {
      setState("busy");
      try {
        const out = await api(name, params, channel);
        ctx.note("");
        return out;
      } catch (err) {
        ctx.fail(err instanceof ApiError ? err.message : "the lab server did not answer: " + err.message);
        throw err;
      }
    },
    ready() {
      setState("ready");
    },
    busy(s = "busy") {
      setState(s);
    },
    fail(message) {
      ctx.note(message, "error");
      setState("error");
    },
    note(message, kind = "info") {
      ctx.status.textContent = message;
      ctx.status.dataset.kind = message ? kind : "";
    },
    // --- controls bound to state keys ---
    slider({ key, label, min, max, step, digits = 2, help }) {
      const id = `c-${sim.id}-${key}`;
      const input = h("input", { type: "range", id, min, max, step, value: ctx.state[key], "data-key": key });
      const out = h("output", { for: id, "data-k": "ctl-" + key }, fmt(+ctx.state[key], digits));
      input.addEventListener("input", () => ctx.set({ [key]: +input.value }));
      ctx.controls[key] = {
        sync(v) {
          if (+input.value !== v) input.value = v;
          out.textContent = fmt(+v, digits);
        },
      };
      return h("div", { class: "ctl slider" }, h("label", { for: id }, label), input, out, help ? h("small", {}, help) : null);
    },
    radio({ key, label, options }) {
      const name = `r-${sim.id}-${key}`;
      const inputs = [];
      const fs = h("fieldset", { class: "ctl radio" }, h("legend", {}, label),
        ...options.map(([value, text]) => {
          const inp = h("input", { type: "radio", name, value: String(value), "data-key": key });
          if (String(ctx.state[key]) === String(value)) inp.checked = true;
          inp.addEventListener("change", () => {
            if (inp.checked) ctx.set({ [key]: typeof sim.defaults[key] === "number" ? +value : value });
          });
          inputs.push(inp);
          return h("label", {}, inp, " ", text);
        }));
      ctx.controls[key] = { sync(v) { for (const i of inputs) i.checked = i.value === String(v); } };
      return fs;
    },
    check({ key, label }) {
      const id = `k-${sim.id}-${key}`;
      const inp = h("input", { type: "checkbox", id, "data-key": key });
      inp.checked = !!ctx.state[key];
      inp.addEventListener("change", () => ctx.set({ [key]: inp.checked }));
      ctx.controls[key] = { sync(v) { inp.checked = !!v; } };
      return h("div", { class: "ctl check" }, inp, h("label", { for: id }, label));
    },
    select({ key, label, options }) {
      const id = `s-${sim.id}-${key}`;
      const sel = h("select", { id, "data-key": key }, ...options.map(([v, t]) => h("option", { value: v }, t)));
      sel.value = ctx.state[key];
      sel.addEventListener("change", () => ctx.set({ [key]: sel.value, ...(sim.defaults.pts !== undefined ? { pts: null } : {}) }));
      ctx.controls[key] = { sync(v) { sel.value = v; } };
      return h("div", { class: "ctl select" }, h("label", { for: id }, label), sel);
    },
    button(label, onclick, attrs = {}) {
      return h("button", { type: "button", onclick, ...attrs }, label);
    },
    readouts(items) {
      const dl = h("dl", { class: "readouts" });
      const els = {};
      for (const [key, label] of items) {
        els[key] = h("dd", { "data-k": key }, "—");
        dl.append(h("div", {}, h("dt", {}, label), els[key]));
      }
      ctx.out = { ...(ctx.out || {}), ...els };
      return dl;
    },
    num(key, value, text) {
      setNum(ctx.out && ctx.out[key], value, text);
    },
  };
  return ctx;
}


// After a state change from outside the controls: sync every control, reset, redraw.
function restart(ctx) {
  for (const [k, c] of Object.entries(ctx.controls)) c.sync(ctx.state[k]);
  if (current && current.inst && current.inst.reset) current.inst.reset();
  ctx.set({});
}

function mount(sim, params) {
  if (current && current.inst && current.inst.destroy) current.inst.destroy();
  const ctx = makeCtx(sim, params);
  const seedDefault = sim.defaults.seed !== undefined;
  const idx = SIMS.indexOf(sim) + 1;
  const tools = h("div", { class: "tools", role: "toolbar", "aria-label": "Simulation tools" },
    ctx.button("Reset", () => {
      const keep = ctx.state.seed;
      Object.assign(ctx.state, sim.defaults, seedDefault ? { seed: keep } : {});
      restart(ctx);
    }, { "data-action": "reset", title: "Back to the starting state (same seed)" }),
    sim.data ? ctx.button("Reshuffle", () => {
      Object.assign(ctx.state, { seed: Math.floor(Math.random() * 100000) }, sim.defaults.pts !== undefined ? { pts: null } : {});
      restart(ctx);
    }, { "data-action": "reshuffle", title: "New random data (a new seed)" }) : null,
    ctx.button("Copy as Python", () => showCode(ctx), { "data-action": "python" }),
    sim.data ? ctx.button("Export points", () => showExport(ctx), { "data-action": "export" }) : null,
    sim.importable ? ctx.button("Import points", () => showImport(ctx), { "data-action": "import" }) : null);
  const head = h("header", { class: "sim-head" },
    h("p", { class: "kicker" }, `Simulation ${idx} of ${SIMS.length}`),
    h("h1", {}, sim.title),
    h("p", { class: "prompt" }, sim.prompt),
    h("p", { class: "question" }, h("strong", {}, "Question. "), sim.question));
  const body = h("div", { class: "sim-body" + (sim.wide ? " wide" : "") }, ctx.stage,
    h("div", { class: "side" }, ctx.panel, h("div", { class: "eq-wrap" }, h("h2", {}, "The equations, now"), ctx.eq), ctx.status));
  view.replaceChildren(h("article", { class: "sim", id: "sim-" + sim.id }, head, body, tools));
  app.dataset.sim = sim.id;
  markNav(sim.id);
  document.title = `${sim.title} · logitlab lab`;
  current = { sim, ctx, inst: null };
  history.replaceState(null, "", hashFromState(sim.id, ctx.state, sim.defaults));
  current.inst = sim.mount(ctx);
  ctx.update();
}

function route() {
  const { sim: id, params } = parseHash(location.hash);
  const sim = SIMS.find((s) => s.id === id);
  if (!sim) {
    if (current && current.inst && current.inst.destroy) current.inst.destroy();
    current = null;
    home();
    return;
  }
  if (current && current.sim === sim) {
    current.ctx.state = stateFromParams(sim.defaults, params);
    restart(current.ctx);
  } else mount(sim, params);
}

// ---- dialog: Copy as Python, export, import ------------------------------------------------------
const dlg = document.getElementById("dlg");
function openDialog(title, bodyNodes) {
  dlg.replaceChildren(
    h("form", { method: "dialog", class: "dlg" },
      h("h2", {}, title), ...bodyNodes,
      h("div", { class: "dlg-buttons" }, h("button", { value: "close", "data-action": "close" }, "Close"))));
  dlg.showModal();
}
async function copyText(text, btn) {
  try {
    await navigator.clipboard.writeText(text);
    btn.textContent = "Copied";
  } catch {
    const ta = dlg.querySelector("textarea");
    ta.select();
    btn.textContent = document.execCommand && document.execCommand("copy") ? "Copied" : "Select and copy (Ctrl-C)";
  }
}
function showCode(ctx) {
  const code = typeof ctx.python === "function" ? ctx.python() : ctx.python;
  const ta = h("textarea", { readonly: true, rows: 16, spellcheck: "false", "data-k": "python", "aria-label": "Python code" });
  ta.value = code || "# not ready yet";
  const btn = h("button", { type: "button", "data-action": "copy" }, "Copy");
  btn.addEventListener("click", () => copyText(ta.value, btn));
  openDialog("Copy as Python — reproduces this picture with logitlab", [ta, btn]);
}
function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
function showExport(ctx) {
  const pts = ctx.pointsForExport ? ctx.pointsForExport() : [];
  const ta = h("textarea", { readonly: true, rows: 12, "data-k": "export", "aria-label": "Exported points" });
  let format = "csv";
  const fill = () => (ta.value = format === "csv" ? pointsToCSV(pts) : pointsToJSON(pts));
  fill();
  const pick = h("div", { class: "ctl" },
    ...["csv", "json"].map((f) => {
      const b = h("button", { type: "button", "data-format": f }, f.toUpperCase());
      b.addEventListener("click", () => { format = f; fill(); });
      return b;
    }),
    h("button", { type: "button", "data-action": "download", onclick: () => download(`points.${format}`, ta.value, format === "csv" ? "text/csv" : "application/json") }, "Download"));
  openDialog(`Export ${pts.length} points (x1, x2, label)`, [pick, ta]);
}
function showImport(ctx) {
  const ta = h("textarea", { rows: 10, "data-k": "import", "aria-label": "Points to import", placeholder: "x1,x2,label\n-1.2,0.4,0\n1.5,0.9,1" });
  const err = h("p", { class: "status", role: "alert", "data-k": "import-error" });
  const file = h("input", { type: "file", accept: ".csv,.json,.txt", "aria-label": "Import from a file" });
  file.addEventListener("change", async () => {
    if (file.files[0]) ta.value = await file.files[0].text();
  });
  const apply = h("button", { type: "button", "data-action": "apply-import" }, "Use these points");
  apply.addEventListener("click", () => {
    try {
      const pts = parsePoints(ta.value, ctx.sim.nClasses || 2);
      dlg.close();
      ctx.state.pts = pts;
      restart(ctx);
    } catch (e) {
      err.textContent = e.message;
      err.dataset.kind = "error";
    }
  });
  openDialog("Import points: CSV (x1,x2,label) or JSON", [h("p", {}, "Paste below or choose a file."), file, ta, apply, err]);
}

buildNav();
window.addEventListener("hashchange", route);
route();
