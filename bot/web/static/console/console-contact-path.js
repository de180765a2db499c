// "Kirjaa yhteydenotto": the guidance path given (window.ConsolePage.contactPath). The professional searches
// the live library (GET /console/api/paths?q=), chooses a path and may have the service send it to the
// resident by e-mail or text message: only the ways with a sender configured are offered (the options'
// send_channels), and the address is used for sending only (the record keeps the path and the way).
// Everything from the server is shown as text (textContent), never as HTML.
(function () {
  "use strict";
  var page = window.ConsolePage;
  var $ = page.$;
  var chosen = null;       // {id, title} of the chosen path
  var options = null;      // the contact options (labels, send_channels)
  var ADDRESS_LABELS = { email: "Asiakkaan sähköpostiosoite", sms: "Asiakkaan matkapuhelinnumero" };

  function label(list, code) {
    for (var i = 0; i < list.length; i += 1) { if (list[i].code === code) { return list[i].label; } }
    return code;
  }
  function sendWay() {
    var picked = document.querySelector("input[name=c-send]:checked");
    return picked ? picked.value : "";
  }
  function showAddress() {
    var way = sendWay();
    $("c-send-to-box").hidden = !way;
    if (way) {
      $("c-send-to-label").textContent = ADDRESS_LABELS[way] || "Osoite";
      $("c-send-to").type = way === "email" ? "email" : "tel";
    }
  }

  function buildSendChoices() {
    var box = $("c-send");
    box.textContent = "";
    var ways = [{ code: "", label: "Ei lähetetä" }];
    var usable = options.send_channels || [];
    (options.path_sent_via || []).forEach(function (way) {
      if (usable.indexOf(way.code) >= 0) { ways.push(way); }
    });
    ways.forEach(function (way, index) {
      var row = page.el("label", null, "check");
      var input = document.createElement("input");
      input.type = "radio"; input.name = "c-send"; input.value = way.code;
      input.id = "c-send-" + (way.code || "none");
      input.checked = index === 0;
      input.setAttribute("aria-describedby", "c-send-note c-send-error");
      input.addEventListener("change", showAddress);
      row.appendChild(input);
      row.appendChild(document.createTextNode(" " + way.label));
      box.appendChild(row);
    });
    var missing = (options.path_sent_via || []).filter(function (way) { return usable.indexOf(way.code) < 0; });
    $("c-send-note").textContent = !missing.length ? "" : usable.length === 0
      ? "Ohjetta ei voi lähettää palvelusta: sähköposti- ja tekstiviestilähetystä ei ole otettu käyttöön. " +
        "Anna ohje asiakkaalle muulla tavalla."
      : "Ei käytössä: " + missing.map(function (way) { return way.label.toLowerCase(); }).join(", ") +
        " (lähetystapaa ei ole otettu käyttöön).";
    showAddress();
  }

  function choose(path) {
    chosen = path;
    $("c-path-chosen").textContent = path ? "Valittu ohje: " + path.title : "";
    $("c-path-clear").hidden = !path;
    $("c-send-box").hidden = !path;
    $("c-paths").textContent = "";
    page.show($("c-path-found"), "");
    if (!path) { $("c-send-to").value = ""; buildSendChoices(); }
  }

  function search() {
    var query = $("c-path-query").value.trim();
    if (!query) { page.show($("c-path-found"), "Kirjoita hakusana, esimerkiksi ajanvaraus.", "error"); return; }
    page.call("GET", "/paths?q=" + encodeURIComponent(query)).then(function (answer) {
      var list = $("c-paths");
      list.textContent = "";
      if (answer.status !== 200) { page.show($("c-path-found"), page.problem(answer, "paths"), "error"); return; }
      var found = answer.data.paths || [];
      page.show($("c-path-found"), found.length ? "Löytyi " + found.length + " ohjetta." : "Ohjeita ei löytynyt.");
      found.forEach(function (path) {
        var item = page.el("li");
        var button = page.el("button", "Valitse: " + path.title, "secondary");
        button.type = "button";
        button.addEventListener("click", function () {
          choose(path);
          $("c-path-clear").focus();
        });
        item.appendChild(button);
        list.appendChild(item);
      });
    });
  }

  page.contactPath = {
    init: function (contactOptions) {
      options = contactOptions;
      buildSendChoices();
      choose(null);
    },
    // the fields the form sends: path_id, path_sent_via and send_to (when the service sends it)
    value: function () {
      if (!chosen) { return {}; }
      var way = sendWay();
      var fields = { path_id: chosen.id };
      if (way) { fields.path_sent_via = way; fields.send_to = $("c-send-to").value; }
      return fields;
    },
    summary: function (record) {  // the saved record's path, in words
      if (!record.path_id) { return ""; }
      var title = chosen && chosen.id === record.path_id ? chosen.title : record.path_id;
      return "ohje " + title + (record.path_sent_via && options
        ? " (lähetetty " + label(options.path_sent_via, record.path_sent_via).toLowerCase() + ")" : "");
    },
    // the element a refused field's message goes next to (and the focus to)
    fieldNode: function (field) {
      if (field === "path_id") { return $("c-path-query"); }
      if (field === "path_sent_via") { return document.querySelector("input[name=c-send]"); }
      if (field === "send_to") { return $("c-send-to"); }
      return null;
    },
    reset: function () { $("c-path-query").value = ""; choose(null); }
  };

  $("c-path-search").addEventListener("click", search);
  $("c-path-query").addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); search(); }
  });
  $("c-path-clear").addEventListener("click", function () { choose(null); $("c-path-query").focus(); });
}());
