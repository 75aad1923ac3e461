(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("ptest-data").textContent);
  var run = D.run, files = D.files, bars = D.bars, lanes = D.lanes;
  var ORDER = ["fail", "timeout", "error", "interrupted", "flaky", "pass", "skip", "not-run"];
  var LABEL = { pass: "PASS", fail: "FAIL", flaky: "FLAKY", timeout: "TIMEOUT", error: "ERROR",
    skip: "SKIP", "not-run": "NOT RUN", interrupted: "INTERRUPTED" };
  var COUNT = { pass: "passed", fail: "failed", flaky: "flaky", timeout: "timed_out", error: "errored",
    skip: "skipped", "not-run": "not_run", interrupted: "interrupted" };
  var WORD = { pass: "passed", fail: "failed", flaky: "flaky", timeout: "timed out", error: "errored",
    skip: "skipped", "not-run": "not run", interrupted: "interrupted" };
  var FAILING = { fail: 1, timeout: 1, error: 1, interrupted: 1 };
  var rank = {};
  ORDER.forEach(function (v, i) { rank[v] = i; });
  var byId = {};
  files.forEach(function (f, i) { f.i = i; f.lid = f.id.toLowerCase(); byId[f.id] = i; });
  var noun = run.units === "tests" ? "test" : "file";
  var state = { filter: "", verdicts: {}, file: null };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function fmt(s) {
    if (s === null || s === undefined) return "–";
    if (s < 1) return Math.round(s * 1000) + "ms";
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + "s";
    var m = Math.floor(s / 60), r = Math.round(s - m * 60);
    if (r === 60) { m += 1; r = 0; }
    return m + "m " + (r < 10 ? "0" : "") + r + "s";
  }
  function pill(v) { return el("span", "pill v-" + v, LABEL[v] || v); }
  function link(f) {
    var a = el("a", "id", f.id + (f.it ? " [iteration " + f.it + "]" : ""));
    a.href = "#file=" + encodeURIComponent(f.id);
    return a;
  }
  function shardName(k) { return k === null || k === undefined ? "" : "shard " + k; }

  // ---- hash: #file=ID&filter=TEXT&verdict=fail,flaky
  function readHash() {
    state = { filter: "", verdicts: {}, file: null };
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq < 0) return;
      var k = part.slice(0, eq), v;
      try { v = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " ")); } catch (e) { return; }
      if (k === "file") state.file = v;
      else if (k === "filter") state.filter = v;
      else if (k === "verdict") v.split(",").forEach(function (x) { if (LABEL[x]) state.verdicts[x] = 1; });
    });
  }
  function writeHash() {
    var parts = [];
    if (state.file !== null) parts.push("file=" + encodeURIComponent(state.file));
    if (state.filter) parts.push("filter=" + encodeURIComponent(state.filter));
    var vs = Object.keys(state.verdicts);
    if (vs.length) parts.push("verdict=" + vs.join(","));
    var h = parts.length ? "#" + parts.join("&") : " ";
    history.replaceState(null, "", h === " " ? location.pathname + location.search : h);
  }
  function matches(f) {
    var vs = Object.keys(state.verdicts);
    if (vs.length && !state.verdicts[f.v]) return false;
    return !state.filter || f.lid.indexOf(state.filter.toLowerCase()) >= 0;
  }

  // ---- header and counts
  function header() {
    var failed = run.failed;
    var badge = $("verdict");
    badge.textContent = failed ? "FAILED" : "PASSED";
    badge.className = "badge " + (failed ? "bad" : "ok");
    document.title = (failed ? "FAILED" : "PASSED") + " · ptest " + run.run_id;
    var meta = $("meta");
    [run.run_id, run.started_at.replace("T", " ").replace(/\.\d+Z$/, " UTC"),
      run.jobs + " slot" + (run.jobs === 1 ? "" : "s"),
      run.shard ? "shard " + run.shard : null,
      run.shards.length > 1 ? run.shards.length + " shards" : null
    ].forEach(function (t) { if (t) add(meta, el("span", null, t)); });
    var notes = $("notes");
    if (run.interrupted) add(notes, el("div", "note", "The run was interrupted: files it did not finish are NOT RUN or INTERRUPTED."));
    if (run.incomplete) add(notes, el("div", "note", "Incomplete: " + run.incomplete));
    if (run.bail_out) add(notes, el("div", "note", "Bail out! in " + run.bail_out[0] + ": " + run.bail_out[1]));
  }
  function card(n, label, cls, id) {
    var c = el("div", "card" + (cls ? " " + cls : ""));
    var num = el("div", "n", n);
    if (id) num.id = id;
    return add(c, num, el("div", "l", label));
  }
  function counts() {
    var box = $("counts"), t = run.totals.files;
    ORDER.forEach(function (v) {
      var n = t[COUNT[v]] || 0;
      if (!n && (v === "interrupted" || v === "timeout" || v === "error" || v === "not-run")) return;
      var c = card(n, (noun === "test" ? "tests " : "files ") + WORD[v], "v v-" + v + (n ? "" : " zero"), "count-" + v);
      c.setAttribute("data-verdict", v);
      c.title = "Show only " + LABEL[v];
      c.addEventListener("click", function () {
        state.verdicts = {}; state.verdicts[v] = 1; writeHash(); refresh(true);
      });
      add(box, c);
    });
    var tt = run.totals.tests;
    if (noun === "file") {
      add(box, card(tt.total, "tests (" + tt.failed + " failed" + (tt.flaky ? ", " + tt.flaky + " flaky" : "") + ")", null, "count-tests"));
    }
    add(box, card(fmt(run.wall), "wall (" + fmt(run.busy) + " in " + run.units + ")", null, "wall"));
    add(box, card(fmt(run.bound), "lower bound (" + (run.bound_longest ? "longest " + noun : "sum/jobs") + ")", null, "bound"));
    add(box, card(Math.round(run.efficiency * 100) + "%", "efficiency on " + run.jobs + " slots", null, "efficiency"));
  }

  // ---- timeline
  var tip = $("tip");
  function showTip(ev, b) {
    var f = files[b[0]];
    tip.textContent = "";
    add(tip, el("div", "id", f.id),
      el("div", null, LABEL[b[2]] + " · attempt " + b[1] + (f.a > 1 ? " of " + f.a : "") + " · " + fmt(b[5] / 1000)
        + " · from " + fmt(b[4] / 1000)),
      el("div", null, (shardName(lanes[b[3]][0]) ? shardName(lanes[b[3]][0]) + ", " : "") + "slot " + lanes[b[3]][1]));
    var reason = attemptReasons(f, b[1]);
    if (reason) add(tip, el("div", null, reason));
    tip.hidden = false;
    var x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    var y = ev.clientY + 16;
    if (y + tip.offsetHeight > window.innerHeight) y = ev.clientY - tip.offsetHeight - 10;
    tip.style.left = x + "px"; tip.style.top = y + "px";
  }
  function attemptReasons(f, n) {
    if (f.x && f.x.attempts.length) {
      for (var i = 0; i < f.x.attempts.length; i++) if (f.x.attempts[i].n === n) return f.x.attempts[i].r.join("; ");
    }
    return (f.r || []).join("; ");
  }
  var SVG = "http" + "://www.w3.org/2000/svg"; // a namespace name, never fetched
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function niceStep(span, px) {
    var raw = span / Math.max(1, px / 90), p = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / p;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * p;
  }
  function timeline() {
    var box = $("timeline");
    box.textContent = "";
    box.setAttribute("data-lanes", lanes.length);
    box.setAttribute("data-bars", bars.length);
    var boundFile = D.bounded_by;
    var note = [];
    note.push(lanes.length + " lane" + (lanes.length === 1 ? "" : "s") + ", " + bars.length + " attempt" + (bars.length === 1 ? "" : "s"));
    if (boundFile !== null && boundFile !== undefined) note.push("bounded by " + files[boundFile].id + " (dashed: ended last)");
    $("timeline-note").textContent = note.join(" · ");
    if (!bars.length) { add(box, el("div", "empty", "No attempt has a slot and a start time in this summary.")); return; }
    var end = run.wall;
    bars.forEach(function (b) { end = Math.max(end, (b[4] + b[5]) / 1000); });
    end = Math.max(end, 0.001);
    var multi = lanes.some(function (l) { return l[0] !== null; });
    var labelW = multi ? 104 : 64, width = Math.max(600, box.clientWidth), plot = width - labelW - 10;
    var laneH = lanes.length <= 24 ? 18 : Math.max(4, Math.floor(480 / lanes.length));
    var gap = laneH >= 10 ? 3 : 1, top = 4, axisH = 20;
    var height = top + lanes.length * (laneH + gap) + axisH;
    var s = svg("svg", { width: width, height: height, role: "img", "aria-label": "timeline" });
    var x = function (t) { return labelW + t / end * plot; };
    var step = niceStep(end, plot), axisY = top + lanes.length * (laneH + gap);
    for (var t = 0; t <= end + 1e-9; t += step) {
      s.appendChild(svg("line", { x1: x(t), x2: x(t), y1: top, y2: axisY, "class": "axis" }));
      var lab = svg("text", { x: x(t), y: axisY + 14, "text-anchor": "middle", "class": "tick" });
      lab.textContent = fmt(t);
      s.appendChild(lab);
    }
    var groups = lanes.map(function (l, i) {
      var g = svg("g", { "class": "lane", "data-lane": i });
      var y = top + i * (laneH + gap);
      g.appendChild(svg("rect", { x: labelW, y: y, width: plot, height: laneH, "class": "lane-bg" }));
      if (laneH >= 10) {
        var tx = svg("text", { x: labelW - 8, y: y + laneH / 2 + 4, "text-anchor": "end", "class": "lane-label" });
        tx.textContent = (l[0] !== null ? l[0] + " · " : "") + "slot " + l[1];
        g.appendChild(tx);
      }
      s.appendChild(g);
      return g;
    });
    var lastOfBound = -1;
    bars.forEach(function (b, i) {
      if (b[0] === boundFile && (lastOfBound < 0 || b[4] + b[5] >= bars[lastOfBound][4] + bars[lastOfBound][5])) lastOfBound = i;
    });
    bars.forEach(function (b, i) {
      var y = top + b[3] * (laneH + gap);
      var r = svg("rect", { x: x(b[4] / 1000), y: y, width: Math.max(1, b[5] / 1000 / end * plot), height: laneH,
        "class": "bar v-" + b[2] + (i === lastOfBound ? " bound" : ""), "data-i": i, "data-file": b[0] });
      groups[b[3]].appendChild(r);
    });
    s.addEventListener("mousemove", function (ev) {
      var i = ev.target.getAttribute && ev.target.getAttribute("data-i");
      if (i === null || i === undefined) { tip.hidden = true; return; }
      showTip(ev, bars[+i]);
    });
    s.addEventListener("mouseleave", function () { tip.hidden = true; });
    s.addEventListener("click", function (ev) {
      var i = ev.target.getAttribute && ev.target.getAttribute("data-i");
      if (i !== null && i !== undefined) select(files[bars[+i][0]].id);
    });
    add(box, s);
    var legend = $("legend");
    legend.textContent = "";
    var seen = {};
    bars.forEach(function (b) { seen[b[2]] = 1; });
    ORDER.forEach(function (v) {
      if (!seen[v]) return;
      var item = el("span");
      add(item, el("span", "sw v-" + v), document.createTextNode(LABEL[v]));
      add(legend, item);
    });
    markSelectedBars();
  }
  function markSelectedBars() {
    var idx = state.file !== null && byId.hasOwnProperty(state.file) ? byId[state.file] : -1;
    var rects = $("timeline").querySelectorAll("rect.bar");
    for (var i = 0; i < rects.length; i++) {
      rects[i].classList.toggle("sel", +rects[i].getAttribute("data-file") === idx);
    }
  }

  // ---- file details (failures, selection)
  function casesBlock(cases, into, f) {
    cases.forEach(function (c) {
      if (!c.line && !c.diag && f && c.name === f.id) return; // an exit-code file's one case
      add(into, el("div", "case-line", c.line || ("FAIL " + c.name)));
      if (c.diag) add(into, el("pre", null, c.diag));
    });
  }
  function tails(out, err, into, open) {
    [["stdout", out], ["stderr", err]].forEach(function (p) {
      if (!p[1]) return;
      var d = el("details");
      if (open) d.open = true;
      add(d, el("summary", null, p[0] + " (last lines)"), el("pre", null, p[1]));
      add(into, d);
    });
  }
  function item(f, open) {
    var it = el("div", "item");
    it.setAttribute("data-file", f.id);
    var head = add(el("div", "item-head"), pill(f.v), link(f));
    if (f.q) add(head, el("span", "muted", "quarantined"));
    if (f.a > 1) add(head, el("span", "muted", f.a + " attempts"));
    if (f.i === D.bounded_by) add(head, el("span", "muted", "bounded the run"));
    add(head, el("span", "dur", fmt(f.d)));
    add(it, head);
    if (f.r && f.r.length) {
      var ul = el("ul", "reasons");
      f.r.forEach(function (r) { add(ul, el("li", null, r)); });
      add(it, ul);
    }
    var x = f.x;
    if (x) {
      var body = el("div", "body");
      casesBlock(x.cases, body, f);
      tails(x.out, x.err, body, open);
      if (x.attempts.length) {
        var at = el("div", "label", "Attempts");
        add(body, at);
        x.attempts.forEach(function (a) {
          var row = add(el("div", "item-head"), pill(a.v), el("span", null, "attempt " + a.n),
            el("span", "muted", a.r.join("; ")), el("span", "dur", fmt(a.d)));
          add(body, row);
          if (open) { casesBlock(a.cases, body, f); }
          if (a.out || a.err) tails(a.out, a.err, body, false);
        });
      }
      if (x.flipped.length) add(body, el("div", "label", "Flipped (failed, then passed): " + x.flipped.join(", ")));
      if (x.quarantined_tests.length) add(body, el("div", "label", "Quarantined tests: " + x.quarantined_tests.join(", ")));
      if (x.command) add(body, el("div", "label", "Command: " + x.command));
      if (x.expected !== null) add(body, el("div", "label", "Expected " + fmt(x.expected) + (f.d !== undefined ? ", took " + fmt(f.d) : "")));
      if (x.logs.length) add(body, el("div", "label", "Logs: " + x.logs.join("  ")));
      add(it, body);
    }
    return it;
  }
  function lazyList(box, list, first, make, what) {
    box.textContent = "";
    if (!list.length) { add(box, el("div", "empty", "None" + (state.filter || Object.keys(state.verdicts).length ? " matching the filter." : "."))); return; }
    var shown = 0;
    function more() {
      var end = Math.min(list.length, shown + (shown ? 100 : first));
      for (; shown < end; shown++) box.insertBefore(make(list[shown], shown < 5), btn.parentNode ? btn : null);
      if (shown >= list.length) btn.remove();
      else btn.textContent = "Show " + Math.min(100, list.length - shown) + " more of " + (list.length - shown) + " " + what;
    }
    var btn = el("button", "more");
    btn.addEventListener("click", more);
    add(box, btn);
    more();
  }
  function failures() {
    var list = files.filter(function (f) {
      return (FAILING[f.v] || (run.flaky_fails && f.v === "flaky")) && matches(f);
    });
    list.sort(function (a, b) { return rank[a.v] - rank[b.v] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); });
    $("failures").setAttribute("data-count", list.length);
    $("failures-note").textContent = list.length + " " + noun + (list.length === 1 ? "" : "s");
    lazyList($("failures"), list, 30, item, "failures");
  }
  function flaky() {
    var list = files.filter(function (f) { return (f.v === "flaky" || f.a > 1 || f.q) && matches(f); });
    list.sort(function (a, b) { return rank[a.v] - rank[b.v] || (a.id < b.id ? -1 : 1); });
    $("flaky").setAttribute("data-count", list.length);
    $("flaky-note").textContent = list.length + " " + noun + (list.length === 1 ? "" : "s");
    lazyList($("flaky"), list, 20, item, noun + "s");
  }
  function slowest() {
    $("slowest-title").textContent = "Slowest " + run.units;
    $("files-title").textContent = "All " + run.units;
    var list = files.filter(function (f) { return f.d !== undefined; });
    list.sort(function (a, b) { return b.d - a.d; });
    list = list.slice(0, 15);
    var table = $("slowest");
    table.textContent = "";
    var max = list.length ? list[0].d || 1e-9 : 1;
    var head = el("tr");
    ["", noun, "", "time", "share"].forEach(function (h) { add(head, el("th", null, h)); });
    add(table, head);
    list.forEach(function (f) {
      var tr = el("tr");
      var name = add(el("td"), link(f));
      if (f.i === D.bounded_by) add(name, el("span", "muted", "  · bounded the run"));
      var bar = el("div", "minibar v-" + f.v);
      bar.style.width = Math.max(1, f.d / max * 100) + "%";
      add(tr, add(el("td"), pill(f.v)), name, add(el("td", "barcell"), bar), el("td", "num", fmt(f.d)),
        el("td", "num", run.busy > 0 ? Math.round(f.d / run.busy * 100) + "%" : ""));
      add(table, tr);
    });
  }

  // ---- all files: a virtual list
  var ROW = 28, visible = [];
  function fileList() {
    visible = files.filter(matches);
    visible.sort(function (a, b) { return rank[a.v] - rank[b.v] || a.i - b.i; });
    var box = $("files");
    box.setAttribute("data-matches", visible.length);
    $("files-note").textContent = visible.length + " of " + files.length + " " + run.units;
    box.firstChild.style.height = visible.length * ROW + "px";
    box.scrollTop = 0;
    drawRows();
  }
  function drawRows() {
    var box = $("files"), inner = box.firstChild;
    var first = Math.max(0, Math.floor(box.scrollTop / ROW) - 10);
    var last = Math.min(visible.length, Math.ceil((box.scrollTop + (box.clientHeight || 420)) / ROW) + 10);
    inner.textContent = "";
    for (var k = first; k < last; k++) {
      var f = visible[k];
      var row = el("div", "row" + (f.id === state.file ? " sel" : ""));
      row.style.top = k * ROW + "px";
      row.setAttribute("data-file", f.id);
      add(row, pill(f.v), add(el("span", "id"), document.createTextNode(f.id + (f.it ? " [iteration " + f.it + "]" : ""))),
        el("span", "why", (f.r || [])[0] || ""), el("span", "dur", fmt(f.d)));
      add(inner, row);
    }
  }
  $("files").addEventListener("scroll", function () { window.requestAnimationFrame(drawRows); });
  $("files").addEventListener("click", function (ev) {
    var row = ev.target.closest ? ev.target.closest(".row") : null;
    if (row) select(row.getAttribute("data-file"));
  });

  // ---- selection (#file=ID)
  function select(id) {
    state.file = id;
    writeHash();
    showSelected(true);
  }
  function showSelected(scroll) {
    var box = $("selected");
    box.textContent = "";
    markSelectedBars();
    if (state.file === null || !byId.hasOwnProperty(state.file)) { box.hidden = true; return; }
    var f = files[byId[state.file]];
    var head = add(el("div", "panel-head"), el("h2", null, "Selected " + noun),
      el("span", "muted", f.s !== undefined ? "shard " + f.s : ""));
    var close = el("button", "more", "Close");
    close.addEventListener("click", function () { state.file = null; writeHash(); showSelected(false); drawRows(); });
    add(head, close);
    add(box, head, item(f, true));
    box.hidden = false;
    var k = visible.indexOf(f);
    if (k >= 0) {
      var list = $("files");
      list.scrollTop = Math.max(0, k * ROW - list.clientHeight / 2);
      drawRows();
    }
    if (scroll && box.scrollIntoView) box.scrollIntoView({ block: "start" });
  }

  // ---- filters
  function chips() {
    var box = $("verdict-filter");
    box.textContent = "";
    var all = el("button", "chip", "all");
    all.setAttribute("aria-pressed", Object.keys(state.verdicts).length ? "false" : "true");
    all.addEventListener("click", function () { state.verdicts = {}; writeHash(); refresh(false); });
    add(box, all);
    ORDER.forEach(function (v) {
      if (!run.totals.files[COUNT[v]]) return;
      var c = el("button", "chip v-" + v, LABEL[v].toLowerCase() + " " + run.totals.files[COUNT[v]]);
      c.setAttribute("data-verdict", v);
      c.setAttribute("aria-pressed", state.verdicts[v] ? "true" : "false");
      c.addEventListener("click", function () {
        if (state.verdicts[v]) delete state.verdicts[v]; else state.verdicts[v] = 1;
        writeHash(); refresh(false);
      });
      add(box, c);
    });
  }
  var timer = null;
  $("filter").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.filter = $("filter").value; writeHash(); refresh(false); }, 120);
  });
  function refresh(scrollToFiles) {
    if ($("filter").value !== state.filter) $("filter").value = state.filter;
    chips();
    failures();
    flaky();
    fileList();
    if (scrollToFiles) $("files-section").scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", function () { readHash(); refresh(false); showSelected(true); });
  var resizeTimer = null;
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(timeline, 150); });

  readHash();
  header();
  counts();
  timeline();
  slowest();
  refresh(false);
  showSelected(state.file !== null);
  document.body.setAttribute("data-ready", "true");
  // Milliseconds from navigation to a drawn page (measured in docs/reports.md).
  document.body.setAttribute("data-render-ms", String(Math.round(window.performance.now())));
})();
