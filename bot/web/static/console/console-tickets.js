// The console's contact requests answered by secure message (issue 18): the list (marked when the
// resident's replies wait), one request's thread with a reply box and "Merkitse vastatuksi", and the
// identified resident behind it (results, programmes, plan notes), where a programme is assigned and a
// plan note written. Everything from the server is shown as text (textContent), never as HTML.
(function () {
  "use strict";
  var page = window.ConsolePage;
  var $ = page.$, call = page.call, el = page.el, dateText = page.dateText, dayText = page.dayText;
  var newKey = page.newKey;
  var timer = null;
  var ticketId = null;      // the contact request open in the ticket view
  var replyKey = null;      // one idempotency key per message written: a double click stores one message
  var lastSeenId = null;    // the latest resident message shown: a reply or "mark answered" marks up to it only
  var person = null;        // the resident's overview as last read
  var URGENCY = { urgent: "kiireellinen", normal: "normaali" };
  var TICKET_STATUS = { "new": "uusi", claimed: "otettu hoitoon", in_progress: "työn alla", closed: "suljettu" };
  var STARTED_BY = { assessment: "itsearvion jälkeen", path: "ohjeen kautta", professional: "ammattilaisen antama" };
  var ENROLMENT_STATUS = { active: "käynnissä", finished: "päättynyt", stopped: "keskeytetty" };

  function ticketStatus(text, kind) { page.show($("ticket-result"), text, kind); }
  function ticketProblem(answer) { return page.problem(answer, "ticket"); }
  function failed(answer) { ticketStatus(ticketProblem(answer), "error"); }
  function refreshTickets() {
    call("GET", "/tickets" + ($("tickets-unread").checked ? "?unread=true" : "")).then(function (answer) {
      if (answer.status === 401) { page.signedOut(); return; }
      if (!page.connection(answer) || answer.status !== 200) { return; }
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
      if (answer.status !== 200) { failed(answer); return; }
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
    if (page.ticketClose) { page.ticketClose.show(t); }  // "Sulje pyyntö" with the contact fields (console-ticket-close.js)
  }

  function loadThread() {
    var id = ticketId;
    call("GET", "/tickets/" + id + "/messages").then(function (answer) {
      if (id !== ticketId) { return; }
      var list = $("thread");
      list.textContent = "";
      if (answer.status !== 200) { $("thread-empty").hidden = false; failed(answer); return; }
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
      if (answer.status !== 200) { failed(answer); return; }
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
      if (answer.status === 200) { ticketStatus("Otit pyynnön hoitaaksesi.", "ok"); } else { failed(answer); }
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
        ticketStatus("Viesti lähetetty. Asukas saa ilmoituksen uudesta viestistä.", "ok");
        loadThread();
        refreshTickets();
      } else { failed(answer); }
    });
  });
  $("mark-answered").addEventListener("click", function () {
    if (lastSeenId === null) { ticketStatus("Asukkaalta ei ole viestejä merkittäväksi.", "error"); return; }
    call("POST", "/tickets/" + ticketId + "/answered", { last_seen_id: lastSeenId }).then(function (answer) {
      if (answer.status === 200) { ticketStatus("Merkitty vastatuksi (" + answer.data.marked + " viestiä).", "ok"); }
      else { failed(answer); }
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
      if (answer.status === 201 || answer.status === 200) { ticketStatus(answer.status === 201 ? given : already, "ok"); }
      else { failed(answer); }
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
        planKey = null; $("plan-text").value = ""; ticketStatus("Muistiinpano tallennettu.", "ok");
      }
      else { failed(answer); }
      loadPerson();
    });
  });
  $("ticket-refresh").addEventListener("click", loadTicket);
  $("ticket-close-view").addEventListener("click", function () {
    ticketId = null;
    $("ticket-view").hidden = true;
  });


  page.tickets = {
    reload: function () { loadTicket(); refreshTickets(); },
    start: function () { refreshTickets(); timer = setInterval(refreshTickets, 30000); },  // each listing is an access-log line per ticket
    stop: function () {
      clearInterval(timer); timer = null; ticketId = null;
      $("ticket-view").hidden = true;
    }
  };
}());
