// A small canvas plotting helper: data <-> pixel maps, axes, points with shapes, fields, curves.
import { COLORS, CLASS_COLORS, fmt } from "./core.js";

const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";

export class Plot {
  // opts: x: [min, max], y: [min, max], aspect (height / width), logx, logy, pad {l, r, t, b},
  // xlabel, ylabel, label (aria-label of the canvas)
  constructor(opts) {
    this.o = { aspect: 0.75, pad: { l: 44, r: 12, t: 12, b: 34 }, ...opts };
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", opts.label || "plot");
    this.canvas.className = "plot";
    this.ctx = this.canvas.getContext("2d");
    this.onDraw = null;
    this.w = 300;
    this.h = 225;
    this._ro = new ResizeObserver(() => this.resize());
    this._ro.observe(this.canvas);
  }
  destroy() {
    this._ro.disconnect();
  }
  resize() {
    const cssW = Math.max(120, Math.round(this.canvas.clientWidth || 300));
    const cssH = Math.round(cssW * this.o.aspect);
    const dpr = window.devicePixelRatio || 1;
    if (cssW === this.w && cssH === this.h && this.canvas.width === Math.round(cssW * dpr)) return;
    this.w = cssW;
    this.h = cssH;
    this.canvas.style.height = cssH + "px";
    this.canvas.width = Math.round(cssW * dpr);
    this.canvas.height = Math.round(cssH * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (this.onDraw) this.onDraw();
  }
  setRange(x, y) {
    if (x) this.o.x = x;
    if (y) this.o.y = y;
  }
  // data -> pixels
  tx(v) {
    return this.o.logx ? Math.log10(Math.max(v, 1e-300)) : v;
  }
  ty(v) {
    return this.o.logy ? Math.log10(Math.max(v, 1e-300)) : v;
  }
  sx(x) {
    const { l, r } = this.o.pad;
    const [a, b] = this.o.x.map((v) => this.tx(v));
    return l + ((this.tx(x) - a) / (b - a)) * (this.w - l - r);
  }
  sy(y) {
    const { t, b: bb } = this.o.pad;
    const [a, b] = this.o.y.map((v) => this.ty(v));
    return this.h - bb - ((this.ty(y) - a) / (b - a)) * (this.h - t - bb);
  }
  // pixels -> data (linear axes only)
  ix(px) {
    const { l, r } = this.o.pad;
    const [a, b] = this.o.x;
    return a + ((px - l) / (this.w - l - r)) * (b - a);
  }
  iy(py) {
    const { t, b: bb } = this.o.pad;
    const [a, b] = this.o.y;
    return a + ((this.h - bb - py) / (this.h - t - bb)) * (b - a);
  }
  eventXY(ev) {
    const r = this.canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  }
  clear() {
    this.ctx.clearRect(0, 0, this.w, this.h);
  }
  clip(fn) {
    const c = this.ctx;
    const { l, r, t, b } = this.o.pad;
    c.save();
    c.beginPath();
    c.rect(l, t, this.w - l - r, this.h - t - b);
    c.clip();
    fn(c);
    c.restore();
  }
  _ticks(lo, hi, log, n = 6) {
    if (log) {
      const out = [];
      const e0 = Math.ceil(Math.log10(lo)), e1 = Math.floor(Math.log10(hi));
      const every = Math.max(1, Math.ceil((e1 - e0 + 1) / n));
      for (let e = e0; e <= e1; e++) if ((e - e0) % every === 0) out.push(10 ** e);
      return out;
    }
    const span = hi - lo;
    const step0 = span / n;
    const mag = 10 ** Math.floor(Math.log10(step0));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || mag * 10;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
    return out;
  }
  axes({ xlabel = this.o.xlabel, ylabel = this.o.ylabel, grid = true, frame = true } = {}) {
    const c = this.ctx;
    const { l, r, t, b } = this.o.pad;
    c.save();
    c.font = FONT;
    c.fillStyle = COLORS.muted;
    c.strokeStyle = COLORS.grid;
    c.lineWidth = 1;
    const xt = this._ticks(this.o.x[0], this.o.x[1], this.o.logx);
    const yt = this._ticks(this.o.y[0], this.o.y[1], this.o.logy, Math.max(3, Math.round(this.h / 60)));
    const lab = (v, log) => (log ? (v >= 1e4 || v < 1e-2 ? "1e" + Math.round(Math.log10(v)) : String(v)) : fmt(v, Number.isInteger(v) ? 0 : 2).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, ""));
    c.textAlign = "center";
    c.textBaseline = "top";
    for (const v of xt) {
      const x = this.sx(v);
      if (grid) {
        c.beginPath();
        c.moveTo(x + 0.5, t);
        c.lineTo(x + 0.5, this.h - b);
        c.stroke();
      }
      c.fillText(lab(v, this.o.logx), x, this.h - b + 4);
    }
    c.textAlign = "right";
    c.textBaseline = "middle";
    for (const v of yt) {
      const y = this.sy(v);
      if (grid) {
        c.beginPath();
        c.moveTo(l, y + 0.5);
        c.lineTo(this.w - r, y + 0.5);
        c.stroke();
      }
      c.fillText(lab(v, this.o.logy), l - 5, y);
    }
    if (frame) {
      c.strokeStyle = "#aab1bb";
      c.strokeRect(l + 0.5, t + 0.5, this.w - l - r - 1, this.h - t - b - 1);
    }
    c.fillStyle = COLORS.ink;
    if (xlabel) {
      c.textAlign = "center";
      c.textBaseline = "bottom";
      c.fillText(xlabel, l + (this.w - l - r) / 2, this.h - 1);
    }
    if (ylabel) {
      c.save();
      c.translate(11, t + (this.h - t - b) / 2);
      c.rotate(-Math.PI / 2);
      c.textAlign = "center";
      c.textBaseline = "middle";
      c.fillText(ylabel, 0, 0);
      c.restore();
    }
    c.restore();
  }
  // A probability field: fn(x, y) -> P(class 1), or a server grid {nx, ny, proba} (row-major, top row first).
  field(fnOrGrid, colorOf = probColor, res = 4) {
    const { l, r, t, b } = this.o.pad;
    const W = this.w - l - r;
    const H = this.h - t - b;
    const c = this.ctx;
    if (typeof fnOrGrid === "function") {
      const nx = Math.ceil(W / res);
      const ny = Math.ceil(H / res);
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const px = l + (i + 0.5) * res;
          const py = t + (j + 0.5) * res;
          c.fillStyle = colorOf(fnOrGrid(this.ix(px), this.iy(py)));
          c.fillRect(l + i * res, t + j * res, res + 0.5, res + 0.5);
        }
      }
    } else {
      // a server grid: paint one pixel per cell off-screen, then scale up smoothly
      const { nx, ny, proba } = fnOrGrid;
      const off = document.createElement("canvas");
      off.width = nx;
      off.height = ny;
      const octx = off.getContext("2d");
      const img = octx.createImageData(nx, ny);
      for (let k = 0; k < nx * ny; k++) {
        const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(colorOf(proba[k])) || [0, 238, 238, 238];
        img.data[4 * k] = +m[1];
        img.data[4 * k + 1] = +m[2];
        img.data[4 * k + 2] = +m[3];
        img.data[4 * k + 3] = 255;
      }
      octx.putImageData(img, 0, 0);
      c.save();
      c.imageSmoothingEnabled = true;
      c.imageSmoothingQuality = "high";
      c.drawImage(off, l, t, W, H);
      c.restore();
    }
  }
  // The level set of a server grid {nx, ny, proba} (cell centres), by marching squares.
  contour({ nx, ny, proba }, level = 0.5, { color = COLORS.ink, width = 2.5 } = {}) {
    const [x0, x1] = this.o.x, [y0, y1] = this.o.y;
    const dx = (x1 - x0) / nx, dy = (y1 - y0) / ny;
    const X = (i) => x0 + (i + 0.5) * dx, Y = (j) => y1 - (j + 0.5) * dy;
    const v = (i, j) => proba[j * nx + i] - level;
    const c = this.ctx;
    this.clip(() => {
      c.save();
      c.strokeStyle = color;
      c.lineWidth = width;
      c.beginPath();
      for (let j = 0; j < ny - 1; j++)
        for (let i = 0; i < nx - 1; i++) {
          const a = v(i, j), b = v(i + 1, j), d = v(i, j + 1), e = v(i + 1, j + 1);
          const pts = [];
          const edge = (p, q, xa, ya, xb, yb) => {
            if ((p < 0) !== (q < 0)) { const t = p / (p - q); pts.push([xa + t * (xb - xa), ya + t * (yb - ya)]); }
          };
          edge(a, b, X(i), Y(j), X(i + 1), Y(j));
          edge(b, e, X(i + 1), Y(j), X(i + 1), Y(j + 1));
          edge(e, d, X(i + 1), Y(j + 1), X(i), Y(j + 1));
          edge(d, a, X(i), Y(j + 1), X(i), Y(j));
          for (let k = 0; k + 1 < pts.length; k += 2) {
            c.moveTo(this.sx(pts[k][0]), this.sy(pts[k][1]));
            c.lineTo(this.sx(pts[k + 1][0]), this.sy(pts[k + 1][1]));
          }
        }
      c.stroke();
      c.restore();
    });
  }
  // The line w1 x + w2 y + b = 0 inside the box.
  boundary(b, w1, w2, style = {}) {
    if (Math.abs(w1) < 1e-12 && Math.abs(w2) < 1e-12) return;
    const [x0, x1] = this.o.x;
    const [y0, y1] = this.o.y;
    let pts;
    if (Math.abs(w2) > Math.abs(w1)) pts = [[x0, -(b + w1 * x0) / w2], [x1, -(b + w1 * x1) / w2]];
    else pts = [[-(b + w2 * y0) / w1, y0], [-(b + w2 * y1) / w1, y1]];
    this.clip(() => this.path(pts.map((p) => p[0]), pts.map((p) => p[1]), { color: COLORS.ink, width: 2.5, ...style }));
  }
  path(xs, ys, { color = COLORS.ink, width = 2, dash = null, alpha = 1, step = false } = {}) {
    const c = this.ctx;
    c.save();
    c.strokeStyle = color;
    c.lineWidth = width;
    c.globalAlpha = alpha;
    c.lineJoin = "round";
    if (dash) c.setLineDash(dash);
    c.beginPath();
    let started = false;
    let prevY = null;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] === null || ys[i] === null || !Number.isFinite(ys[i]) || !Number.isFinite(xs[i])) {
        started = false;
        continue;
      }
      const X = this.sx(xs[i]);
      const Y = this.sy(ys[i]);
      if (!started) c.moveTo(X, Y);
      else if (step) {
        c.lineTo(X, prevY);
        c.lineTo(X, Y);
      } else c.lineTo(X, Y);
      started = true;
      prevY = Y;
    }
    c.stroke();
    c.restore();
  }
  curve(fn, opts = {}, n = 240) {
    const [a, b] = this.o.x;
    const xs = [];
    const ys = [];
    for (let i = 0; i <= n; i++) {
      const x = a + ((b - a) * i) / n;
      xs.push(x);
      ys.push(fn(x));
    }
    this.clip(() => this.path(xs, ys, opts));
  }
  vline(x, style = {}) {
    this.clip(() => this.path([x, x], this.o.y, { width: 1.5, ...style }));
  }
  hline(y, style = {}) {
    this.clip(() => this.path(this.o.x, [y, y], { width: 1.5, ...style }));
  }
  // Points [[x, y, label], ...]; opts.ring: set of indices to circle; opts.size
  points(pts, { size = 6, ring = null, ringColor = COLORS.accent, alpha = 1, highlight = null } = {}) {
    const c = this.ctx;
    c.save();
    c.globalAlpha = alpha;
    pts.forEach((p, i) => {
      marker(c, this.sx(p[0]), this.sy(p[1]), p[2], size);
      if (ring && ring.has(i)) {
        c.beginPath();
        c.strokeStyle = ringColor;
        c.lineWidth = 2.5;
        c.arc(this.sx(p[0]), this.sy(p[1]), size + 5, 0, 2 * Math.PI);
        c.stroke();
      }
    });
    if (highlight !== null && pts[highlight]) {
      const p = pts[highlight];
      c.beginPath();
      c.strokeStyle = COLORS.ink;
      c.lineWidth = 2;
      c.setLineDash([3, 2]);
      c.arc(this.sx(p[0]), this.sy(p[1]), size + 9, 0, 2 * Math.PI);
      c.stroke();
    }
    c.restore();
  }
  arrow(x0, y0, x1, y1, { color = COLORS.ink, width = 2.5 } = {}) {
    const c = this.ctx;
    const X0 = this.sx(x0), Y0 = this.sy(y0), X1 = this.sx(x1), Y1 = this.sy(y1);
    const a = Math.atan2(Y1 - Y0, X1 - X0);
    c.save();
    c.strokeStyle = c.fillStyle = color;
    c.lineWidth = width;
    c.beginPath();
    c.moveTo(X0, Y0);
    c.lineTo(X1 - 6 * Math.cos(a), Y1 - 6 * Math.sin(a));
    c.stroke();
    c.beginPath();
    c.moveTo(X1, Y1);
    c.lineTo(X1 - 12 * Math.cos(a - 0.4), Y1 - 12 * Math.sin(a - 0.4));
    c.lineTo(X1 - 12 * Math.cos(a + 0.4), Y1 - 12 * Math.sin(a + 0.4));
    c.closePath();
    c.fill();
    c.restore();
  }
  dot(x, y, { color = COLORS.ink, r = 5, fill = true, shape = "circle", outline = "#fff" } = {}) {
    const c = this.ctx;
    const X = this.sx(x), Y = this.sy(y);
    c.save();
    c.beginPath();
    if (shape === "diamond") {
      c.moveTo(X, Y - r * 1.3);
      c.lineTo(X + r * 1.3, Y);
      c.lineTo(X, Y + r * 1.3);
      c.lineTo(X - r * 1.3, Y);
      c.closePath();
    } else c.arc(X, Y, r, 0, 2 * Math.PI);
    c.lineWidth = 2;
    if (fill) {
      c.fillStyle = color;
      c.fill();
      c.strokeStyle = outline;
      c.stroke();
    } else {
      c.strokeStyle = color;
      c.stroke();
    }
    c.restore();
  }
  text(s, x, y, { color = COLORS.ink, align = "left", base = "alphabetic", bold = false, px = false } = {}) {
    const c = this.ctx;
    c.save();
    c.font = (bold ? "600 " : "") + FONT;
    c.fillStyle = color;
    c.textAlign = align;
    c.textBaseline = base;
    const X = px ? x : this.sx(x), Y = px ? y : this.sy(y);
    c.lineWidth = 3;
    c.strokeStyle = "rgba(255,255,255,0.85)";
    c.strokeText(s, X, Y);
    c.fillText(s, X, Y);
    c.restore();
  }
}

