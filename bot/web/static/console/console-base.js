// The console's shared helpers (window.ConsolePage): the API call, the status line, DOM building and
// Finnish dates. Everything from the server is shown as text (textContent), never as HTML.
// The session is an HttpOnly cookie; the CSRF token is kept only in this page's memory and sent
// with every change.
(function () {
  "use strict";
  var API = "/console/api";
  var page = window.ConsolePage = { csrf: null };

  page.$ = function (id) { return document.getElementById(id); };

  // One request to the console API: {status, data}; no answer at all is status 0 (staff-common.js).
  page.call = window.StaffCommon.caller(API, function () { return page.csrf; });

  // The Finnish text for a refused or failed request (staff-messages.js holds the texts).
  page.problem = function (answer, action) { return window.StaffMessages.problem(answer, action); };

  // The page's status line; `kind` "error" or "ok" marks it in words' colour and border as well.
  function show(node, text, kind) {
    node.textContent = text || "";
    node.classList.toggle("is-error", kind === "error" && !!text);
    node.classList.toggle("is-ok", kind === "ok" && !!text);
  }
  page.show = show;
  page.setStatus = function (text, kind) { show(page.$("status"), text, kind); };
  page.networkDown = false;  // the status line says the connection is lost until an answer comes again
  page.connection = function (answer) {
    if (answer.status === 0 && !page.networkDown) {
      page.networkDown = true;
      page.setStatus(window.StaffMessages.text("network"), "error");
    } else if (answer.status !== 0 && page.networkDown) {
      page.networkDown = false;
      if (page.$("status").textContent === window.StaffMessages.text("network")) { page.setStatus(""); }
    }
    return answer.status !== 0;
  };

  page.el = function (tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  };
  var two = window.StaffCommon.two;
  page.two = two;
  page.clock = function (at) {  // an entry's time (seconds since 1970) as HH:MM in the browser's time zone
    var date = new Date(Number(at) * 1000);
    if (!at || isNaN(date.getTime())) { return ""; }
    return two(date.getHours()) + ":" + two(date.getMinutes());
  };
  page.dateText = window.StaffCommon.momentText;  // "7.12.2026 klo 10.05" in the browser's time zone
  page.dayText = window.StaffCommon.dayText;  // "2026-12-07" -> "7.12.2026"
  page.newKey = function () {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  };
  // -- emergency answers the resident got: their category in words, with the time -----------------------
  var CATEGORIES = { general: "hätätilanne", suicide: "itsetuhoisuus", poisoning: "myrkytys", chest_pain: "rintakipu",
                     stroke: "aivoverenkiertohäiriö", unconscious: "tajuttomuus", bleeding: "runsas verenvuoto",
                     breathing: "hengitysvaikeus", anaphylaxis: "vaikea allerginen reaktio", seizure: "kouristus",
                     violence: "väkivalta" };
  page.categoryName = function (category) {
    if (typeof category !== "string" || !category) { return "luokka ei tiedossa"; }
    return Object.prototype.hasOwnProperty.call(CATEGORIES, category) ? CATEGORIES[category] : category;
  };
  page.emergencyText = function (category, at) {
    var time = page.clock(at);
    return page.categoryName(category) + (time ? " klo " + time : "");
  };
  page.number = function (n) { return new Intl.NumberFormat("fi-FI").format(n); };
}());
