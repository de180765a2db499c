// Management view: signing in, the period, and the figures from /management/api/report as tiles, charts
// and tables (drawn by management-charts.js). Everything from the server is put on the page as text
// (textContent), never as HTML; refusals and failures are shown in Finnish (staff-messages.js).
(function () {
  "use strict";
  var charts = window.ManagementCharts;
  var number = charts.number, percent = charts.percent;
  var csrf = null;
  var LABELS = {
    answer: "vastaus löytyi", clarify: "tarkentava kysymys", no_match: "ei vastausta", out_of_scope: "aiheen ulkopuolella",
    urgent: "kiireellinen", normal: "ei kiireellinen", anonymous_chat: "nimetön chat", identified_chat: "tunnistautunut chat",
    recorded_contact: "kirjattu yhteydenotto",
    resident: "asukas itse", relative: "läheinen", professional: "ammattilainen", other: "muu",
    health: "terveys", social: "sosiaalipalvelut", booking: "ajanvaraus", contact_details: "yhteystiedot",
    digital_help: "digituki", documents: "asiakirjat", on_behalf: "toisen puolesta",
    no_further_need: "ei jatkotarvetta", referred_within_region: "ohjattu alueen palveluun",
    referred_elsewhere: "ohjattu muualle", met: "määräajassa", missed: "myöhässä"
  };
  function $(id) { return document.getElementById(id); }
  function label(key) {
    if (Object.prototype.hasOwnProperty.call(LABELS, key)) { return LABELS[key]; }
    var parts = String(key).split(":");  // assessments: "phq9:self_care"
    if (parts.length === 2) {
      return parts[0].toUpperCase() + ": " + (parts[1] === "self_care" ? "omahoito" : "yhteydenotto tarjottu");
    }
    return key === "" ? "(ei tietoa)" : key;
  }
  function say(text, kind) {
    var node = $("status");
    node.textContent = text || "";
    node.classList.toggle("is-error", kind === "error" && !!text);
  }
  function fail(answer, action) { say(window.StaffMessages.problem(answer, action), "error"); }
  var api = window.StaffCommon.caller("/management/api", function () { return csrf; });  // {status, data}
  var dayText = window.StaffCommon.dayText, momentText = window.StaffCommon.momentText;
  function counts(object) {
    return Object.keys(object || {}).map(function (k) { return { label: label(k), count: object[k] }; })
      .sort(function (a, b) { return b.count - a.count; });
  }
  function tiles(report) {
    $("t-conversations").textContent = number(report.conversations);
    $("t-fallback").textContent = percent(report.rates.fallback);
    $("t-handoff").textContent = percent(report.rates.handoff);
    $("t-contact").textContent = percent(report.rates.contact_request);
    $("t-emergencies").textContent = number(report.emergencies);
    var met = report.answer_by.met, missed = report.answer_by.missed;
    $("t-answer-by").textContent = met + missed ? percent(met / (met + missed)) : "–";
    $("t-overdue").textContent = number(report.open_overdue_tickets || 0);
    $("t-overdue-time").textContent = report.report_time ? "(tilanne " + momentText(report.report_time) + ")" : "";
  }
  function feedback(rows) {
    var body = $("feedback").querySelector("tbody");
    charts.clear(body);
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      var total = row.helpful + row.not_helpful;
      var name = charts.el("th", row.title);
      name.scope = "row";
      tr.appendChild(name);
      [number(row.helpful), number(row.not_helpful), percent(total ? row.helpful / total : null)].forEach(function (v) {
        tr.appendChild(charts.el("td", v, "n"));
      });
      body.appendChild(tr);
    });
    $("feedback").hidden = rows.length === 0;
    $("feedback-note").hidden = rows.length === 0;
    $("feedback-empty").hidden = rows.length > 0;
  }
  function show(report) {
    tiles(report);
    var days = report.conversations_per_day;
    charts.columns("c-days", "Päivä", days.map(function (d) { return { label: dayText(d.day), count: d.count }; }),
      days.map(function (d) { return Number(d.day.slice(8, 10)) + "." + Number(d.day.slice(5, 7)) + "."; }));
    var hours = report.conversations_per_hour;
    charts.columns("c-hours", "Tunti", hours.map(function (count, h) { return { label: "klo " + h + "–" + (h + 1), count: count }; }),
      hours.map(function (_, h) { return String(h); }));
    charts.bars("c-paths", "Ohjauspolku", report.top_paths.map(function (p) { return { label: p.title, count: p.count }; }));
    charts.bars("c-outcomes", "Lopputulos", counts(report.guidance_outcomes));
    charts.bars("c-urgency", "Kiireellisyys", counts(report.tickets.urgency));
    charts.bars("c-channel", "Kanava", counts(report.tickets.channel));
    charts.bars("c-role", "Yhteydenottaja", counts(report.tickets.contact_role));
    charts.bars("c-reason", "Syy", counts(report.tickets.reason));
    charts.bars("c-outcome", "Lopputulos", counts(report.ticket_outcomes));
    charts.bars("c-answer-by", "Vastausaika", counts(report.answer_by).filter(function (r) { return r.count > 0; }));
    charts.bars("c-assessments", "Oma-arvio ja tulos", counts(report.assessments));
    feedback(report.feedback);
    if (report.contacts) { window.ManagementContacts.show(report.contacts); }
    $("from").value = report.period.from; $("to").value = report.period.to;
    $("csv").href = "/management/api/report.csv?from=" + encodeURIComponent(report.period.from) +
      "&to=" + encodeURIComponent(report.period.to);
  }
  var loading = 0;  // the latest request: an earlier answer arriving late is not shown over it
  function load(query) {
    var mine = ++loading;
    say("Haetaan lukuja…");
    return api("GET", "/report" + (query || "")).then(function (answer) {
      if (mine !== loading) { return; }
      if (answer.status === 401) { signedOut(); fail(answer); return; }
      if (answer.status !== 200) { fail(answer, "report"); return; }
      say("");
      show(answer.data);
    });
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
    api("POST", "/session", { username: $("username").value, password: $("password").value }).then(function (answer) {
      if (answer.status === 201) { $("password").value = ""; say(""); return signedIn(answer.data); }
      fail(answer, "sign-in");
    });
  });
  $("sign-out").addEventListener("click", function () {
    api("DELETE", "/session").then(function (answer) {
      if (answer.status === 204 || answer.status === 401) { signedOut(); say("Kirjauduit ulos."); } else { fail(answer); }
    });
  });
  $("period").addEventListener("submit", function (event) {
    event.preventDefault();
    load("?from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value));
  });
  api("GET", "/session").then(function (answer) { if (answer.status === 200) { signedIn(answer.data); } });
}());
