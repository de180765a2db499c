// The resident's own space (Omat asiat). Everything from the server is shown as text (textContent),
// never as HTML; the page's own words are in own-space.html (the <template id="own-texts">), and the
// API's answers carry their Finnish messages. Who the resident is, is decided by the server alone.
(function () {
  "use strict";
  var API = "/auth/own";
  var words = {};
  Array.prototype.forEach.call(document.getElementById("own-texts").content.querySelectorAll("[data-key]"),
    function (span) { words[span.getAttribute("data-key")] = span.textContent; });
  function $(id) { return document.getElementById(id); }
  var statusLine = $("own-status"), errorLine = $("own-error");
  var current = { thread: null, enrolment: null, terms: null };
  var formCount = 0;  // ids of the inputs made on the page

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  function newKey() {  // one key per submit: a double click sends the same key, and the server stores one
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString("fi-FI", { dateStyle: "short", timeStyle: "short" }) : ""; }
  function day(iso) {  // "2026-12-07" -> "7.12.2026"
    var parts = String(iso || "").split("-");
    return parts.length === 3 ? Number(parts[2]) + "." + Number(parts[1]) + "." + parts[0] : "";
  }
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
  }
  function say(text) { statusLine.textContent = text; }
  function fail(text) { errorLine.textContent = text; errorLine.hidden = !text; }

  // One call to the API; a refusal shows its Finnish message, and 401 / terms lead to their views.
  function call(method, path, body) {
    var options = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).catch(function (error) {  // no answer at all: the network
      fail(words.failed);
      throw error;
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (answer.ok) { fail(""); return data; }
        if (answer.status === 401) { showUnidentified(data.message); fail(""); }  // the section says it
        else if (data.error === "terms_required") { showTerms(data.terms); fail(""); }
        else { fail(data.message || words.failed); }
        throw new Error(data.error || String(answer.status));
      });
    });
  }
  function sending(form, promise) {  // the form's buttons wait while a submit is under way
    var buttons = form.querySelectorAll("button");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    return promise.finally(function () { Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; }); });
  }

  function showOnly(id) {
    ["unidentified", "terms", "space"].forEach(function (name) { $(name).hidden = name !== id; });
  }
  function showUnidentified(message) {
    showOnly("unidentified");
    $("unidentified-text").textContent = message || "";
    say("");
  }
  function showTerms(terms) {
    current.terms = terms;
    showOnly("terms");
    $("terms-title").textContent = terms.title;
    var box = $("terms-text");
    box.textContent = "";
    terms.paragraphs.forEach(function (p) { box.appendChild(el("p", p)); });
    say("");
  }

  // -- the summary -----------------------------------------------------------------------------------
  function load() {
    return call("GET", "/summary").then(function (summary) {
      showOnly("space");
      renderRequests(summary.requests);
      renderResults(summary.results);
      renderProgrammes(summary.programmes);
      renderAddress(summary.notification);
      say(words.loaded);
      return call("GET", "/programmes");
    }).then(function (data) { renderOffers(data.programmes); }).catch(function () {});
  }
  function field(list, label, value) {
    var item = el("li");
    item.appendChild(el("span", label + ": ", "own-label"));
    item.appendChild(el("span", value));
    list.appendChild(item);
  }
  function renderRequests(requests) {
    var list = $("requests");
    list.textContent = "";
    $("requests-empty").hidden = requests.length > 0;
    requests.forEach(function (r) {
      var item = el("li", null, "own-item");
      item.appendChild(el("h3", r.topic));
      var facts = el("ul", null, "own-facts");
      field(facts, words.reference, r.reference);
      field(facts, words.status, r.status_text);
      field(facts, words.created, when(r.created_at));
      if (r.status !== "closed") { field(facts, words.answer_by, when(r.answer_by)); }
      item.appendChild(facts);
      item.appendChild(el("p", r.contact_method_text));
      if (r.unread) { item.appendChild(el("p", r.unread + " " + words.unread, "own-unread")); }
      if (r.has_thread) {
        var open = el("button", words.open_thread, "secondary");
        open.type = "button";
        open.addEventListener("click", function () { openThread(r); });
        item.appendChild(open);
      }
      list.appendChild(item);
    });
  }
  function renderResults(results) {
    var table = $("results"), body = table.querySelector("tbody");
    body.textContent = "";
    table.hidden = !results.length;
    $("results-empty").hidden = results.length > 0;
    results.forEach(function (r) {
      var row = el("tr");
      row.appendChild(el("td", day(r.date)));
      row.appendChild(el("td", r.instrument_name));
      row.appendChild(el("td", r.max_score ? r.score + " / " + r.max_score : r.score));
      row.appendChild(el("td", r.band));
      body.appendChild(row);
    });
  }
  function renderProgrammes(programmes) {
    var list = $("programmes");
    list.textContent = "";
    $("programmes-empty").hidden = programmes.length > 0;
    programmes.forEach(function (p) {
      var item = el("li", null, "own-item");
      item.appendChild(el("h3", p.title));
      if (p.module) { item.appendChild(el("p", assignedText(p))); }
      var facts = el("ul", null, "own-facts");
      field(facts, words.status, p.status_text);
      if (p.goal_label) { field(facts, words.goal, p.goal_label); }
      field(facts, words.progress, p.progress + " %");
      if (p.next_opening_text) { field(facts, words.next_opening, p.next_opening_text); }
      item.appendChild(facts);
      if (p.diary && p.diary.weeks.length) { item.appendChild(diaryTable(p.diary)); }
      var open = el("button", words.open_programme, "secondary");
      open.type = "button";
      open.addEventListener("click", function () { openProgramme(p.id); });
      item.appendChild(open);
      list.appendChild(item);
    });
  }
  function assignedText(p) {  // a single module a professional assigned: that module alone, open at once
    return words.assigned_module + ": " + p.module.title;
  }
  function renderOffers(offers) {
    var select = $("start-programme");
    select.textContent = "";
    offers.forEach(function (o) { var option = el("option", o.title); option.value = o.id; select.appendChild(option); });
    select.onchange = function () { showOffer(offers.filter(function (o) { return o.id === select.value; })[0]); };
    showOffer(offers[0]);
  }
  function showOffer(offer) {
    var goals = $("start-goals"), options = $("start-goal-options");
    $("start-intro").textContent = offer ? offer.intro : "";
    options.textContent = "";
    goals.hidden = !offer || !offer.goals.length;
    if (!offer) { return; }
    $("start-goal-question").textContent = offer.goal_question || "";
    offer.goals.forEach(function (g, i) {
      var row = el("p", null, "own-check");
      var input = el("input");
      input.type = "radio"; input.name = "goal"; input.value = g.value; input.id = "goal-" + i; input.required = true;
      var label = el("label", g.label);
      label.htmlFor = input.id;
      row.appendChild(input); row.appendChild(label);
      options.appendChild(row);
      options.appendChild(el("p", g.text, "chat-hint"));
    });
  }
  function renderAddress(view) {
    $("notify-note").textContent = view.note;
    $("notify-current").textContent = view.address ? words.current_address + ": " + view.address : words.no_address;
    $("notify-remove").hidden = !view.address;
    var offered = Object.keys(view.channels || {});  // only the channels a notice can go by here
    ["email", "sms"].forEach(function (channel) {
      var input = $("notify-" + channel), shown = offered.indexOf(channel) >= 0;
      input.parentNode.hidden = !shown; input.disabled = !shown;
      if (!shown) { input.checked = false; }
    });
    if (offered.length && !$("notify-form").querySelector('input[name="channel"]:checked')) {
      $("notify-" + offered[0]).checked = true;
    }
    $("notify-form").hidden = !offered.length;
  }

  // -- a contact request's thread --------------------------------------------------------------------
  function openThread(request) {
    current.thread = { id: request.id, key: newKey() };
    $("thread").hidden = false;
    $("thread-ref").textContent = request.topic + " (" + words.reference + " " + request.reference + ")";
    $("reply-form").hidden = !request.can_reply;
    $("thread-closed").hidden = request.can_reply;
    return call("GET", "/requests/" + request.id + "/messages").then(function (data) {
      renderThread(data.messages);
      $("thread-title").focus();
      return call("POST", "/requests/" + request.id + "/read", {});
    }).catch(function () {});
  }
  function renderThread(messages) {
    var list = $("thread-messages");
    list.textContent = "";
    $("thread-empty").hidden = messages.length > 0;
    messages.forEach(function (m) {
      var item = el("li", null, "msg " + (m.from === "staff" ? "professional" : "user"));
      item.appendChild(el("p", (m.from === "staff" ? words.from_staff : words.from_me) + ", " + when(m.created_at),
                          "own-who"));
      item.appendChild(el("p", m.body, "own-body"));
      list.appendChild(item);
    });
  }

  // -- a programme ------------------------------------------------------------------------------------
  function openProgramme(id) {
    return call("GET", "/programmes/" + id).then(function (p) {
      current.enrolment = p.id;
      $("programme").hidden = false;
      $("programme-title").textContent = p.title;
      $("programme-assigned").hidden = !p.module;
      $("programme-assigned").textContent = p.module ? assignedText(p) : "";
      $("programme-goal").textContent = p.goal_label ? words.goal + ": " + p.goal_label : "";
      $("programme-worse").textContent = p.worse.label;
      $("programme-worse").href = p.worse.url;
      $("programme-worse-text").textContent = p.worse.text || "";
      var diary = $("programme-diary");
      diary.textContent = "";
      if (p.diary) { diary.appendChild(diaryBlock(p)); }
      var modules = $("programme-modules");
      modules.textContent = "";
      p.open_modules.forEach(function (m) { modules.appendChild(moduleBlock(p, m)); });
      p.modules.filter(function (m) { return !m.open; }).forEach(function (m) {
        modules.appendChild(el("p", m.title + ": " + words.opens + " " + m.opens, "own-later"));
      });
      $("programme-stop").hidden = p.status !== "active";
      $("programme-end").hidden = !p.end_assessment;
      $("programme-end").textContent = p.end_assessment || "";
      $("programme-title").focus();
    }).catch(function () {});
  }
  function worseLink(p) {  // "Tilanteeni on huonompi" at every step
    var wrap = el("p");
    var link = el("a", p.worse.label, "button-link worse");
    link.href = p.worse.url;
    wrap.appendChild(link);
    return wrap;
  }
  function labelled(form, id, text, input) {
    var label = el("label", text);
    label.htmlFor = id;
    input.id = id;
    form.appendChild(label);
    form.appendChild(input);
  }
  function choices(form, name, legendText, options) {
    var set = el("fieldset");
    set.appendChild(el("legend", legendText));
    options.forEach(function (o, i) {
      var row = el("p", null, "own-check");
      var input = el("input");
      input.type = "radio"; input.name = name; input.value = o.value; input.id = name + "-" + i; input.required = true;
      var label = el("label", o.label);
      label.htmlFor = input.id;
      row.appendChild(input); row.appendChild(label);
      set.appendChild(row);
    });
    form.appendChild(set);
  }
  function submitter(form, path, body, after) {  // one idempotency key per form until it is stored
    var key = newKey();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = body();
      data.idempotency_key = key;
      sending(form, call("POST", path, data)).then(function (answer) {
        key = newKey();
        if (after) { after(answer); say(words.saved); return; }
        load().then(function () { return openProgramme(current.enrolment); }).then(function () { say(words.saved); });
      }).catch(function () {});
    });
  }
  function diaryTable(diary) {
    var table = el("table", null, "own-table");
    table.appendChild(el("caption", words.diary_weeks));
    var head = el("tr");
    [words.week, words.total, words.days_recorded, words.dry_days].forEach(function (t) {
      var th = el("th", t); th.scope = "col"; head.appendChild(th);
    });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    diary.weeks.forEach(function (w) {
      var row = el("tr");
      [w.week + " (" + day(w.starts) + "–" + day(w.ends) + ")", String(w.total).replace(".", ","), w.days_recorded, w.dry_days]
        .forEach(function (t) { row.appendChild(el("td", t)); });
      body.appendChild(row);
    });
    table.appendChild(body);
    return table;
  }
  function diaryForm(p, path) {
    var form = el("form", null, "own-form");
    form.appendChild(el("p", p.diary.question));
    var date = el("input");
    date.type = "date"; date.required = true; date.min = p.started; date.max = today(); date.value = today();
    formCount += 1;
    labelled(form, "diary-day-" + formCount, words.diary_day, date);
    var amount = el("input");
    amount.type = "number"; amount.required = true; amount.min = "0"; amount.max = String(p.diary.max_per_day);
    amount.step = "0.5"; amount.inputMode = "decimal";
    labelled(form, "diary-amount-" + formCount, words.diary_amount, amount);
    form.appendChild(el("p", words.diary_hint, "chat-hint"));
    var save = el("button", words.save); save.type = "submit"; form.appendChild(save);
    submitter(form, path, function () { return { day: date.value, amount: Number(amount.value) }; });
    return form;
  }
  function diaryBlock(p) {
    var box = el("div", null, "own-diary");
    box.appendChild(el("h3", words.diary_title));
    box.appendChild(el("p", p.diary.explanation));
    var examples = el("ul");
    p.diary.examples.forEach(function (e) { examples.appendChild(el("li", e)); });
    box.appendChild(el("p", words.examples + ":"));
    box.appendChild(examples);
    if (p.diary.weeks.length) { box.appendChild(diaryTable(p.diary)); }
    var inModule = p.open_modules.some(function (m) { return m.exercise.records === "diary"; });
    if (p.status === "active" && !inModule) { box.appendChild(diaryForm(p, "/programmes/" + p.id + "/diary")); }
    return box;
  }
  function moduleBlock(p, m) {
    var box = el("article", null, "own-module");
    var base = "/programmes/" + p.id + "/modules/" + encodeURIComponent(m.id);
    box.appendChild(el("h3", m.title + (m.done ? " (" + words.done + ")" : "")));
    m.content.forEach(function (text) { box.appendChild(el("p", text)); });
    box.appendChild(el("h4", words.task));
    box.appendChild(el("p", m.exercise.task));
    m.recorded.forEach(function (r) {
      var value = r.value && typeof r.value === "object" ? day(r.value.day) + ": " + String(r.value.amount).replace(".", ",")
        : r.value;
      box.appendChild(el("p", words.recorded + " " + when(r.at) + ": " + value, "own-recorded"));
    });
    if (p.status !== "active") { return box; }
    if (m.exercise.records === "diary") {
      box.appendChild(diaryForm(p, base + "/exercise"));
    } else {
      var form = el("form", null, "own-form");
      var read;
      if (m.exercise.records === "choice") {
        choices(form, "exercise-" + m.id, m.exercise.prompt, m.exercise.options);
        read = function () { var c = form.querySelector("input:checked"); return { value: c ? c.value : null }; };
      } else if (m.exercise.records === "number") {
        var number = el("input");
        number.type = "number"; number.required = true; number.step = "1";
        if (m.exercise.minimum !== null) { number.min = String(m.exercise.minimum); }
        if (m.exercise.maximum !== null) { number.max = String(m.exercise.maximum); }
        labelled(form, "exercise-" + m.id, m.exercise.prompt + (m.exercise.unit ? " (" + m.exercise.unit + ")" : ""), number);
        read = function () { return { value: Number(number.value) }; };
      } else {
        var text = el("textarea");
        text.rows = 4; text.maxLength = 2000; text.required = true;
        labelled(form, "exercise-" + m.id, m.exercise.prompt, text);
        read = function () { return { value: text.value }; };
      }
      var save = el("button", words.save); save.type = "submit"; form.appendChild(save);
      submitter(form, base + "/exercise", read);
      box.appendChild(form);
    }
    var check = el("form", null, "own-form");
    choices(check, "checkin-" + m.id, words.check_in + ": " + m.check_in.question, m.check_in.options);
    if (m.check_in_answer) {
      var chosen = check.querySelector('input[value="' + CSS.escape(m.check_in_answer) + '"]');
      if (chosen) { chosen.checked = true; }
    }
    var answer = el("button", words.answer); answer.type = "submit"; check.appendChild(answer);
    submitter(check, base + "/check-in", function () {
      var c = check.querySelector("input:checked"); return { answer: c ? c.value : null };
    }, function (stored) {
      if (stored.offer_contact) {
        check.appendChild(el("p", words.contact_offer));
        var link = el("a", stored.offer_contact.label, "button-link worse");
        link.href = stored.offer_contact.url;
        check.appendChild(link);
        link.focus();
      } else {
        load().then(function () { return openProgramme(current.enrolment); });
      }
    });
    box.appendChild(check);
    if (!m.done) {
      var done = el("form", null, "own-form");
      var mark = el("button", words.mark_done, "secondary"); mark.type = "submit"; done.appendChild(mark);
      submitter(done, base + "/done", function () { return {}; });
      box.appendChild(done);
    }
    box.appendChild(worseLink(p));
    return box;
  }

  // -- forms of the page -------------------------------------------------------------------------------
  $("terms-form").addEventListener("submit", function (event) {
    event.preventDefault();
    sending(event.target, call("POST", "/terms", { version: current.terms.version })).then(load).catch(function () {});
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var thread = current.thread, text = $("reply-text");
    sending(event.target, call("POST", "/requests/" + thread.id + "/messages",
                               { body: text.value, idempotency_key: thread.key })).then(function () {
      thread.key = newKey();
      text.value = "";
      say(words.sent);
      return call("GET", "/requests/" + thread.id + "/messages");
    }).then(function (data) { renderThread(data.messages); }).catch(function () {});
  });
  $("thread-close").addEventListener("click", function () { $("thread").hidden = true; current.thread = null; load(); });
  $("programme-stop").addEventListener("click", function () {
    if (!window.confirm(words.stop_question)) { return; }
    call("POST", "/programmes/" + current.enrolment + "/stop", {}).then(function () {
      return load().then(function () { return openProgramme(current.enrolment); });
    }).then(function () { say(words.stopped); }).catch(function () {});
  });
  $("programme-close").addEventListener("click", function () { $("programme").hidden = true; load(); });
  $("start-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var goal = event.target.querySelector('input[name="goal"]:checked');
    var body = { programme: $("start-programme").value };
    if (!$("start-goals").hidden) { body.goal = goal ? goal.value : null; }
    sending(event.target, call("POST", "/programmes", body)).then(function (data) {
      say(words.started);
      return load().then(function () { return openProgramme(data.programme.id); });
    }).catch(function () {});
  });
  $("notify-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var channel = event.target.querySelector('input[name="channel"]:checked').value;
    sending(event.target, call("POST", "/notification", { channel: channel, address: $("notify-address").value }))
      .then(function (view) { renderAddress(view); $("notify-address").value = ""; say(words.saved); }).catch(function () {});
  });
  $("notify-remove").addEventListener("click", function () {
    call("DELETE", "/notification").then(function (view) { renderAddress(view); say(words.saved); }).catch(function () {});
  });

  load();
}());
