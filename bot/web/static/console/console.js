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
    timers.push(setInterval(refreshQueue, 2000));
    timers.push(setInterval(poll, 1500));
    timers.push(setInterval(heartbeat, 5000));
  }
  function signedOut() {
    csrf = null; current = null;
    timers.forEach(clearInterval); timers = [];
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

  call("GET", "/session").then(function (answer) { if (answer.status === 200) { signedIn(answer.data); } });
}());