// Class markers: 0 circle (blue), 1 triangle (orange), 2 square (purple); white halo, dark edge.
export function marker(c, X, Y, label, size = 6) {
  c.save();
  c.beginPath();
  if (label === 1) {
    const r = size * 1.25;
    c.moveTo(X, Y - r);
    c.lineTo(X + r * 0.95, Y + r * 0.65);
    c.lineTo(X - r * 0.95, Y + r * 0.65);
    c.closePath();
  } else if (label === 2) {
    c.rect(X - size * 0.9, Y - size * 0.9, size * 1.8, size * 1.8);
  } else c.arc(X, Y, size, 0, 2 * Math.PI);
  c.fillStyle = CLASS_COLORS[label] || COLORS.ink;
  c.lineWidth = 3;
  c.strokeStyle = "rgba(255,255,255,0.95)";
  c.stroke();
  c.fill();
  c.lineWidth = 1.2;
  c.strokeStyle = "#1d2430";
  c.stroke();
  c.restore();
}

// P(class 1) -> colour: blue (0) through near-white (0.5) to orange (1).
const B = [0, 114, 178];
const O = [230, 159, 0];
export function probColor(p) {
  if (p === null || p === undefined || Number.isNaN(p)) return "rgb(238,238,238)";
  const t = Math.abs(p - 0.5) * 2; // confidence 0..1
  const c = p >= 0.5 ? O : B;
  const a = 0.08 + 0.5 * t;
  const mix = (k) => Math.round(255 * (1 - a) + c[k] * a);
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
}
