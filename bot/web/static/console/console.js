// Professionals' console: signing in, the live queue and one held conversation (messages, guidance paths,
// a contact request, hand-back (recorded first in "Kirjaa yhteydenotto", console-contact.js), and the typing signal to the resident). The helpers are in
// console-base.js, the queue's sound and title badge in console-alerts.js, the contact requests answered
// by message in console-tickets.js. Everything from the server is shown as text (textContent), never as
// HTML; refusals and failures are shown in Finnish (staff-messages.js), never as the server's English.
(function () {
  "use strict";
  var page = window.ConsolePage;
  var $ = page.$, call = page.call, setStatus = page.setStatus;
  var TYPING_EVERY_MS = 3000;  // the typing signal goes at most this often
  var current = null;          // the handoff id this professional holds and is looking at
  var seen = 0;                // transcript entries already shown
  var timers = [];
  var typingSent = 0;          // when the last typing signal went (ms)

  function fail(answer, action) { setStatus(page.problem(answer, action), "error"); }

  function showEmergency(entry) {  // one line per emergency answer; role="alert" reads it out
    $("emergency-banner").appendChild(page.el("p", "Asiakas sai hätäohjeen: " +
      page.emergencyText(entry.category, entry.at)));
  }
  function minutes(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + " min " + page.two(s) + " s";
  }

  // -- signing in --------------------------------------------------------------------------------
  function signedIn(data) {
    page.csrf = data.csrf_token;
    $("who").textContent = "Kirjautuneena: " + data.account.display_name;
    $("sign-in").hidden = true;
    $("sign-out").hidden = false;
    $("work").hidden = false;
    page.alerts.start();
    refreshQueue();
    page.tickets.start();
    page.contact.start();
    timers.push(setInterval(refreshQueue, 2000));
    timers.push(setInterval(poll, 1500));
    timers.push(setInterval(heartbeat, 5000));
  }
  function signedOut() {
    page.csrf = null; current = null;
    timers.forEach(clearInterval); timers = [];
    page.tickets.stop();
    page.alerts.stop();
    $("conversation").hidden = true;
    $("sign-in").hidden = false; $("sign-out").hidden = true; $("work").hidden = true;
    $("who").textContent = "";
  }
  page.signedOut = function () {
    signedOut();
    setStatus(window.StaffMessages.text("401"), "error");
  };
  $("sign-in").addEventListener("submit", function (event) {
    event.preventDefault();
    call("POST", "/session", { username: $("username").value, password: $("password").value })
      .then(function (answer) {
        $("password").value = "";
        if (answer.status === 201) { setStatus(""); signedIn(answer.data); } else { fail(answer, "sign-in"); }
      });
  });
  $("sign-out").addEventListener("click", function () {
    call("DELETE", "/session").then(function (answer) {
      if (answer.status === 204 || answer.status === 401) { signedOut(); setStatus("Kirjauduit ulos.", "ok"); }
      else { fail(answer); }
    });
  });

  // -- the queue ---------------------------------------------------------------------------------
  function queueItem(h) {
    var item = document.createElement("li");
    item.className = "queue-item " + h.status;
    var label = (h.topic_title || "Aihe ei tiedossa") + " – " +
      (h.status === "waiting" ? "odottanut " + minutes(h.waiting_seconds)
                              : "hoitaa " + (h.mine ? "sinä" : (h.taken_by || "toinen ammattilainen"))) +
      (h.has_assessment ? " – itsearvio tehty" : "") + (h.identified ? " – tunnistautunut" : "");
    if (h.emergency) {  // in words, not only in colour
      item.className += " emergency";
      item.appendChild(page.el("strong", "HÄTÄOHJE ANNETTU: " + page.emergencyText(h.emergency.category,
        h.emergency.at) + " –", "queue-emergency"));
      item.appendChild(document.createTextNode(" "));
    }
    item.appendChild(page.el("span", label + " "));
    if (h.status === "waiting" && current === null) {
      var take = page.el("button", "Ota keskustelu", "take");
      take.type = "button";
      take.addEventListener("click", function () { takeOver(h.id); });
      item.appendChild(take);
    } else if (h.mine && current !== h.id) {
      var open = page.el("button", "Avaa", "secondary");
      open.type = "button";
      open.addEventListener("click", function () { show(h.id); });
      item.appendChild(open);
    }
    return item;
  }
  function refreshQueue() {
    call("GET", "/queue").then(function (answer) {
      if (answer.status === 401) { page.signedOut(); return; }
      if (!page.connection(answer) || answer.status !== 200) { return; }
      var list = $("queue");
      list.textContent = "";
      answer.data.handoffs.forEach(function (h) { list.appendChild(queueItem(h)); });
      $("queue-empty").hidden = answer.data.handoffs.length > 0;
      page.alerts.update(answer.data.handoffs);
    });
  }
  function takeOver(id) {
    call("POST", "/handoffs/" + id + "/take").then(function (answer) {
      if (answer.status === 200) { show(id); setStatus("Otit keskustelun.", "ok"); }
      else { fail(answer, "take"); }
      refreshQueue();
    });
  }

  // -- one conversation --------------------------------------------------------------------------
  function fact(name, value) {
    if (value === undefined || value === null || value === "") { return; }
    $("facts").appendChild(page.el("dt", name));
    $("facts").appendChild(page.el("dd", value));
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
    var box = page.el("div", null, "entry " + entry.who + (entry.emergency ? " emergency" : ""));
    var who = page.el("span", entry.who === "resident" ? "Asukas: "
      : entry.who === "professional" ? "Ammattilainen (" + (entry.name || "") + "): " : "Chat-opas: ", "who");
    var text = page.el("span", entry.text || "", "text");
    box.appendChild(who); box.appendChild(text);
    if (entry.emergency) {
      box.insertBefore(page.el("strong", "[hätäohje] ", "tag"), text);
      showEmergency(entry);
    }
    $("transcript").appendChild(box);
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }
  function show(id) {
    current = id; seen = 0; typingSent = 0;
    $("transcript").textContent = "";
    $("emergency-banner").textContent = "";
    $("conversation").hidden = false;
    page.show($("t-result"), "");
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
    setStatus(window.StaffMessages.text("409.handoff"), "error");
    current = null;
    $("conversation").hidden = true;
    refreshQueue();
  }
  // While the professional types a reply, the resident's page shows "Ammattilainen kirjoittaa…": the
  // signal goes at most every few seconds, and only for the conversation this professional holds.
  $("message").addEventListener("input", function () {
    var now = Date.now();
    if (current === null || !$("message").value.trim() || now - typingSent < TYPING_EVERY_MS) { return; }
    typingSent = now;
    var id = current;
    call("POST", "/handoffs/" + id + "/typing").then(function (answer) {
      if (id === current && answer.status === 409) { lost(); }
    });
  });
  $("message-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("message").value.trim();
    if (!text || current === null) { return; }
    call("POST", "/handoffs/" + current + "/messages", { text: text }).then(function (answer) {
      if (answer.status === 201) { $("message").value = ""; typingSent = 0; poll(); }
      else { fail(answer, "handoff"); }
    });
  });
  $("path-form").addEventListener("submit", function (event) {
    event.preventDefault();
    call("GET", "/paths?q=" + encodeURIComponent($("path-query").value.trim() || " ")).then(function (answer) {
      var list = $("paths");
      list.textContent = "";
      if (answer.status !== 200) { fail(answer); return; }
      if (!answer.data.paths.length) { list.appendChild(page.el("li", "Hakusanalla ei löytynyt ohjeita.")); }
      answer.data.paths.forEach(function (p) {
        var item = document.createElement("li");
        var button = page.el("button", "Lähetä: " + p.title, "send-path secondary");
        button.type = "button";
        button.addEventListener("click", function () {
          call("POST", "/handoffs/" + current + "/path", { path_id: p.id }).then(function (sent) {
            if (sent.status === 201) { setStatus("Ohje lähetetty: " + p.title, "ok"); } else { fail(sent, "handoff"); }
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
      if (answer.status === 201) {
        page.show($("t-result"), "Yhteydenottopyyntö tallennettu, tunnus " + answer.data.reference, "ok");
      } else { page.show($("t-result"), page.problem(answer, "handoff"), "error"); }
    });
  });
  // `recorded`: the chat's contact record was just saved, so a failed hand-back says that the record is
  // safe and that only the hand-back is to be tried again ("Palauta chat-oppaalle", which records nothing)
  function handBack(handoffId, recorded) {
    call("POST", "/handoffs/" + handoffId + "/hand-back").then(function (answer) {
      if (answer.status === 200) {
        setStatus(recorded ? "Yhteydenotto kirjattu ja keskustelu palautettu chat-oppaalle."
          : "Keskustelu palautettu chat-oppaalle.", "ok");
        if (current === handoffId) { current = null; $("conversation").hidden = true; }
      } else if (recorded && answer.status !== 409) {
        setStatus("Yhteydenotto on kirjattu, mutta keskustelun palautus ei onnistunut: " +
          page.problem(answer, "handoff") + " Yritä uudelleen painikkeella Palauta chat-oppaalle kirjaamatta (yhteydenottoa ei kirjata uudelleen).", "error");
      } else { fail(answer, "handoff"); }
      refreshQueue();
    });
  }
  // "Kirjaa ja palauta": the chat is recorded first ("Kirjaa yhteydenotto" with its fields, once per chat),
  // then handed back; "Palauta chat-oppaalle" hands it back without a record
  $("record-hand-back").addEventListener("click", function () {
    if (current === null) { return; }
    var handoffId = current;
    page.contact.forChat(handoffId, function (recorded) { handBack(handoffId, recorded); });
  });
  $("hand-back").addEventListener("click", function () {
    if (current !== null) { handBack(current); }
  });

  call("GET", "/session").then(function (answer) { if (answer.status === 200) { signedIn(answer.data); } });
}());
