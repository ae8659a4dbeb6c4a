// hpsearch serve: each page fetches its data from /api/ and polls a small
// document whose version says when anything changed; only then does it
// fetch the rest. Polling stops while the tab is hidden.
"use strict";
(function () {
  const body = document.body;
  const page = body.dataset.page;
  const study = body.dataset.study;
  const poll = Math.max(500, parseInt(body.dataset.poll, 10) || 2000);
  const enc = encodeURIComponent;

  // ---- helpers ----
  function $(sel, root) { return (root || document).querySelector(sel); }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of kids) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  // fmt writes a number as the terminal tables do: short, exponent for
  // the very small and very large.
  function fmt(v) {
    if (v === null || v === undefined) return "-";
    if (typeof v !== "number") return String(v);
    if (!isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, "e");
    return String(Number(v.toPrecision(5)));
  }
  function fmtTime(s) {
    if (!s || s.startsWith("0001-")) return "-";
    const d = new Date(s);
    return d.toISOString().slice(0, 16).replace("T", " ");
  }
  function fmtSeconds(s) {
    if (s === null || s === undefined) return "-";
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + " s";
    if (s < 3600) return (s / 60).toFixed(1) + " min";
    return (s / 3600).toFixed(1) + " h";
  }
  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const doc = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) throw new Error(doc.error || r.statusText);
    return doc;
  }
  function setLive(ok, msg) {
    const b = $("#live");
    if (!b) return;
    b.className = "live " + (ok ? "on" : "off");
    b.textContent = ok ? "live" : "offline";
    b.title = msg || "this page updates itself";
  }
  // every runs f now and every poll ms while the tab is visible.
  function every(f) {
    let timer = null;
    async function tick() {
      timer = null;
      if (document.hidden) return;
      try { await f(); setLive(true); } catch (e) { setLive(false, String(e.message || e)); }
      timer = setTimeout(tick, poll);
    }
    document.addEventListener("visibilitychange", () => { if (!document.hidden && timer === null) tick(); });
    tick();
  }
  function statusBadge(s) { return el("span", { class: "badge " + s, text: s }); }

  // ---- charts (uPlot) ----
  const palette = ["#0b62c4", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#1098ad", "#5c940d", "#e67700"];
  const charts = new Map(); // container → {make}
  function chartWidth(box) { return Math.max(240, Math.floor(box.clientWidth || box.parentNode.clientWidth || 320)); }
  function draw(box, make) {
    const old = charts.get(box);
    if (old && old.plot) old.plot.destroy();
    box.textContent = "";
    const entry = { make, plot: null };
    charts.set(box, entry);
    entry.plot = make(chartWidth(box));
    if (entry.plot) box.append(entry.plot.root);
  }
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const [box, entry] of charts) {
        if (entry.plot) entry.plot.setSize({ width: chartWidth(box), height: entry.plot.height });
      }
    }, 150);
  });
  function logWorthy(ys) {
    let lo = Infinity, hi = -Infinity;
    for (const y of ys) if (y !== null && y !== undefined && isFinite(y)) { if (y <= 0) return false; lo = Math.min(lo, y); hi = Math.max(hi, y); }
    return lo > 0 && hi / lo >= 100;
  }
  // axis labels every tick, or on a log axis (log true) only the powers
  // of ten: uPlot puts a tick at each 2…9 × 10^k, too many to label.
  function axis(label, extra, log) {
    const decade = v => Math.abs(Math.log10(Math.abs(v)) - Math.round(Math.log10(Math.abs(v)))) < 1e-9;
    return Object.assign({ label, labelSize: 18, font: "12px system-ui, sans-serif", labelFont: "12px system-ui, sans-serif",
      // Wide enough for the longest tick label, so it never runs into the
      // axis title.
      size: (u, vals) => 18 + 7 * Math.max(3, ...(vals || []).map(v => String(v).length)),
      values: (u, vals, axisIdx, space, incr) => log ? decades(vals, decade) : ticks(vals, incr) }, extra || {});
  }
  // decades labels a log axis's powers of ten, every other one or fewer
  // when there are more than seven, so that labels never touch.
  function decades(vals, decade) {
    const exps = vals.filter(v => v > 0 && decade(v)).map(v => Math.round(Math.log10(v)));
    const every = Math.max(1, Math.ceil(exps.length / 7));
    return vals.map(v => v > 0 && decade(v) && Math.round(Math.log10(v)) % every === 0 ? fmt(v) : "");
  }
  // countAxis is an axis of whole numbers (trials, iterations): no tick
  // at 2.5.
  const wholeSteps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8];
  function countAxis(label) { return axis(label, { incrs: wholeSteps }); }
  // ticks labels a linear axis with as many digits as its step needs, so
  // ticks 1e-7 apart around 0.0104 do not all read 0.010362.
  function ticks(vals, incr) {
    const top = Math.max(...vals.map(Math.abs));
    if (!(incr > 0) || !isFinite(top)) return vals.map(fmt);
    if (top === 0 || (top >= 1e-3 && top < 1e6)) {
      let d = 0; // the fewest decimals that write the step exactly: 0.25 needs 2
      while (d < 12 && Math.abs(incr * 10 ** d - Math.round(incr * 10 ** d)) > 1e-6 * incr * 10 ** d) d++;
      return vals.map(v => v.toFixed(d));
    }
    const d = Math.min(12, Math.max(0, Math.ceil(Math.log10(top / incr) - 1e-9)));
    return vals.map(v => v === 0 ? "0" : v.toExponential(d));
  }
  function dots(label, color, size) {
    return { label, stroke: color, fill: color, width: 0, paths: () => null, points: { show: true, size: size || 4, stroke: color, fill: color } };
  }
  // scatterData sorts x ascending (uPlot wants it) carrying y along.
  function sortedXY(xs, ys) {
    const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
    return [idx.map(i => xs[i]), idx.map(i => ys[i])];
  }

  // ---- studies page ----
  function studiesPage() {
    const tbody = $("#studies tbody");
    const picked = new Set();
    const btn = $("#compare-btn");
    btn.addEventListener("click", () => {
      const q = [...picked].map(n => "study=" + enc(n)).join("&");
      location.href = "/compare?" + q;
    });
    function sync() { btn.disabled = picked.size < 2; btn.textContent = picked.size >= 2 ? "Compare " + picked.size + " studies" : "Compare selected"; }
    every(async () => {
      const doc = await getJSON("/api/studies");
      tbody.textContent = "";
      if (doc.studies.length === 0) {
        tbody.append(el("tr", {}, el("td", { colspan: 7, class: "empty", text: "No studies yet: run a sweep (hpsearch run CONFIG) with this store." })));
        return;
      }
      for (const s of doc.studies) {
        const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
        const box = el("input", { type: "checkbox", "aria-label": "compare " + s.name, onchange: e => { e.target.checked ? picked.add(s.name) : picked.delete(s.name); sync(); } });
        box.checked = picked.has(s.name);
        tbody.append(el("tr", { "data-name": s.name, "data-done": s.done, "data-status": s.status },
          el("td", {}, box),
          el("td", {}, el("a", { href: "/study/" + enc(s.name), text: s.name })),
          el("td", {}, statusBadge(s.status)),
          el("td", { class: "progress-cell" }, el("span", { class: "bar" }, el("span", { style: "width:" + (100 * frac).toFixed(1) + "%" })),
            el("span", { class: "done", text: s.done + (s.total > 0 ? " / " + s.total : "") })),
          el("td", { class: "num" }, s.best === null ? "-" : el("a", { href: "/study/" + enc(s.name) + "/trial/" + s.best_trial, text: fmt(s.best) })),
          el("td", { text: fmtTime(s.created) }),
          el("td", { text: s.strategy || "-" })));
      }
    });
  }

  // ---- study page ----
  function studyPage() {
    const base = "/api/study/" + enc(study);
    let version = null;
    const state = { sort: "rank", order: "asc", offset: 0, limit: 50, columns: null, allColumns: [] };
    const colKey = "hpsearch.columns." + study;
    try { const c = JSON.parse(localStorage.getItem(colKey)); if (Array.isArray(c)) state.columns = new Set(c); } catch (e) { /* none saved */ }

    $("#copy-yaml").addEventListener("click", async () => {
      const text = $("#best-yaml").textContent;
      let ok = false;
      try { await navigator.clipboard.writeText(text); ok = true; } catch (e) {
        const r = document.createRange(); r.selectNodeContents($("#best-yaml"));
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r);
        ok = document.execCommand && document.execCommand("copy");
      }
      $("#copied").textContent = ok ? "copied" : "selected: press Ctrl+C";
    });
    for (const box of document.querySelectorAll("#filters input.status-filter")) {
      box.addEventListener("change", () => { state.offset = 0; loadTable(); });
    }
    $("#prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); loadTable(); });
    $("#next").addEventListener("click", () => { state.offset += state.limit; loadTable(); });

    function showSummary(doc) {
      const s = doc.study;
      $("#status").className = "badge " + s.status;
      $("#status").textContent = s.status;
      const parts = [s.strategy || "strategy ?", s.metric + " (" + s.goal + ")",
        s.done + (s.total ? " of " + s.total : "") + " trials done", doc.running + " running"];
      if (s.best !== null) parts.push("best " + fmt(s.best) + " (trial " + s.best_trial + ")");
      if (doc.pruning) parts.push(doc.pruning.pruned + " pruned, " + Math.round(100 * doc.pruning.saved_fraction) + "% of iterations saved");
      parts.push("created " + fmtTime(s.created));
      $("#summary").textContent = parts.join(" · ");
      $("#floor-line").textContent = doc.floor_line || "";
      $("#progress-bar").style.width = (s.total ? Math.min(100, 100 * s.done / s.total) : 0) + "%";
      if (doc.best_yaml) {
        $("#best-yaml").textContent = doc.best_yaml;
        $("#copy-yaml").disabled = false;
        $("#download-yaml").hidden = false;
        const b = doc.best_trial_row;
        $("#best-line").replaceChildren("Trial ", el("a", { href: "/study/" + enc(study) + "/trial/" + b.number, text: String(b.number) }),
          " has the best " + s.metric + ", " + fmt(b.value) + (b.best_iteration ? " at iteration " + b.best_iteration : "") + ".");
      } else {
        $("#download-yaml").hidden = true;
      }
      showRounds(doc);
      showRungs(doc);
    }
    function showRungs(doc) {
      const rungs = doc.pruning ? doc.pruning.rungs : [];
      $("#rungs-section").hidden = rungs.length === 0;
      const t = $("#rungs");
      t.textContent = "";
      if (rungs.length === 0) return;
      t.append(el("thead", {}, el("tr", {}, ...["step", "reached it", "stopped there", "kept"].map(h => el("th", { class: "num", text: h })))));
      const tb = el("tbody");
      for (const r of rungs) {
        tb.append(el("tr", { "data-step": r.step }, el("td", { class: "num", text: String(r.step) }), el("td", { class: "num", text: String(r.reached) }),
          el("td", { class: "num", text: String(r.pruned) }), el("td", { class: "num", text: Math.round(100 * (r.reached - r.pruned) / r.reached) + "%" })));
      }
      t.append(tb);
    }
    function showRounds(doc) {
      const t = $("#rounds");
      t.textContent = "";
      if (doc.rounds.length === 0) { $("#rounds-section").hidden = true; return; }
      $("#rounds-section").hidden = false;
      const names = [];
      for (const r of doc.rounds) for (const n of Object.keys(r.ranges)) if (!names.includes(n)) names.push(n);
      t.append(el("thead", {}, el("tr", {}, el("th", { text: "round" }), ...names.map(n => el("th", { text: n })),
        el("th", { class: "num", text: "best" }), el("th", { class: "num", text: "median" }))));
      const tb = el("tbody");
      for (const r of doc.rounds) {
        tb.append(el("tr", {}, el("td", { text: String(r.round) }), ...names.map(n => el("td", { text: r.ranges[n] || "-" })),
          el("td", { class: "num", text: fmt(r.best) }), el("td", { class: "num", text: fmt(r.median) })));
      }
      t.append(tb);
    }

    // The table.
    const labels = { rank: "rank", number: "trial", round: "round", status: "status", value: null, above_floor: "above floor", train_loss: "train loss",
      accuracy: "accuracy", iterations: "iterations", best_iteration: "best iteration", stop_reason: "stop", seconds: "seconds" };
    const sortable = new Set(["rank", "number", "round", "status", "value", "train_loss", "accuracy", "iterations", "seconds"]);
    const numeric = new Set(["rank", "number", "round", "value", "above_floor", "train_loss", "accuracy", "iterations", "best_iteration", "seconds"]);
    let metric = "value";
    function visible(c) { return state.columns ? state.columns.has(c) : c !== "best_iteration"; }
    function columnPicker(cols) {
      const list = $("#columns .column-list");
      if (list.dataset.cols === cols.join(",")) return;
      list.dataset.cols = cols.join(",");
      list.textContent = "";
      for (const c of cols) {
        const box = el("input", { type: "checkbox", value: c });
        box.checked = visible(c);
        box.addEventListener("change", () => {
          const set = new Set(state.allColumns.filter(visible));
          box.checked ? set.add(c) : set.delete(c);
          state.columns = set;
          localStorage.setItem(colKey, JSON.stringify([...set]));
          loadTable();
        });
        list.append(el("label", {}, box, " " + headLabel(c)));
      }
    }
    function headLabel(c) {
      if (c.startsWith("param:")) return c.slice(6);
      return labels[c] === null ? metric : labels[c];
    }
    function cell(r, c) {
      if (c.startsWith("param:")) { const v = r.params[c.slice(6)]; return el("td", { class: "num", text: v === undefined ? "—" : v }); }
      switch (c) {
        case "rank": return el("td", { class: "num", text: r.rank ? String(r.rank) : "" });
        case "number": return el("td", { class: "num" }, el("a", { href: "/study/" + enc(study) + "/trial/" + r.number, text: String(r.number) }));
        case "status": return el("td", {}, statusBadge(r.status));
        case "seconds": return el("td", { class: "num", text: fmtSeconds(r.seconds) });
        case "stop_reason": return el("td", {}, r.error ? el("span", { class: "err", text: r.error }) : (r.stop_reason || "-"));
        case "best_iteration": return el("td", { class: "num", text: r.best_iteration ? String(r.best_iteration) : "-" });
        default: return el("td", { class: "num", text: fmt(r[c]) });
      }
    }
    async function loadTable() {
      const boxes = [...document.querySelectorAll("#filters input.status-filter")];
      const on = boxes.filter(b => b.checked).map(b => b.value);
      let q = "?sort=" + enc(state.sort) + "&order=" + state.order + "&offset=" + state.offset + "&limit=" + state.limit;
      if (on.length < boxes.length) q += "&status=" + enc(on.join(",") || "none");
      if (on.length === 0) { renderTable({ columns: state.allColumns, rows: [], total: 0, offset: 0 }); return; }
      const doc = await getJSON(base + "/trials" + q);
      if (doc.total > 0 && doc.offset >= doc.total) { state.offset = Math.max(0, Math.floor((doc.total - 1) / state.limit) * state.limit); return loadTable(); }
      metric = doc.metric;
      renderTable(doc);
    }
    function renderTable(doc) {
      state.allColumns = doc.columns;
      columnPicker(doc.columns);
      const cols = doc.columns.filter(visible);
      const head = el("tr");
      for (const c of cols) {
        const th = el("th", { class: numeric.has(c) || c.startsWith("param:") ? "num" : "", "data-col": c });
        if (sortable.has(c) || c.startsWith("param:")) {
          if (state.sort === c) th.setAttribute("aria-sort", state.order === "asc" ? "ascending" : "descending");
          th.append(el("button", { class: "sort", type: "button", text: headLabel(c), onclick: () => {
            if (state.sort === c) state.order = state.order === "asc" ? "desc" : "asc"; else { state.sort = c; state.order = "asc"; }
            state.offset = 0; loadTable();
          } }));
        } else th.textContent = headLabel(c);
        head.append(th);
      }
      $("#trials thead").replaceChildren(head);
      const tb = $("#trials tbody");
      tb.textContent = "";
      if (doc.rows.length === 0) tb.append(el("tr", {}, el("td", { colspan: cols.length, class: "empty", text: "No trial matches." })));
      for (const r of doc.rows) {
        const tr = el("tr", { "data-number": r.number, "data-status": r.status, "data-value": r.value === null ? "" : r.value });
        for (const c of cols) tr.append(cell(r, c));
        tb.append(tr);
      }
      const from = doc.total ? doc.offset + 1 : 0, to = doc.offset + doc.rows.length;
      $("#page-info").textContent = "trials " + from + "–" + to + " of " + doc.total;
      $("#prev").disabled = doc.offset === 0;
      $("#next").disabled = to >= doc.total;
    }

    // The plots.
    function bestPlot(sd) {
      const box = $("#plot-best .chart");
      if (sd.best.x.length === 0) { box.textContent = "No successful trial yet."; box.dataset.points = "0"; return; }
      const data = uPlot.join([[sd.values.x, sd.values.y], [sd.best.x, sd.best.y]]);
      const series = [{ label: "trial" }, dots("trial value", "rgba(11,98,196,.35)", 3),
        { label: "best so far", stroke: "#d9480f", width: 2, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } }];
      const ys = sd.values.y.slice();
      if (sd.floor !== undefined && sd.floor !== null) {
        // The least-squares floor: the loss one solve reaches.
        series.push({ label: "least-squares floor", stroke: "#2b8a3e", width: 1.5, dash: [6, 4], points: { show: false } });
        data.push(data[0].map(() => sd.floor));
        ys.push(sd.floor);
      }
      const logY = logWorthy(ys);
      box.dataset.points = String(sd.values.x.length);
      draw(box, w => new uPlot({
        width: w, height: 260, legend: { show: true },
        scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
        axes: [countAxis("trial"), axis(sd.metric + (logY ? " (log)" : ""), null, logY)], series,
      }, data));
    }
    function slices(sd) {
      const holder = $("#slices");
      const seen = new Set();
      for (const sl of sd.slices) {
        const id = "slice-" + sl.param.replace(/[^A-Za-z0-9_-]/g, "_");
        seen.add(id);
        let fig = document.getElementById(id);
        if (!fig) {
          fig = el("figure", { class: "card", id }, el("figcaption", {}, el("b", { text: sd.metric + " against " + sl.param }), " ",
            el("span", { class: "hint" })), el("div", { class: "chart" }));
          holder.append(fig);
        }
        const note = [sl.log ? (sl.log_inferred ? "log axis (its values span three decades or more)" : "log axis") : "", sl.labels ? "categorical" : "", sl.x.length < sl.total ? sl.x.length + " of " + sl.total + " trials (the best always)" : ""].filter(Boolean).join(", ");
        $(".hint", fig).textContent = note;
        const box = $(".chart", fig);
        box.dataset.points = String(sl.x.length);
        if (sl.x.length === 0) { box.textContent = "No successful trial yet."; continue; }
        const [xs, ys] = sortedXY(sl.x, sl.y);
        const logY = logWorthy(ys);
        const xScale = sl.log ? { time: false, distr: 3 } : { time: false };
        if (sl.labels) { xScale.range = () => [-0.5, sl.labels.length - 0.5]; }
        const xAxis = axis(sl.param + (sl.log ? " (log)" : ""), sl.labels ? {
          splits: () => sl.labels.map((_, i) => i), values: (u, vals) => vals.map(v => sl.labels[Math.round(v)] ?? "") } : {}, sl.log);
        draw(box, w => new uPlot({
          width: w, height: 230, legend: { show: false },
          scales: { x: xScale, y: logY ? { distr: 3 } : {} },
          axes: [xAxis, axis(sd.metric + (logY ? " (log)" : ""), null, logY)],
          series: [{}, dots(sd.metric, "rgba(11,98,196,.45)", 4)],
        }, [xs, ys]));
      }
      for (const fig of [...holder.children]) if (!seen.has(fig.id)) fig.remove();
    }
    const plotNames = { "learning-rate": "Value against learning rate", parallel: "Parallel coordinates",
      narrowing: "How the ranges narrowed", pruning: "Early stopping: pruned and kept trials" };
    async function drawn(doc) {
      const holder = $("#drawn");
      const want = new Set(doc.plots);
      for (const fig of [...holder.children]) if (!want.has(fig.dataset.kind)) fig.remove();
      for (const kind of doc.plots) {
        let fig = holder.querySelector('[data-kind="' + kind + '"]');
        if (!fig) {
          fig = el("figure", { class: "card", "data-kind": kind, id: "plot-" + kind }, el("figcaption", {}, el("b", { text: "…" })),
            el("picture", {}, el("source", { media: "(max-width: 820px)" }), el("img", { alt: kind })), el("p", { class: "caption" }));
          holder.append(fig);
        }
        const pd = await getJSON(base + "/plot/" + kind);
        $("figcaption b", fig).textContent = pd.title || plotNames[kind] || kind;
        const img = $("img", fig);
        const source = $("source", fig);
        if (pd.narrow_svg) source.srcset = "data:image/svg+xml;charset=utf-8," + enc(pd.narrow_svg);
        else source.removeAttribute("srcset");
        if (pd.svg) {
          img.hidden = false;
          img.alt = (pd.title || kind) + ". " + (pd.caption || "");
          img.src = "data:image/svg+xml;charset=utf-8," + enc(pd.svg);
          $("p.caption", fig).textContent = pd.caption || "";
          fig.dataset.rendered = "yes";
        } else {
          img.hidden = true;
          img.removeAttribute("src");
          $("p.caption", fig).textContent = pd.missing || "";
          fig.dataset.rendered = "no";
        }
      }
    }
    let importancePending = false;
    async function importance() {
      const fig = $("#plot-importance");
      const doc = await getJSON(base + "/importance");
      importancePending = doc.pending;
      const bars = $(".bars", fig);
      bars.textContent = "";
      fig.dataset.params = String(doc.params.length);
      const row = (name, share, std) => bars.append(el("span", { class: "n", text: name }),
        el("span", { title: "± " + (100 * std).toFixed(1) + "% across the forest's trees" }, el("span", { class: "b", style: "width:" + (100 * Math.max(0, share)).toFixed(1) + "%" })),
        el("span", { class: "v", text: (100 * share).toFixed(1) + "%" }));
      for (const p of doc.params) row(p.name, p.importance, p.std);
      for (const p of doc.pairs) row(p.names.join(" × "), p.importance, p.std);
      let note = doc.pending ? "Computing…" : doc.note || "";
      if (doc.trials) note = "On " + doc.trials + " successful trials" + (doc.ok > doc.trials ? " (" + doc.ok + " now; recomputed as more finish)" : "") +
        (doc.skipped ? ", " + doc.skipped + " diverged, failed or pruned left out" : "") + ". " + doc.method + ".";
      $(".note", fig).textContent = note;
    }

    every(async () => {
      const doc = await getJSON(base);
      if (doc.version === version) { if (importancePending) await importance(); return; }
      version = doc.version;
      showSummary(doc);
      const sd = await getJSON(base + "/series");
      bestPlot(sd);
      slices(sd);
      await loadTable();
      await drawn(doc);
      await importance();
    });
  }

  // ---- trial page ----
  function trialPage() {
    const url = "/api/study/" + enc(study) + "/trial/" + enc(body.dataset.trial);
    let last = null;
    let running = true;
    const stop = $("#stop");
    if (stop) stop.addEventListener("click", async () => {
      if (!confirm("Stop trial " + body.dataset.trial + " of " + study + " at its next iteration?")) return;
      stop.disabled = true;
      const r = await fetch(url + "/stop", { method: "POST", headers: { "X-Hpsearch": "stop" } });
      const doc = await r.json().catch(() => ({}));
      $("#stop-msg").textContent = r.ok ? doc.message : "Not stopped: " + (doc.error || r.statusText);
      if (!r.ok) stop.disabled = false;
    });
    function curves(doc) {
      const c = doc.curves;
      const lossBox = $("#plot-loss .chart"), gradBox = $("#plot-grad .chart");
      lossBox.dataset.points = String(c.iteration.length);
      lossBox.dataset.last = String(c.iteration.length ? c.iteration[c.iteration.length - 1] : -1);
      gradBox.dataset.points = String(c.grad_norm.filter(v => v !== null).length);
      if (c.iteration.length === 0) {
        lossBox.textContent = doc.running ? "Waiting for the trainer's first report…" : "This trial has no history.";
        gradBox.textContent = lossBox.textContent;
        return;
      }
      const logL = logWorthy(c.train_loss.concat(c.validation_loss));
      draw(lossBox, w => new uPlot({
        width: w, height: 260, scales: { x: { time: false }, y: logL ? { distr: 3 } : {} },
        axes: [countAxis("iteration"), axis("loss" + (logL ? " (log)" : ""), null, logL)],
        series: [{ label: "iteration" }, { label: "training", stroke: palette[0], width: 2, spanGaps: true, points: { show: false } },
          { label: "validation", stroke: palette[1], width: 2, dash: [6, 4], spanGaps: true, points: { show: false } }],
      }, [c.iteration, c.train_loss, c.validation_loss]));
      const hasGrad = c.grad_norm.some(v => v !== null && v > 0);
      if (!hasGrad) { gradBox.textContent = "The trainer reported no gradient norm."; return; }
      const th = doc.gradient_threshold;
      const series = [{ label: "iteration" }, { label: "gradient norm", stroke: palette[2], width: 2, spanGaps: true, points: { show: false } }];
      const data = [c.iteration, c.grad_norm];
      const least = Math.min(...c.grad_norm.filter(v => v !== null && v > 0));
      const note = $("#plot-grad .hint");
      // The threshold line only when it is within three decades of the
      // curve: one far below would squash the curve into a flat line.
      if (th && th >= least / 1000) {
        series.push({ label: "threshold " + fmt(th), stroke: "#868e96", width: 1, dash: [4, 4], points: { show: false } });
        data.push(c.iteration.map(() => th));
        note.textContent = "log axis; the dashed line is the gradient threshold";
      } else {
        note.textContent = "log axis" + (th ? "; the gradient threshold, " + fmt(th) + ", is far below" : "");
      }
      draw(gradBox, w => new uPlot({
        width: w, height: 260, scales: { x: { time: false }, y: { distr: 3 } },
        axes: [countAxis("iteration"), axis("gradient norm (log)", null, true)], series,
      }, data));
    }
    function info(doc) {
      const t = doc.trial;
      $("#status").className = "badge " + t.status;
      $("#status").textContent = t.status;
      const its = doc.curves.iteration;
      const ran = doc.running ? (its.length ? "iteration " + its[its.length - 1] + " so far" : "starting") : t.iterations + " iterations";
      const parts = [doc.running ? "running" : doc.metric + " " + fmt(t.value), "round " + t.round, ran];
      if (t.best_iteration) parts.push("value from iteration " + t.best_iteration);
      if (t.stop_reason) parts.push("stopped: " + t.stop_reason);
      if (t.seconds !== null) parts.push(fmtSeconds(t.seconds));
      parts.push("seed " + doc.seed);
      $("#summary").textContent = parts.join(" · ");
      const table = $("#params");
      table.textContent = "";
      const tb = el("tbody");
      for (const k of doc.param_order) tb.append(el("tr", {}, el("th", { text: k }), el("td", { class: "num", text: t.params[k] })));
      if (t.error) tb.append(el("tr", {}, el("th", { text: "error" }), el("td", {}, el("span", { class: "err", text: t.error }))));
      table.append(tb);
      const box = $("#stop-box");
      box.hidden = !doc.can_stop;
    }
    every(async () => {
      if (!running && last !== null) return;
      const doc = await getJSON(url);
      const key = JSON.stringify([doc.trial.status, doc.curves.iteration.length, doc.curves.iteration[doc.curves.iteration.length - 1]]);
      running = doc.running;
      info(doc);
      if (key !== last) { last = key; curves(doc); }
    });
  }

  // ---- compare page ----
  function comparePage() {
    const q = body.dataset.compare;
    every(async () => {
      const doc = await getJSON("/api/compare?" + q);
      const t = $("#compare");
      t.textContent = "";
      const names = doc.studies.map(s => s.name);
      t.append(el("thead", {}, el("tr", {}, el("th", {}), ...names.map(n => el("th", {}, el("a", { href: "/study/" + enc(n), text: n }))))));
      const tb = el("tbody");
      const row = (label, f) => tb.append(el("tr", {}, el("th", { text: label }), ...doc.studies.map(s => { const v = f(s); return el("td", {}, v); })));
      row("status", s => statusBadge(s.status));
      row("strategy", s => s.strategy || "-");
      row("metric", s => s.metric + " (" + s.goal + ")");
      row("trials", s => s.done + (s.total ? " / " + s.total : "") + (s.running ? ", " + s.running + " running" : ""));
      row("best", s => s.best === null ? "-" : el("a", { href: "/study/" + enc(s.name) + "/trial/" + s.best_trial, text: fmt(s.best) }));
      const first = doc.studies[0];
      row("against " + first.name, s => {
        if (s === first || s.best === null || first.best === null) return "";
        const d = s.best - first.best;
        const better = s.goal === "maximize" ? d > 0 : d < 0;
        return el("span", { class: d === 0 ? "" : better ? "st-ok badge" : "st-failed badge", text: (d > 0 ? "+" : "") + fmt(d) + (d === 0 ? " (same)" : better ? " better" : " worse") });
      });
      for (const p of doc.params) row("best " + p, s => s.best_params[p] ?? "—");
      for (const p of doc.params) row("last range " + p, s => s.last_ranges[p] ?? "—");
      t.append(tb);
      const box = $("#plot-compare .chart");
      const pairs = doc.studies.map(s => [s.best_so_far.x || [], s.best_so_far.y || []]);
      if (pairs.every(p => p[0].length === 0)) { box.textContent = "No successful trial yet."; return; }
      const data = uPlot.join(pairs);
      const logY = logWorthy(pairs.flatMap(p => p[1]));
      box.dataset.points = String(pairs.reduce((n, p) => n + p[0].length, 0));
      draw(box, w => new uPlot({
        width: w, height: 280, scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
        axes: [countAxis("trial"), axis("best " + doc.studies[0].metric + (logY ? " (log)" : ""), null, logY)],
        series: [{ label: "trial" }, ...doc.studies.map((s, i) => ({ label: s.name, stroke: palette[i % palette.length], width: 2, spanGaps: true,
          paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } }))],
      }, data));
    });
  }

  const pagesByName = { studies: studiesPage, study: studyPage, trial: trialPage, compare: comparePage };
  if (pagesByName[page]) pagesByName[page]();
})();
