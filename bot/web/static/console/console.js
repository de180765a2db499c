// Professionals' console. Everything from the server is shown as text (textContent), never as HTML.
// The session is an HttpOnly cookie; the CSRF token is kept only in this page's memory and sent
// with every change.
(function () {
  "use strict";
  var API = "/console/api";
  var csrf = null;
  var current = null;       // the handoff id this professional holds and is looking at
  var seen = 0;             // transcript entries already shown
  var timers = [];
  function $(id) { return document.getElementById(id); }
  function setStatus(text) { $("status").textContent = text; }

  function call(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET" && csrf) { headers["X-CSRF-Token"] = csrf; }
    return fetch(API + path, { method: method, headers: headers, credentials: "same-origin",
                               body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        if (r.status === 204) { return { status: 204, data: null }; }
        return r.json().then(function (data) { return { status: r.status, data: data }; },
                             function () { return { status: r.status, data: null }; });
      });
  }
  function problem(answer) {
    return (answer.data && answer.data.message) ? answer.data.message : ("Virhe " + answer.status);
  }

  // -- emergency answers the resident got: a banner on the conversation, a marker in the queue -----
  var CATEGORIES = { general: "hätätilanne", suicide: "itsetuhoisuus", poisoning: "myrkytys", chest_pain: "rintakipu",
                     stroke: "aivoverenkiertohäiriö", unconscious: "tajuttomuus", bleeding: "runsas verenvuoto",
                     breathing: "hengitysvaikeus", anaphylaxis: "vaikea allerginen reaktio", seizure: "kouristus",
                     violence: "väkivalta" };
  function categoryName(category) {
    if (typeof category !== "string" || !category) { return "luokka ei tiedossa"; }
    return Object.prototype.hasOwnProperty.call(CATEGORIES, category) ? CATEGORIES[category] : category;
  }
  function clock(at) {  // an entry's time (seconds since 1970) as HH:MM in the browser's time zone
    var date = new Date(Number(at) * 1000);
    if (!at || isNaN(date.getTime())) { return ""; }
    return (date.getHours() < 10 ? "0" : "") + date.getHours() + ":" + (date.getMinutes() < 10 ? "0" : "") +
      date.getMinutes();
  }
  function emergencyText(category, at) {
    var time = clock(at);
    return categoryName(category) + (time ? " klo " + time : "");
  }
  function showEmergency(entry) {  // one line per emergency answer; role="alert" reads it out
    var line = document.createElement("p");
    line.textContent = "Asiakas sai hätäohjeen: " + emergencyText(entry.category, entry.at);
    $("emergency-banner").appendChild(line);
  }

  function minutes(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + " min " + (s < 10 ? "0" : "") + s + " s";
  }

  // -- signing in --------------------------------------------------------------------------------
  function signedIn(data) {
    csrf = data.csrf_token;
    $("who").textContent = "Kirjautuneena: " + data.account.display_name;
    $("sign-in").hidden = true;
    $("sign-out").hidden = false;
    $("work").hidden = false;
    refreshQueue();
    refreshTickets();
    timers.push(setInterval(refreshQueue, 2000));
    timers.push(setInterval(refreshTickets, 30000));  // each listing is an access-log line per ticket
    timers.push(setInterval(poll, 1500));
    timers.push(setInterval(heartbeat, 5000));
  }
  function signedOut() {
    csrf = null; current = null; ticketId = null;
    timers.forEach(clearInterval); timers = [];
    $("ticket-view").hidden = true;
    $("sign-in").hidden = false; $("sign-out").hidden = true; $("work").hidden = true;
    $("who").textContent = "";
  }
  $("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", "/session", { username: $("username").value, password: $("password").value })
      .then(function (answer) {
        $("password").value = "";
        if (answer.status === 201) { setStatus(""); signedIn(answer.data); } else { setStatus(problem(answer)); }
      });
  });
  $("sign-out").addEventListener("click", function () {
    call("DELETE", "/session").then(signedOut);
  });

  // -- the queue ---------------------------------------------------------------------------------
  function refreshQueue() {
    call("GET", "/queue").then(function (answer) {
      if (answer.status === 401) { signedOut(); return; }
      if (answer.status !== 200) { return; }
      var list = $("queue");
      list.textContent = "";
      answer.data.handoffs.forEach(function (h) {
        var item = document.createElement("li");
        item.className = "queue-item " + h.status;
        var label = (h.topic_title || "Aihe ei tiedossa") + " – " +
          (h.status === "waiting" ? "odottanut " + minutes(h.waiting_seconds)
                                  : "hoitaa " + (h.mine ? "sinä" : (h.taken_by || "toinen ammattilainen"))) +
          (h.has_assessment ? " – itsearvio tehty" : "") + (h.identified ? " – tunnistautunut" : "");
        if (h.emergency) {  // in words, not only in colour
          item.className += " emergency";
          var alarm = document.createElement("strong");
          alarm.className = "queue-emergency";
          alarm.textContent = "HÄTÄOHJE ANNETTU: " + emergencyText(h.emergency.category, h.emergency.at) + " –";
          item.appendChild(alarm);
          item.appendChild(document.createTextNode(" "));
        }
        var text = document.createElement("span");
        text.textContent = label + " ";
        item.appendChild(text);
        if (h.status === "waiting" && current === null) {
          var take = document.createElement("button");
          take.type = "button";
          take.className = "take";
          take.textContent = "Ota keskustelu";
          take.addEventListener("click", function () { takeOver(h.id); });
          item.appendChild(take);
        } else if (h.mine && current !== h.id) {
          var open = document.createElement("button");
          open.type = "button";
          open.textContent = "Avaa";
          open.addEventListener("click", function () { show(h.id); });
          item.appendChild(open);
        }
        list.appendChild(item);
      });
      $("queue-empty").hidden = answer.data.handoffs.length > 0;
    });
  }
  function takeOver(id) {
    call("POST", "/handoffs/" + id + "/take").then(function (answer) {
      if (answer.status === 200) { show(id); setStatus("Otit keskustelun."); }
      else { setStatus(problem(answer)); }
      refreshQueue();
    });
  }

  // -- one conversation --------------------------------------------------------------------------
  function fact(name, value) {
    if (value === undefined || value === null || value === "") { return; }
    var dt = document.createElement("dt"); dt.textContent = name;
    var dd = document.createElement("dd"); dd.textContent = String(value);
    $("facts").appendChild(dt); $("facts").appendChild(dd);
  }
  function showFacts(summary) {
    $("facts").textContent = "";
    fact("Aihe", summary.topic_title);
    fact("Kenen asia", summary.subject);
    fact("Ohje", summary.path_id);
    if (summary.assessment) {
      var a = summary.assessment;
      fact("Itsearvio", (a.instrument || "") + " " + a.total + "/" + a.max_score +
           (a.at_or_above ? " (raja ylittyy)" : ""));
    }
    if (summary.identity) { fact("Tunnistautunut", (summary.identity.name || "") + " " + summary.identity.code); }
    if (summary.recent_messages && summary.recent_messages.length) {
      fact("Viimeiset viestit (henkilötiedot poistettu)", summary.recent_messages.join("\n"));
    }
  }
  function addEntry(entry) {
    var box = document.createElement("div");
    box.className = "entry " + entry.who + (entry.emergency ? " emergency" : "");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.who === "resident" ? "Asukas: "
      : entry.who === "professional" ? "Ammattilainen (" + (entry.name || "") + "): " : "Chat-opas: ";
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = entry.text || "";
    box.appendChild(who); box.appendChild(text);
    if (entry.emergency) {
      var tag = document.createElement("strong");
      tag.className = "tag";
      tag.textContent = "[hätäohje] ";
      box.insertBefore(tag, text);
      showEmergency(entry);
    }
    $("transcript").appendChild(box);
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }
  function show(id) {
    current = id; seen = 0;
    $("transcript").textContent = "";
    $("emergency-banner").textContent = "";
    $("conversation").hidden = false;
    $("t-result").textContent = "";
    poll(true);
  }
  function poll(first) {
    if (current === null) { return; }
    var id = current;
    call("GET", "/handoffs/" + id + "?after=" + seen).then(function (answer) {
      if (id !== current) { return; }
      if (answer.status === 409 || answer.status === 404) { lost(); return; }
      if (answer.status !== 200) { return; }
      if (first === true) { showFacts(answer.data.summary || {}); }
      answer.data.transcript.forEach(function (entry) { addEntry(entry); seen = entry.index + 1; });
    });
  }
  function heartbeat() {
    if (current === null) { return; }
    call("POST", "/handoffs/" + current + "/heartbeat").then(function (answer) {
      if (answer.status === 409) { lost(); }
    });
  }
  function lost() {
    setStatus("Keskustelu ei ole enää sinulla (yhteys katkesi tai se palasi jonoon).");
    current = null;
    $("conversation").hidden = true;
    refreshQueue();
  }
  $("message-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("message").value.trim();
    if (!text || current === null) { return; }
    call("POST", "/handoffs/" + current + "/messages", { text: text }).then(function (answer) {
      if (answer.status === 201) { $("message").value = ""; poll(); } else { setStatus(problem(answer)); }
    });
  });
  $("path-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("GET", "/paths?q=" + encodeURIComponent($("path-query").value.trim() || " ")).then(function (answer) {
      var list = $("paths");
      list.textContent = "";
      if (answer.status !== 200) { setStatus(problem(answer)); return; }
      answer.data.paths.forEach(function (p) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "send-path";
        button.textContent = "Lähetä: " + p.title;
        button.addEventListener("click", function () {
          call("POST", "/handoffs/" + current + "/path", { path_id: p.id }).then(function (sent) {
            setStatus(sent.status === 201 ? "Ohje lähetetty: " + p.title : problem(sent));
            poll();
          });
        });
        item.appendChild(button);
        list.appendChild(item);
      });
    });
  });
  $("ticket-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", "/handoffs/" + current + "/ticket", {
      reason: $("t-reason").value, contact_role: $("t-role").value, urgency: $("t-urgency").value,
      words: $("t-words").value, phone: $("t-phone").value, reach_time: $("t-reach").value,
      consent: $("t-consent").checked
    }).then(function (answer) {
      $("t-result").textContent = answer.status === 201
        ? "Yhteydenottopyyntö tallennettu, tunnus " + answer.data.reference : problem(answer);
    });
  });
  $("hand-back").addEventListener("click", function () {
    if (current === null) { return; }
    call("POST", "/handoffs/" + current + "/hand-back").then(function (answer) {
      if (answer.status === 200) {
        setStatus("Keskustelu palautettu chat-oppaalle.");
        current = null;
        $("conversation").hidden = true;
      } else { setStatus(problem(answer)); }
      refreshQueue();
    });
  });

  // -- contact requests answered by secure message (issue 18) -----------------------------------
  var ticketId = null;      // the contact request open in the ticket view
  var replyKey = null;      // one idempotency key per message written: a double click stores one message
  var lastSeenId = null;    // the latest resident message shown: a reply or "mark answered" marks up to it only
  var person = null;        // the resident's overview as last read
  var URGENCY = { urgent: "kiireellinen", normal: "normaali" };
  var TICKET_STATUS = { "new": "uusi", claimed: "otettu hoitoon", in_progress: "työn alla", closed: "suljettu" };
  var STARTED_BY = { assessment: "itsearvion jälkeen", path: "ohjeen kautta", professional: "ammattilaisen antama" };
  var ENROLMENT_STATUS = { active: "käynnissä", finished: "päättynyt", stopped: "keskeytetty" };

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function dateText(iso) {  // "7.12.2026 klo 10.05" in the browser's time zone
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) { return ""; }
    return date.getDate() + "." + (date.getMonth() + 1) + "." + date.getFullYear() + " klo " + date.getHours() + "." +
      two(date.getMinutes());
  }
  function dayText(isoDate) {  // "2026-12-07" -> "7.12.2026"
    var parts = String(isoDate || "").split("-");
    return parts.length === 3 ? Number(parts[2]) + "." + Number(parts[1]) + "." + parts[0] : String(isoDate || "");
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function ticketStatus(text) { $("ticket-result").textContent = text; }
  var FIELDS = { body: "viesti", idempotency_key: "viesti", text: "muistiinpano", programme_id: "ohjelma",
                 goal: "tavoite", module_id: "osa", enrolment_id: "ohjelma, jota muistiinpano koskee" };
  function ticketProblem(answer) {  // the server's reasons in Finnish
    var data = answer.data || {}, message = String(data.message || "").toLowerCase();
    if (answer.status === 401) { return "Istunto on päättynyt. Kirjaudu uudelleen."; }
    if (answer.status === 403) { return "Sinulla ei ole oikeutta tähän."; }
    if (answer.status === 404) {
      return "Tietoja ei löydy: pyyntöä ei ole, se on jätetty tunnistautumatta tai siihen vastataan puhelimella.";
    }
    if (answer.status === 409) {
      if (message.indexOf("closed") >= 0) { return "Pyyntö on suljettu."; }
      if (message.indexOf("another professional") >= 0) { return "Pyyntö on toisen ammattilaisen hoidossa."; }
      return "Ota pyyntö ensin hoitaaksesi.";
    }
    if (answer.status === 422) {
      return "Tarkista " + (FIELDS[data.field] || "tiedot") + ": arvo puuttuu, on liian pitkä tai ei kelpaa.";
    }
    if (answer.status === 503) { return "Palveluun ei juuri nyt saada yhteyttä. Yritä hetken päästä uudelleen."; }
    return "Virhe " + answer.status;
  }

  function refreshTickets() {
    call("GET", "/tickets" + ($("tickets-unread").checked ? "?unread=true" : "")).then(function (answer) {
      if (answer.status === 401) { signedOut(); return; }
      if (answer.status !== 200) { return; }
      var list = $("tickets");
      list.textContent = "";
      answer.data.tickets.forEach(function (t) {
        var item = el("li");
        if (t.unread_replies > 0) {  // in words, not only in colour
          item.appendChild(el("strong", "UUSI VASTAUS (" + t.unread_replies + ") –", "unread"));
          item.appendChild(document.createTextNode(" "));
        }
        var who = t.mine ? "sinulla" : (t.assignee ? "hoitaa " + t.assignee : "ei vielä otettu hoitoon");
        item.appendChild(el("span", t.reference + " – " + (t.resident_name || "asukas") + " – " +
          (URGENCY[t.urgency] || t.urgency) + " – vastattava " + dateText(t.answer_by) + " – " + who + " "));
        var open = el("button", "Avaa " + t.reference);
        open.type = "button";
        open.addEventListener("click", function () { openTicket(t.id); });
        item.appendChild(open);
        list.appendChild(item);
      });
      $("tickets-empty").hidden = answer.data.tickets.length > 0;
    });
  }
  $("tickets-unread").addEventListener("change", refreshTickets);

  function openTicket(id) {
    ticketId = id; replyKey = null; person = null; lastSeenId = null;
    $("ticket-view").hidden = false;
    ticketStatus("");
    loadTicket();
    $("ticket-title").focus();
  }
  function loadTicket() {
    var id = ticketId;
    if (id === null) { return; }
    call("GET", "/tickets/" + id).then(function (answer) {
      if (id !== ticketId) { return; }
      if (answer.status !== 200) { ticketStatus(ticketProblem(answer)); return; }
      showTicketFacts(answer.data);
    });
    loadThread();
    loadPerson();
  }
  function showTicketFacts(t) {
    var facts = $("ticket-facts");
    facts.textContent = "";
    function add(name, value) {
      if (value === null || value === undefined || value === "") { return; }
      facts.appendChild(el("dt", name));
      facts.appendChild(el("dd", value));
    }
    $("ticket-title").textContent = "Yhteydenottopyyntö " + t.reference;
    add("Asukas", t.resident_name);
    add("Tila", TICKET_STATUS[t.status] || t.status);
    add("Kiireellisyys", URGENCY[t.urgency] || t.urgency);
    add("Vastattava viimeistään", dateText(t.answer_by));
    add("Hoitaa", t.mine ? "sinä" : t.assignee);
    add("Asukkaan kuvaus", t.resident_words);
    $("ticket-claim").hidden = t.status !== "new";
  }

  function loadThread() {
    var id = ticketId;
    call("GET", "/tickets/" + id + "/messages").then(function (answer) {
      if (id !== ticketId) { return; }
      var list = $("thread");
      list.textContent = "";
      if (answer.status !== 200) { $("thread-empty").hidden = false; ticketStatus(ticketProblem(answer)); return; }
      lastSeenId = null;
      answer.data.messages.forEach(function (m) {
        if (m.sender === "resident" && (lastSeenId === null || m.id > lastSeenId)) { lastSeenId = m.id; }
        var item = el("li", null, m.sender);
        var from = m.sender === "staff" ? "Ammattilainen (" + (m.author_name || "") + ")" : "Asukas";
        var waiting = m.sender === "resident" && !m.read_at ? " – odottaa vastausta" : "";
        item.appendChild(el("span", from + ", " + dateText(m.created_at) + waiting, "meta"));
        item.appendChild(el("span", m.body));
        list.appendChild(item);
      });
      $("thread-empty").hidden = answer.data.messages.length > 0;
    });
  }

  function loadPerson() {
    var id = ticketId;
    call("GET", "/tickets/" + id + "/person").then(function (answer) {
      if (id !== ticketId) { return; }
      if (answer.status !== 200) { ticketStatus(ticketProblem(answer)); return; }
      person = answer.data;
      showResults(person.results);
      showProgrammes(person.programmes);
      showPlanNotes(person.plan_notes);
      showAssignable(person.assignable, person.programmes);
    });
  }
  function showResults(results) {
    var body = $("results").tBodies[0];
    body.textContent = "";
    results.forEach(function (r) {
      var row = document.createElement("tr");
      [dateText(r.taken_at), r.instrument, String(r.score), r.band].forEach(function (value) {
        row.appendChild(el("td", value));
      });
      body.appendChild(row);
    });
    $("results").hidden = results.length === 0;
    $("results-empty").hidden = results.length > 0;
  }
  function showProgrammes(programmes) {
    var box = $("programmes");
    box.textContent = "";
    programmes.forEach(function (p) {
      var card = el("article", null, "programme");
      card.appendChild(el("h5", programmeName(p) + (p.goal_label ? " – tavoite: " + p.goal_label : "")));
      card.appendChild(el("p", (ENROLMENT_STATUS[p.status] || p.status) + ", aloitettu " + dateText(p.started_at) +
        " (" + (STARTED_BY[p.started_by] || p.started_by) + (p.assigned_by ? ": " + p.assigned_by : "") + ")"));
      card.appendChild(el("p", "Osia tehty " + p.modules_done + " / " + p.modules_total));
      var modules = el("ul");
      p.modules.forEach(function (m) {
        modules.appendChild(el("li", m.title + " – " + (m.done ? "tehty" : "ei vielä tehty") + " (avautuu " +
          dayText(m.opens_on) + ")"));
      });
      card.appendChild(modules);
      if (p.check_ins.length) {
        card.appendChild(el("p", "Kuulumiset:"));
        var answers = el("ul");
        p.check_ins.forEach(function (c) {
          answers.appendChild(el("li", dateText(c.recorded_at) + " " + (c.module_title || "") + ": " + c.answer));
        });
        card.appendChild(answers);
      }
      if (p.exercises.length) {
        card.appendChild(el("p", "Harjoitukset:"));
        var done = el("ul");
        p.exercises.forEach(function (x) {
          done.appendChild(el("li", dateText(x.recorded_at) + " " + (x.module_title || "") + ": " + x.answer));
        });
        card.appendChild(done);
      }
      if (p.diary_weeks.length) {
        var table = el("table");
        table.appendChild(el("caption", "Juomapäiväkirja viikoittain (" + (p.diary_unit || "annos") + " = 12 g alkoholia)"));
        var head = document.createElement("tr");
        ["Viikko", "Ajalla", "Yhteensä", "Kirjattuja päiviä", "Juomattomia päiviä"].forEach(function (name) {
          var th = el("th", name);
          th.scope = "col";
          head.appendChild(th);
        });
        var thead = document.createElement("thead");
        thead.appendChild(head);
        table.appendChild(thead);
        var tbody = document.createElement("tbody");
        p.diary_weeks.forEach(function (w) {
          var row = document.createElement("tr");
          [String(w.week), dayText(w.starts) + "–" + dayText(w.ends), String(w.total).replace(".", ","),
           String(w.days_recorded), String(w.dry_days)].forEach(function (value) { row.appendChild(el("td", value)); });
          tbody.appendChild(row);
        });
        table.appendChild(tbody);
        card.appendChild(table);
      }
      box.appendChild(card);
    });
    $("programmes-empty").hidden = programmes.length > 0;
  }
  function programmeName(p) {  // a single module a professional assigned is named as such
    return p.module_id ? p.title + " – vain osa: " + (p.module_title || p.module_id) : p.title;
  }
  function showPlanNotes(notes) {
    var list = $("plan-notes");
    list.textContent = "";
    notes.forEach(function (n) {
      list.appendChild(el("li", dateText(n.created_at) + " " + (n.author_name || "") + ": " + n.text));
    });
    $("plan-notes-empty").hidden = notes.length > 0;
  }
  function option(select, value, label) {
    var item = el("option", label);
    item.value = value;
    select.appendChild(item);
  }
  function showAssignable(assignable, programmes) {
    var select = $("assign-programme"), chosen = select.value;
    select.textContent = "";
    assignable.forEach(function (p) { option(select, p.id, p.title); });
    if (chosen) { select.value = chosen; }
    showGoals();
    var about = $("plan-programme"), aboutChosen = about.value;
    about.textContent = "";
    option(about, "", "Koko suunnitelma");
    programmes.forEach(function (p) { option(about, String(p.id), programmeName(p)); });
    about.value = aboutChosen;
    if (about.selectedIndex < 0) { about.value = ""; }
  }
  function showGoals() {
    var goals = [], modules = [], wanted = $("assign-programme").value;
    ((person && person.assignable) || []).forEach(function (p) {
      if (p.id === wanted) { goals = p.goals; modules = p.modules || []; }
    });
    var select = $("assign-goal");
    select.textContent = "";
    goals.forEach(function (g) { option(select, g.value, g.label); });
    select.hidden = goals.length === 0;
    $("assign-goal-label").hidden = goals.length === 0;
    var parts = $("assign-module"), partChosen = parts.value;
    parts.textContent = "";
    option(parts, "", "Koko ohjelma");
    modules.forEach(function (m) { option(parts, m.id, "Vain osa: " + m.title + " (avautuu heti)"); });
    parts.value = partChosen;
    if (parts.selectedIndex < 0) { parts.value = ""; }
    showAssignButton();
  }
  function showAssignButton() {
    $("assign-send").textContent = $("assign-module").value ? "Anna osa" : "Anna ohjelma";
  }
  $("assign-programme").addEventListener("change", showGoals);
  $("assign-module").addEventListener("change", showAssignButton);

  $("ticket-claim").addEventListener("click", function () {
    call("POST", "/tickets/" + ticketId + "/claim").then(function (answer) {
      ticketStatus(answer.status === 200 ? "Otit pyynnön hoitaaksesi." : ticketProblem(answer));
      loadTicket();
      refreshTickets();
    });
  });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text || ticketId === null) { return; }
    replyKey = replyKey || newKey();
    var reply = { body: text, idempotency_key: replyKey };
    if (lastSeenId !== null) { reply.last_seen_id = lastSeenId; }
    call("POST", "/tickets/" + ticketId + "/messages", reply).then(function (answer) {
      if (answer.status === 201 || answer.status === 200) {
        $("reply").value = "";
        replyKey = null;
        ticketStatus("Viesti lähetetty. Asukas saa ilmoituksen uudesta viestistä.");
        loadThread();
        refreshTickets();
      } else { ticketStatus(ticketProblem(answer)); }
    });
  });
  $("mark-answered").addEventListener("click", function () {
    if (lastSeenId === null) { ticketStatus("Asukkaalta ei ole viestejä merkittäväksi."); return; }
    call("POST", "/tickets/" + ticketId + "/answered", { last_seen_id: lastSeenId }).then(function (answer) {
      ticketStatus(answer.status === 200 ? "Merkitty vastatuksi (" + answer.data.marked + " viestiä)."
        : ticketProblem(answer));
      loadThread();
      refreshTickets();
    });
  });
  $("assign-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = { programme_id: $("assign-programme").value };
    if (!$("assign-goal").hidden) { body.goal = $("assign-goal").value; }
    var single = $("assign-module").value;
    if (single) { body.module_id = single; }
    call("POST", "/tickets/" + ticketId + "/person/programmes", body).then(function (answer) {
      var given = single ? "Osa annettu asukkaalle: se on avoinna heti." : "Ohjelma annettu asukkaalle.";
      var already = single ? "Asukkaalla on jo tämä osa käynnissä." : "Asukkaalla on jo tämä ohjelma käynnissä.";
      ticketStatus(answer.status === 201 ? given : answer.status === 200 ? already : ticketProblem(answer));
      loadPerson();
    });
  });
  var planKey = null;  // kept until the note is stored: a double click or a retry stores one note
  $("plan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    planKey = planKey || newKey();
    var body = { text: $("plan-text").value, idempotency_key: planKey };
    if ($("plan-programme").value) { body.enrolment_id = Number($("plan-programme").value); }
    call("POST", "/tickets/" + ticketId + "/person/plan-notes", body).then(function (answer) {
      if (answer.status === 201 || answer.status === 200) {
        planKey = null; $("plan-text").value = ""; ticketStatus("Muistiinpano tallennettu.");
      }
      else { ticketStatus(ticketProblem(answer)); }
      loadPerson();
    });
  });
  $("ticket-refresh").addEventListener("click", loadTicket);
  $("ticket-close-view").addEventListener("click", function () {
    ticketId = null;
    $("ticket-view").hidden = true;
  });

  call("GET", "/session").then(function (answer) { if (answer.status === 200) { signedIn(answer.data); } });
}());
