// Management view: figures from /management/api/report drawn as SVG and bar charts.
// Everything from the server is put on the page as text (textContent), never as HTML.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var csrf = null;
  var LABELS = {
    answer: "vastaus löytyi", clarify: "tarkentava kysymys", no_match: "ei vastausta", out_of_scope: "aiheen ulkopuolella",
    urgent: "kiireellinen", normal: "ei kiireellinen", anonymous_chat: "nimetön chat", identified_chat: "tunnistautunut chat",
    resident: "asukas itse", relative: "läheinen", professional: "ammattilainen", other: "muu",
    health: "terveys", social: "sosiaalipalvelut", booking: "ajanvaraus", contact_details: "yhteystiedot",
    digital_help: "digituki", documents: "asiakirjat", on_behalf: "toisen puolesta",
    no_further_need: "ei jatkotarvetta", referred_within_region: "ohjattu alueen palveluun",
    referred_elsewhere: "ohjattu muualle", met: "määräajassa", missed: "myöhässä"
  };
  function $(id) { return document.getElementById(id); }
  function label(key) {
    if (LABELS[key]) { return LABELS[key]; }
    var parts = String(key).split(":");  // assessments: "phq9:self_care"
    if (parts.length === 2) {
      return parts[0].toUpperCase() + ": " + (parts[1] === "self_care" ? "omahoito" : "yhteydenotto tarjottu");
    }
    return key === "" ? "(ei tietoa)" : key;
  }
  function percent(rate) { return rate === null || rate === undefined ? "–" : Math.round(rate * 1000) / 10 + " %"; }
  function say(text) { $("status").textContent = text; }
  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (body) { headers["Content-Type"] = "application/json"; }
    if (csrf && method !== "GET") { headers["X-CSRF-Token"] = csrf; }
    return fetch("/management/api" + path, { method: method, headers: headers, credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined });
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function svgNode(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  // Vertical bars: one per label (days of the period, hours of the day); every nth label is printed.
  function columnChart(container, labels, values, titleOf) {
    clear(container);
    var width = 700, height = 200, bottom = 30, top = 10, left = 30;
    var max = Math.max.apply(null, values.concat([1]));
    var step = (width - left) / Math.max(values.length, 1);
    var every = Math.ceil(values.length / 15);
    var svg = svgNode("svg", { viewBox: "0 0 " + width + " " + height, role: "img" });
    svg.appendChild(svgNode("title", {}, container.getAttribute("data-title") || ""));
    svg.appendChild(svgNode("text", { x: 0, y: top + 8 }, String(max)));
    svg.appendChild(svgNode("text", { x: 0, y: height - bottom }, "0"));
    values.forEach(function (value, i) {
      var barHeight = (height - bottom - top) * value / max;
      var rect = svgNode("rect", { x: left + i * step + 1, y: height - bottom - barHeight,
        width: Math.max(step - 2, 1), height: barHeight });
      rect.appendChild(svgNode("title", {}, titleOf(i) + ": " + value));
      svg.appendChild(rect);
      if (i % every === 0) {
        svg.appendChild(svgNode("text", { x: left + i * step + step / 2, y: height - bottom + 14,
          "text-anchor": "middle" }, labels[i]));
      }
    });
    container.appendChild(svg);
  }
  // Horizontal bars with the label and the count as text (readable without the chart too).
  function barList(container, rows) {
    clear(container);
    if (!rows.length) { var p = document.createElement("p"); p.textContent = "Ei tapahtumia tällä jaksolla."; container.appendChild(p); return; }
    var max = Math.max.apply(null, rows.map(function (r) { return r.count; }).concat([1]));
    rows.forEach(function (row) {
      var line = document.createElement("div"); line.className = "bar";
      var name = document.createElement("span"); name.textContent = row.label;
      var track = document.createElement("span"); track.className = "track";
      var fill = document.createElement("span"); fill.className = "fill";
      fill.style.width = (100 * row.count / max) + "%";
      track.appendChild(fill);
      var count = document.createElement("span"); count.className = "count"; count.textContent = String(row.count);
      line.appendChild(name); line.appendChild(track); line.appendChild(count);
      container.appendChild(line);
    });
  }
  function counts(object) {
    return Object.keys(object || {}).map(function (k) { return { label: label(k), count: object[k] }; })
      .sort(function (a, b) { return b.count - a.count; });
  }
  function show(report) {
    $("t-conversations").textContent = String(report.conversations);
    $("t-fallback").textContent = percent(report.rates.fallback);
    $("t-handoff").textContent = percent(report.rates.handoff);
    $("t-contact").textContent = percent(report.rates.contact_request);
    $("t-emergencies").textContent = String(report.emergencies);
    var met = report.answer_by.met, missed = report.answer_by.missed;
    $("t-answer-by").textContent = met + missed ? percent(met / (met + missed)) : "–";
    var days = report.conversations_per_day;
    columnChart($("c-days"), days.map(function (d) { return d.day.slice(8, 10) + "." + d.day.slice(5, 7) + "."; }),
      days.map(function (d) { return d.count; }), function (i) { return days[i].day; });
    var hours = report.conversations_per_hour;
    columnChart($("c-hours"), hours.map(function (_, h) { return String(h); }), hours,
      function (i) { return "klo " + i; });
    barList($("c-paths"), report.top_paths.map(function (p) { return { label: p.title, count: p.count }; }));
    barList($("c-outcomes"), counts(report.guidance_outcomes));
    barList($("c-urgency"), counts(report.tickets.urgency));
    barList($("c-channel"), counts(report.tickets.channel));
    barList($("c-role"), counts(report.tickets.contact_role));
    barList($("c-reason"), counts(report.tickets.reason));
    barList($("c-outcome"), counts(report.ticket_outcomes));
    barList($("c-answer-by"), counts(report.answer_by).filter(function (r) { return r.count > 0; }));
    barList($("c-assessments"), counts(report.assessments));
    var body = $("feedback").querySelector("tbody");
    clear(body);
    report.feedback.forEach(function (row) {
      var tr = document.createElement("tr");
      var total = row.helpful + row.not_helpful;
      [row.title, row.helpful, row.not_helpful, percent(total ? row.helpful / total : null)].forEach(function (v, i) {
        var td = document.createElement("td"); td.textContent = String(v); if (i) { td.className = "n"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $("feedback-empty").hidden = report.feedback.length > 0;
    $("from").value = report.period.from; $("to").value = report.period.to;
    $("csv").href = "/management/api/report.csv?from=" + encodeURIComponent(report.period.from) +
      "&to=" + encodeURIComponent(report.period.to);
  }
  function load(query) {
    say("Haetaan lukuja…");
    return api("GET", "/report" + (query || "")).then(function (r) {
      if (r.status === 401) { signedOut(); return null; }
      return r.json().then(function (body) {
        if (!r.ok) { say(r.status === 503 ? "Tietokantaan ei juuri nyt saatu yhteyttä. Yritä hetken päästä uudelleen."
          : "Lukuja ei voitu hakea: " + (body.message || r.status)); return; }
        show(body); say("");
      });
    }).catch(function () { say("Palvelimeen ei saatu yhteyttä. Yritä hetken päästä uudelleen."); });
  }
  function signedIn(me) {
    csrf = me.csrf_token;
    $("who").textContent = me.account.display_name;
    $("sign-in").hidden = true; $("sign-out").hidden = false; $("figures").hidden = false;
    return load("");
  }
  function signedOut() {
    csrf = null; $("who").textContent = "";
    $("sign-in").hidden = false; $("sign-out").hidden = true; $("figures").hidden = true;
  }
  $("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    api("POST", "/session", { username: $("username").value, password: $("password").value }).then(function (r) {
      return r.json().then(function (body) {
        if (r.ok) { $("password").value = ""; return signedIn(body); }
        say(r.status === 403 ? "Tällä tunnuksella ei ole pääsyä tunnuslukuihin."
          : "Kirjautuminen ei onnistunut. Tarkista tunnus ja salasana.");
      });
    }).catch(function () { say("Palvelimeen ei saatu yhteyttä."); });
  });
  $("sign-out").addEventListener("click", function () { api("DELETE", "/session").then(signedOut); });
  $("period").addEventListener("submit", function (event) {
    event.preventDefault();
    load("?from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value));
  });
  api("GET", "/session").then(function (r) { return r.ok ? r.json().then(signedIn) : signedOut(); })
    .catch(signedOut);
}());
