// The management view's charts (window.ManagementCharts): column charts (SVG sized to the window, so its
// labels stay readable and never overlap on a phone) and bar lists, each in a figure named by its heading,
// with a data table of the same figures behind a "Näytä taulukkona" / "Näytä kaaviona" button. Numbers are
// in Finnish format. Everything from the server goes on the page as text, never as HTML.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var NUMBER = new Intl.NumberFormat("fi-FI");
  var PERCENT = new Intl.NumberFormat("fi-FI", { style: "percent", maximumFractionDigits: 1 });
  var slots = {};  // chart slot id -> its parts and whether the table is shown

  function number(n) { return NUMBER.format(n); }
  function percent(rate) { return rate === null || rate === undefined ? "–" : PERCENT.format(rate); }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  function svgNode(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // A slot's toggle button, figure and table box, made once.
  function parts(id) {
    if (slots[id]) { return slots[id]; }
    var slot = document.getElementById(id);
    var titleId = id + "-title";
    var part = { slot: slot, title: document.getElementById(titleId).textContent, tableShown: false, draw: null };
    var actions = el("div", null, "actions");
    part.toggle = el("button", "Näytä taulukkona", "secondary table-toggle");
    part.toggle.type = "button";
    part.toggle.setAttribute("aria-expanded", "false");
    part.toggle.setAttribute("aria-controls", id + "-table");
    part.toggle.setAttribute("aria-describedby", titleId);
    actions.appendChild(part.toggle);
    part.figure = el("figure", null, "chart");
    part.figure.id = id + "-figure";
    part.figure.setAttribute("aria-labelledby", titleId);
    part.tableBox = el("div", null, "table-box");
    part.tableBox.id = id + "-table";
    part.tableBox.hidden = true;
    slot.appendChild(actions);
    slot.appendChild(part.figure);
    slot.appendChild(part.tableBox);
    part.toggle.addEventListener("click", function () {
      part.tableShown = !part.tableShown;
      part.tableBox.hidden = !part.tableShown;
      part.figure.hidden = part.tableShown;
      part.toggle.textContent = part.tableShown ? "Näytä kaaviona" : "Näytä taulukkona";
      part.toggle.setAttribute("aria-expanded", part.tableShown ? "true" : "false");
      if (!part.tableShown && part.draw) { part.draw(); }
    });
    slots[id] = part;
    return part;
  }

  // The table behind a chart: one row per label, the figure in Finnish format (and its share, "54 %", when
  // the rows have one).
  function hasShares(rows) { return rows.some(function (row) { return row.share !== undefined; }); }
  function table(part, keyName, rows) {
    clear(part.tableBox);
    var t = el("table");
    var shares = hasShares(rows);
    t.appendChild(el("caption", part.title, "visually-hidden"));
    var head = el("thead"), tr = el("tr");
    [keyName, "Määrä"].concat(shares ? ["Osuus"] : []).forEach(function (name, i) {
      var th = el("th", name, i ? "n" : null);
      th.scope = "col";
      tr.appendChild(th);
    });
    head.appendChild(tr);
    t.appendChild(head);
    var body = el("tbody");
    rows.forEach(function (row) {
      var line = el("tr"), th = el("th", row.label);
      th.scope = "row";
      line.appendChild(th);
      line.appendChild(el("td", number(row.count), "n"));
      if (shares) { line.appendChild(el("td", percent(row.share), "n")); }
      body.appendChild(line);
    });
    if (!rows.length) {
      var none = el("td", "Ei tapahtumia tällä jaksolla.");
      none.colSpan = shares ? 3 : 2;
      body.appendChild(el("tr")).appendChild(none);
    }
    t.appendChild(body);
    part.tableBox.appendChild(t);
  }

  // Vertical bars (days of the period, hours of the day), drawn at the figure's own width so that 12 px
  // text stays 12 px; only as many labels as fit side by side are printed (the table has them all).
  function drawColumns(part, rows, shortLabels) {
    var figure = part.figure;
    clear(figure);
    var width = Math.max(240, Math.floor(figure.clientWidth - 18) || 640);
    var height = 220, top = 14, bottom = 30;
    var values = rows.map(function (r) { return r.count; });
    var max = Math.max.apply(null, values.concat([1]));
    var left = number(max).length * 7.5 + 10;
    var step = (width - left - 4) / Math.max(rows.length, 1);
    var widest = Math.max.apply(null, shortLabels.map(function (l) { return String(l).length; }).concat([1]));
    var every = Math.max(1, Math.ceil((widest * 7.5 + 8) / step));
    var peak = rows.reduce(function (best, r) { return best === null || r.count > best.count ? r : best; }, null);
    var svg = svgNode("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img",
      "class": "columns", "aria-label": part.title + ": " + rows.length + " pylvästä, suurin " +
        (peak ? number(peak.count) + " (" + peak.label + ")" : "0") + ". Tarkat luvut saa taulukkona." });
    var base = height - bottom;
    svg.appendChild(svgNode("text", { x: left - 6, y: top + 4, "text-anchor": "end" }, number(max)));
    svg.appendChild(svgNode("text", { x: left - 6, y: base, "text-anchor": "end" }, "0"));
    svg.appendChild(svgNode("line", { x1: left, y1: base + 0.5, x2: width, y2: base + 0.5, "class": "axis" }));
    rows.forEach(function (row, i) {
      var barHeight = (base - top) * row.count / max;
      var rect = svgNode("rect", { x: left + i * step + 1, y: base - barHeight, width: Math.max(step - 2, 1),
        height: barHeight, "class": "bar-rect" });
      rect.appendChild(svgNode("title", {}, row.label + ": " + number(row.count)));
      svg.appendChild(rect);
      if (i % every === 0) {
        svg.appendChild(svgNode("text", { x: left + i * step + step / 2, y: base + 18, "text-anchor": "middle" },
          shortLabels[i]));
      }
    });
    figure.appendChild(svg);
    part.drawnWidth = figure.clientWidth;
  }
  function columns(id, keyName, rows, shortLabels) {
    var part = parts(id);
    part.draw = function () { drawColumns(part, rows, shortLabels); };
    table(part, keyName, rows);
    if (!part.tableShown) { part.draw(); }
  }

  // Horizontal bars with the label and the count as text (readable without the chart too).
  function drawBars(part, rows) {
    var figure = part.figure;
    clear(figure);
    if (!rows.length) { figure.appendChild(el("p", "Ei tapahtumia tällä jaksolla.", "chart-empty")); return; }
    var max = Math.max.apply(null, rows.map(function (r) { return r.count; }).concat([1]));
    rows.forEach(function (row) {
      var line = el("div", null, "bar");
      line.appendChild(el("span", row.label, "bar-label"));
      var track = svgNode("svg", { viewBox: "0 0 100 10", preserveAspectRatio: "none", "class": "bar-track",
        "aria-hidden": "true", focusable: "false" });
      track.appendChild(svgNode("rect", { x: 0, y: 0, height: 10, width: 100 * row.count / max }));
      line.appendChild(track);
      line.appendChild(el("span", number(row.count) + (row.share !== undefined ? " (" + percent(row.share) + ")" : ""),
                          "count"));
      figure.appendChild(line);
    });
  }
  function bars(id, keyName, rows) {
    var part = parts(id);
    part.draw = function () { drawBars(part, rows); };
    table(part, keyName, rows);
    if (!part.tableShown) { part.draw(); }
  }

  // The column charts follow the window's width (a phone turned, a window resized).
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      Object.keys(slots).forEach(function (id) {
        var part = slots[id];
        if (part.drawnWidth !== undefined && !part.tableShown && part.figure.clientWidth !== part.drawnWidth) {
          part.draw();
        }
      });
    }, 150);
  });

  window.ManagementCharts = { number: number, percent: percent, columns: columns, bars: bars, el: el, clear: clear };
}());
