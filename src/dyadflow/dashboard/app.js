/* dyadflow dashboard: filters and re-aggregates the embedded cubes, draws with d3.
   Every string from the data goes into the DOM with textContent / d3 .text() / attributes only. */
(function () {
  "use strict";
  performance.mark("dyadflowDashboardStart");
  var D = JSON.parse(document.getElementById("dyadflow-data").textContent);
  var WORLD = JSON.parse(document.getElementById("dyadflow-geometry").textContent);
  var QUAD_COLORS = ["#4c9be8", "#1b6ac9", "#f0a04b", "#d1432b"];
  var QUAD_NAMES = ["verbal cooperation", "material cooperation", "verbal conflict", "material conflict"];
  var fmt = d3.format(",");
  var months = D.months.slice().sort();
  var monthRank = {};
  D.months.forEach(function (m) { monthRank[m] = months.indexOf(m); });
  var el = function (id) { return document.getElementById(id); };
  var state = { from: 0, to: months.length - 1, country: "", actor: "", quad: 0, root: "" };

  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text; select.appendChild(o);
  }

  function setupFilters() {
    months.forEach(function (m, i) { option(el("f-from"), i, m); option(el("f-to"), i, m); });
    el("f-to").value = String(months.length - 1);
    D.countries.slice().sort().forEach(function (c) {
      option(el("f-country"), c, c + " — " + (D.country_names[c] || c));
    });
    D.roots.slice().sort().forEach(function (r) { option(el("f-root"), r, r + " " + (D.root_labels[r] || "")); });
    var list = el("actor-list");
    D.actors.slice(0, 2000).forEach(function (a) { var o = document.createElement("option"); o.value = a; list.appendChild(o); });
    ["f-from", "f-to", "f-country", "f-quad", "f-root"].forEach(function (id) { el(id).addEventListener("change", update); });
    el("f-actor").addEventListener("input", update);
    el("f-reset").addEventListener("click", function () {
      el("f-from").value = "0"; el("f-to").value = String(months.length - 1);
      el("f-country").value = ""; el("f-actor").value = ""; el("f-quad").value = "0"; el("f-root").value = "";
      update();
    });
  }

  function readState() {
    state.from = +el("f-from").value || 0;
    state.to = el("f-to").value === "" ? months.length - 1 : +el("f-to").value;
    state.country = el("f-country").value;
    state.actor = el("f-actor").value.trim().toUpperCase();
    state.quad = +el("f-quad").value;
    state.root = el("f-root").value;
  }

  function fullPeriod() { return state.from === 0 && state.to === months.length - 1; }

  function monthOk(mIndex) {
    if (mIndex < 0) return fullPeriod();  // undated events count only without a period filter
    var r = monthRank[D.months[mIndex]];
    return r >= state.from && r <= state.to;
  }

  function cubeRows() {
    var out = [];
    var cIdx = state.country ? D.countries.indexOf(state.country) : -2;
    var actorOk = null;
    if (state.actor) {
      actorOk = D.actors.map(function (a) { return a.toUpperCase().indexOf(state.actor) >= 0; });
    }
    var rIdx = state.root ? D.roots.indexOf(state.root) : -2;
    for (var i = 0; i < D.cube.length; i++) {
      var r = D.cube[i];
      if (!monthOk(r[0])) continue;
      if (cIdx !== -2 && r[3] !== cIdx && r[4] !== cIdx) continue;
      if (actorOk && !((r[1] >= 0 && actorOk[r[1]]) || (r[2] >= 0 && actorOk[r[2]]))) continue;
      if (state.quad && r[5] !== state.quad) continue;
      if (rIdx !== -2 && r[6] !== rIdx) continue;
      out.push(r);
    }
    return out;
  }

  function bySeries(rows) {
    var acc = {};
    rows.forEach(function (r) {
      if (r[0] < 0) return;
      var m = D.months[r[0]];
      var a = acc[m] || (acc[m] = { month: m, q: [0, 0, 0, 0], n: 0, nd: 0, gs: 0, gn: 0 });
      a.q[r[5] - 1] += r[7]; a.n += r[7]; a.nd += r[8]; a.gs += r[9]; a.gn += r[10];
    });
    return months.slice(state.from, state.to + 1).map(function (m) {
      var a = acc[m] || { month: m, q: [0, 0, 0, 0], n: 0, nd: 0, gs: 0, gn: 0 };
      a.date = d3.timeParse("%Y-%m")(m);
      a.gmean = a.gn ? a.gs / a.gn : null;
      return a;
    });
  }

  function byDyad(rows) {
    var acc = new Map();
    rows.forEach(function (r) {
      var k = (r[1] + 1) * (D.actors.length + 1) + r[2] + 1;
      var a = acc.get(k);
      if (!a) { a = { a1: r[1], a2: r[2], q: [0, 0, 0, 0], n: 0, nd: 0, gs: 0, gn: 0, fat: 0 }; acc.set(k, a); }
      a.q[r[5] - 1] += r[7]; a.n += r[7]; a.nd += r[8]; a.gs += r[9]; a.gn += r[10]; a.fat += r[11];
    });
    return Array.from(acc.values()).sort(function (x, y) { return y.n - x.n || x.a1 - y.a1 || x.a2 - y.a2; });
  }

  function actorName(i) { return i < 0 ? "(none)" : D.actors[i]; }

  function frame(id) {
    var svg = d3.select("#" + id);
    svg.selectAll("*").remove();
    var box = svg.node().getBoundingClientRect();
    return { svg: svg, w: Math.max(300, box.width), h: Math.max(200, box.height) };
  }

  function empty(f) {
    f.svg.append("text").attr("class", "empty").attr("x", f.w / 2).attr("y", f.h / 2)
      .attr("text-anchor", "middle").text("no events for these filters");
  }

  function drawSeries(series) {
    var f = frame("chart-series"), m = { t: 10, r: 40, b: 24, l: 46 };
    if (!d3.sum(series, function (d) { return d.n; })) return empty(f);
    var x = d3.scaleBand().domain(series.map(function (d) { return d.month; })).range([m.l, f.w - m.r]).padding(0.1);
    var y = d3.scaleLinear().domain([0, d3.max(series, function (d) { return d.n; })]).nice().range([f.h - m.b, m.t]);
    var g = d3.scaleLinear().domain([-10, 10]).range([f.h - m.b, m.t]);
    var stack = d3.stack().keys([0, 1, 2, 3]).value(function (d, k) { return d.q[k]; })(series);
    f.svg.append("g").selectAll("g").data(stack).join("g").attr("fill", function (d) { return QUAD_COLORS[d.key]; })
      .selectAll("rect").data(function (d) { return d; }).join("rect")
      .attr("x", function (d) { return x(d.data.month); }).attr("width", x.bandwidth())
      .attr("y", function (d) { return y(d[1]); }).attr("height", function (d) { return Math.max(0, y(d[0]) - y(d[1])); })
      .append("title").text(function (d) { return d.data.month + ": " + fmt(d[1] - d[0]); });
    var line = d3.line().defined(function (d) { return d.gmean !== null; })
      .x(function (d) { return x(d.month) + x.bandwidth() / 2; }).y(function (d) { return g(d.gmean); });
    f.svg.append("path").datum(series).attr("class", "goldstein").attr("fill", "none").attr("stroke", "#222")
      .attr("stroke-width", 1.2).attr("d", line);
    var ticks = x.domain().filter(function (d, i, a) { return i % Math.ceil(a.length / 10) === 0; });
    f.svg.append("g").attr("class", "axis").attr("transform", "translate(0," + (f.h - m.b) + ")").call(d3.axisBottom(x).tickValues(ticks));
    f.svg.append("g").attr("class", "axis").attr("transform", "translate(" + m.l + ",0)").call(d3.axisLeft(y).ticks(5));
    f.svg.append("g").attr("class", "axis").attr("transform", "translate(" + (f.w - m.r) + ",0)").call(d3.axisRight(g).ticks(5));
  }

  function drawCounts(series) {
    var f = frame("chart-counts"), m = { t: 10, r: 16, b: 24, l: 46 };
    if (!d3.sum(series, function (d) { return d.n; })) return empty(f);
    var x = d3.scaleTime().domain(d3.extent(series, function (d) { return d.date; })).range([m.l, f.w - m.r]);
    var y = d3.scaleLinear().domain([0, d3.max(series, function (d) { return d.n; })]).nice().range([f.h - m.b, m.t]);
    [["n", "#1b6ac9"], ["nd", "#d1432b"]].forEach(function (s) {
      f.svg.append("path").datum(series).attr("class", "line-" + s[0]).attr("fill", "none").attr("stroke", s[1]).attr("stroke-width", 1.5)
        .attr("d", d3.line().x(function (d) { return x(d.date); }).y(function (d) { return y(d[s[0]]); }));
    });
    f.svg.append("g").attr("class", "axis").attr("transform", "translate(0," + (f.h - m.b) + ")").call(d3.axisBottom(x).ticks(8));
    f.svg.append("g").attr("class", "axis").attr("transform", "translate(" + m.l + ",0)").call(d3.axisLeft(y).ticks(5));
  }

  function drawDyads(dyads) {
    var f = frame("chart-dyads"), m = { t: 6, r: 16, b: 20, l: 150 };
    var top = dyads.slice(0, 12);
    if (!top.length) return empty(f);
    var label = function (d) { return actorName(d.a1) + " → " + actorName(d.a2); };
    var y = d3.scaleBand().domain(top.map(label)).range([m.t, f.h - m.b]).padding(0.15);
    var x = d3.scaleLinear().domain([0, top[0].n]).nice().range([m.l, f.w - m.r]);
    var stack = d3.stack().keys([0, 1, 2, 3]).value(function (d, k) { return d.q[k]; })(top);
    f.svg.append("g").selectAll("g").data(stack).join("g").attr("fill", function (d) { return QUAD_COLORS[d.key]; })
      .selectAll("rect").data(function (d) { return d; }).join("rect")
      .attr("y", function (d) { return y(label(d.data)); }).attr("height", y.bandwidth())
      .attr("x", function (d) { return x(d[0]); }).attr("width", function (d) { return Math.max(0, x(d[1]) - x(d[0])); });
    f.svg.append("g").attr("class", "axis").attr("transform", "translate(" + m.l + ",0)").call(d3.axisLeft(y));
    f.svg.append("g").attr("class", "axis").attr("transform", "translate(0," + (f.h - m.b) + ")").call(d3.axisBottom(x).ticks(5));
  }

  var countries = topojson.feature(WORLD, WORLD.objects.countries);

  function drawMap() {
    var f = frame("chart-map");
    var rIdx = state.root ? D.roots.indexOf(state.root) : -2;
    var byGeo = {};
    D.map.forEach(function (r) {
      if (!monthOk(r[0])) return;
      if (state.quad && r[3] !== state.quad) return;
      if (rIdx !== -2 && r[4] !== rIdx) return;
      if (r[2] === null) return;
      byGeo[r[2]] = (byGeo[r[2]] || 0) + r[5];
    });
    var selectedGeo = null;
    if (state.country) {
      D.map.some(function (r) { if (D.countries[r[1]] === state.country) { selectedGeo = r[2]; return true; } return false; });
    }
    var max = d3.max(Object.values(byGeo)) || 1;
    var color = d3.scaleSequentialLog(d3.interpolateOrRd).domain([1, Math.max(2, max)]);
    var projection = d3.geoNaturalEarth1().fitSize([f.w, f.h], countries);
    var path = d3.geoPath(projection);
    f.svg.append("g").selectAll("path").data(countries.features).join("path").attr("class", "country")
      .attr("d", path)
      .attr("fill", function (d) { var n = byGeo[d.id]; return n ? color(n) : "#e8e8e8"; })
      .attr("stroke", function (d) { return d.id === selectedGeo ? "#000" : null; })
      .attr("stroke-width", function (d) { return d.id === selectedGeo ? 1.5 : null; })
      .append("title").text(function (d) { return d.properties.name + ": " + fmt(byGeo[d.id] || 0); });
    el("legend-map").textContent = "darker = more events (log scale); up to " + fmt(max) + " events in one country";
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function drawDyadTable(dyads) {
    var body = el("dyad-table").tBodies[0];
    body.replaceChildren();
    dyads.slice(0, 25).forEach(function (d) {
      var tr = document.createElement("tr");
      cell(tr, actorName(d.a1)); cell(tr, actorName(d.a2));
      cell(tr, fmt(d.n), "num"); cell(tr, fmt(d.nd), "num");
      d.q.forEach(function (q) { cell(tr, fmt(q), "num"); });
      cell(tr, d.gn ? (d.gs / d.gn).toFixed(2) : "", "num"); cell(tr, fmt(d.fat), "num");
      body.appendChild(tr);
    });
  }

  function safeUrl(url) {
    if (!url) return null;
    try {
      var u = new URL(url);
      return (u.protocol === "https:" || u.protocol === "http:") ? u.href : null;
    } catch (e) { return null; }
  }

  function eventOk(e) {
    var r = e.month === null ? -1 : monthRank[e.month];
    if (e.month === null ? !fullPeriod() : (r < state.from || r > state.to)) return false;
    if (state.country && e.actor1_country !== state.country && e.actor2_country !== state.country) return false;
    if (state.actor && !((e.actor1_code || "").toUpperCase().indexOf(state.actor) >= 0 ||
                         (e.actor2_code || "").toUpperCase().indexOf(state.actor) >= 0)) return false;
    if (state.quad && e.quad_class !== state.quad) return false;
    if (state.root && e.cameo_root !== state.root) return false;
    return true;
  }

  function drawEvents() {
    var rows = D.events.filter(eventOk);
    var body = el("events-table").tBodies[0];
    body.replaceChildren();
    rows.slice(0, 200).forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, e.event_date || "undated");
      var who = cell(tr, (e.actor1_code || "?") + " → " + (e.actor2_code || "—"));
      who.title = (e.actor1_text || "") + " → " + (e.actor2_text || "");
      cell(tr, e.cameo_code + " (Q" + e.quad_class + ")");
      cell(tr, e.sentence, "sentence");
      cell(tr, e.rule_id);
      var td = cell(tr, "");
      var href = safeUrl(e.url);
      var title = e.title || e.outlet || "article";
      if (href) {
        var a = document.createElement("a");
        a.href = href; a.textContent = title; a.rel = "noopener noreferrer"; a.target = "_blank";
        td.appendChild(a);
      } else {
        td.textContent = title;
      }
      body.appendChild(tr);
    });
    el("events-note").textContent = "(" + fmt(Math.min(rows.length, 200)) + " shown of " + fmt(rows.length) +
      " matching in a sample of " + fmt(D.events.length) + " events)";
  }

  function drawLegends() {
    var q = el("legend-quad"); q.replaceChildren();
    QUAD_NAMES.forEach(function (n, i) {
      var s = document.createElement("span"), sw = document.createElement("i");
      sw.style.background = QUAD_COLORS[i]; s.appendChild(sw); s.appendChild(document.createTextNode("Q" + (i + 1) + " " + n));
      q.appendChild(s);
    });
    var c = el("legend-counts"); c.replaceChildren();
    [["reports (n_events)", "#1b6ac9"], ["distinct events (n_distinct_events)", "#d1432b"]].forEach(function (p) {
      var s = document.createElement("span"), sw = document.createElement("i");
      sw.style.background = p[1]; s.appendChild(sw); s.appendChild(document.createTextNode(p[0])); c.appendChild(s);
    });
  }

  function update() {
    readState();
    var rows = cubeRows();
    var series = bySeries(rows);
    var dyads = byDyad(rows);
    var n = d3.sum(rows, function (r) { return r[7]; }), nd = d3.sum(rows, function (r) { return r[8]; });
    var gs = d3.sum(rows, function (r) { return r[9]; }), gn = d3.sum(rows, function (r) { return r[10]; });
    var s = el("summary"); s.replaceChildren();
    [["reports", fmt(n)], ["distinct events", fmt(nd)], ["dyads", fmt(dyads.length)],
     ["Goldstein mean", gn ? (gs / gn).toFixed(2) : "–"]].forEach(function (p, i) {
      if (i) s.appendChild(document.createTextNode(" · "));
      var b = document.createElement("b"); b.textContent = p[1];
      if (i === 0) b.id = "total-events";
      s.appendChild(b); s.appendChild(document.createTextNode(" " + p[0]));
    });
    drawSeries(series); drawCounts(series); drawDyads(dyads); drawMap(); drawDyadTable(dyads); drawEvents();
  }

  var t = D.totals;
  el("subtitle").textContent = fmt(t.n_events) + " event reports (" + fmt(t.n_distinct_events) + " distinct events) from " +
    fmt(t.n_articles) + " articles, " + (t.first_month || "?") + " to " + (t.last_month || "?") +
    " · built " + D.generated_at + " · dyadflow " + D.version +
    (D.cube_truncated ? " · filters cover the largest dyads only (" + fmt(D.cube_events) + " reports)" : "");
  setupFilters();
  drawLegends();
  update();
  window.addEventListener("resize", update);
  document.body.setAttribute("data-ready", "1");
  performance.mark("dyadflowDashboardReady");
})();
