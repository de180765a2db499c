// Resident web chat. Everything from the server is shown as text (textContent), never as HTML.
(function () {
  "use strict";
  var STORE = window.sessionStorage;  // survives a reload, forgotten when the tab closes
  var KEY_SESSION = "chat.session";
  var KEY_LOG = "chat.transcript";
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var status = document.getElementById("chat-status");
  var restart = document.getElementById("chat-restart");
  // strong identification (bot/web/identification.py): the token opens the identified conversation on the socket
  var identifyButton = document.getElementById("identify");
  var identityStatus = document.getElementById("identity-status");
  var loginForm = document.getElementById("login-form");
  var logoutForm = document.getElementById("logout-form");
  var eraseForm = document.getElementById("erase-form");
  var ownSpaceLink = document.getElementById("own-space-link");  // Omat asiat (bot/web/own_space.py), when identified
  var token = null;
  var CARRY_QUESTION = "Siirrytään vahvaan tunnistautumiseen. Saako tämän keskustelun tähänastiset viestit ottaa " +
    "mukaan tunnistautuneeseen keskusteluun? Jos otat ne mukaan, voimme jatkaa siitä, mihin jäimme. Jos et, " +
    "aloitamme puhtaalta pöydältä, eikä aiempia viestejä liitetä tunnistautuneeseen asiointiisi.";
  var FRESH_NOTICE = " Aiempia viestejä ei siirretty, joten tämä on uusi keskustelu.";
  var WORSE_SHOWN = "Tilanteeni on huonompi";  // the button offered after a link from Omat asiat
  var WORSE_QUESTION = "Tulit omahoito-ohjelmasta. Jos tilanteesi on huonompi, paina alla olevaa painiketta, " +
    "niin voit jättää yhteydenottopyynnön ammattilaiselle. Ohjelman edistyminen liitetään pyyntöön.";
  var LOGGED_OUT = "Olet kirjautunut ulos, ja tunnistautunut keskustelu päättyi. Tämä on uusi, nimetön keskustelu.";
  var ERASE_QUESTION = "Poistetaanko tämän keskustelun tiedot? Keskustelun viestit sekä ilmoitusosoitteesi " +
    "(sähköposti tai puhelinnumero) poistetaan, ja keskustelu päättyy. Poistoa ei voi perua. Jo jättämäsi " +
    "yhteydenottopyynnöt ja viestit, itsearvioiden tulokset ja omahoito-ohjelmat säilyvät asiakastietoina.";
  var ERASED = "Keskustelusi tiedot ja ilmoitusosoitteesi on poistettu, ja tunnistautunut keskustelu päättyi. " +
    "Jo jättämäsi yhteydenottopyynnöt ja viestit, itsearvioiden tulokset ja omahoito-ohjelmat säilyvät " +
    "hyvinvointialueen asiakastietoina: niistä voit kysyä alueen kirjaamosta. Tämä on uusi, nimetön keskustelu.";
  var alertRegion = document.getElementById("chat-alert");  // assertive: emergency answers as they arrive
  var turns = {};  // entry id -> its element in the log
  var socket = null;
  var sessionId = STORE.getItem(KEY_SESSION);
  // "Tilanteeni on huonompi" in Omat asiat links here (/?omahoito=huonompi&ohjelma=<id>): once the chat is
  // ready, the resident is shown a button to press (the link may come from any site: nothing is sent by
  // itself, so a half-filled contact form is not wiped); pressed, it starts a contact request with the
  // programme's progress.
  var PROGRAMME_ID = /^[a-z0-9][a-z0-9_.-]{0,119}$/;
  var worseProgramme = null;

  function transcript() {
    try { return JSON.parse(STORE.getItem(KEY_LOG) || "[]"); } catch (e) { return []; }
  }
  function remember(entry) {
    var all = transcript();
    all.push(entry);
    STORE.setItem(KEY_LOG, JSON.stringify(all.slice(-200)));
  }
  function safeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return (parsed.protocol === "https:" || parsed.protocol === "http:") ? parsed.href : null;
    } catch (e) { return null; }
  }
  function setStatus(text) { status.textContent = text; }
  function clearLog() { log.textContent = ""; turns = {}; alertRegion.textContent = ""; }

  // -- emergency and safety-check cards ---------------------------------------------------------
  // custom {"emergency": true | "safety_check": true, "heading": "...", "calls": [{"label", "number"}]}
  var DEFAULT_HEADING = "Hätätilanne";
  var DEFAULT_CALLS = [{ label: "Hätänumero", number: "112" }];
  var CALL_NUMBER = /^[0-9 +\-]+$/;
  var MERGE_WINDOW_MS = 2000;  // a turn's text, buttons and card may come as separate events
  function isCard(entry) { return !!(entry.emergency || entry.safetyCheck); }
  function clip(value, max) { return typeof value === "string" ? value.slice(0, max) : ""; }
  function cardOf(custom) {  // what a bot_uttered's custom data says about the card; null: no card
    if (!custom.emergency && !custom.safety_check) { return null; }
    var calls = Array.isArray(custom.calls) ? custom.calls.slice(0, 10).map(function (c) {
      return { label: clip(c && c.label, 120), number: clip(c && c.number, 40) };
    }) : null;
    return { emergency: !!custom.emergency, safetyCheck: !custom.emergency && !!custom.safety_check,
             category: clip(custom.category, 60), heading: clip(custom.heading, 200), calls: calls };
  }
  function telHref(number) {  // null unless the number is digits, spaces, + and - only
    if (typeof number !== "string" || !CALL_NUMBER.test(number)) { return null; }
    var digits = number.replace(/[^0-9]/g, "");
    if (digits.length < 3 || digits.length > 20) { return null; }
    return "tel:" + (number.trim().charAt(0) === "+" ? "+" : "") + digits;
  }
  function callsOf(entry) {
    var calls = entry.calls || DEFAULT_CALLS;
    var usable = calls.some(function (c) { return telHref(c.number); });
    return usable ? calls : calls.concat(DEFAULT_CALLS);  // a card always offers a number to call
  }
  function headingOf(entry) { return entry.heading || (entry.emergency ? DEFAULT_HEADING : "Oletko turvassa?"); }
  function renderText(box, entry) {
    var text = entry.text || "";
    if (!isCard(entry)) {
      var span = document.createElement("span");
      span.textContent = text;
      box.appendChild(span);
      return;
    }
    // the card's answer: paragraphs, and lines starting "- " as a list
    var body = document.createElement("div");
    body.className = "card-text";
    var list = null;
    text.split("\n").forEach(function (line) {
      var trimmed = line.trim();
      if (!trimmed) { list = null; return; }
      if (trimmed.indexOf("- ") === 0) {
        if (!list) { list = document.createElement("ul"); body.appendChild(list); }
        var item = document.createElement("li");
        item.textContent = trimmed.slice(2);
        list.appendChild(item);
      } else {
        list = null;
        var para = document.createElement("p");
        para.textContent = trimmed;
        body.appendChild(para);
      }
    });
    box.appendChild(body);
  }
  function renderHeading(box, entry) {  // a real heading: colour is not the only cue
    var heading = document.createElement("h2");
    heading.className = "card-heading";
    heading.textContent = headingOf(entry);
    box.appendChild(heading);
  }
  function renderCalls(box, entry) {  // an emergency answer's numbers first; the safety question's after it
    var list = document.createElement("ul");
    list.className = "calls";
    list.setAttribute("aria-label", "Soita");
    callsOf(entry).forEach(function (call) {
      var item = document.createElement("li");
      var href = telHref(call.number);
      var label = document.createElement("span");
      label.className = "call-label";
      label.textContent = call.label || "Soita";
      var number = document.createElement("span");
      number.className = "call-number";
      number.textContent = call.number;
      var holder;
      if (href) {
        holder = document.createElement("a");
        holder.className = "call";
        holder.href = href;
      } else {  // not a phone number: shown as text, never as a link
        holder = document.createElement("span");
        holder.className = "call-unlinked";
      }
      holder.appendChild(label);
      holder.appendChild(document.createTextNode(" "));
      holder.appendChild(number);
      item.appendChild(holder);
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  function announce(entry) {  // read out at once by screen readers; only for messages arriving live
    var parts = [headingOf(entry), entry.text || ""];
    callsOf(entry).forEach(function (c) { if (telHref(c.number)) { parts.push((c.label || "") + " " + c.number); } });
    alertRegion.textContent = "";
    window.setTimeout(function () { alertRegion.textContent = parts.filter(Boolean).join(". "); }, 50);
  }

  function render(entry, live) {
    var turn = document.createElement("div");
    turn.className = "turn";
    var box = document.createElement("div");
    box.className = "msg " + (entry.from === "user" ? "user" : entry.from === "professional" ? "bot professional" : "bot") +
      (entry.emergency ? " emergency" : "") + (entry.safetyCheck ? " safety-check" : "") + (entry.notice ? " notice" : "");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.from === "user" ? "Sinä: "
      : entry.from === "professional" ? "Ammattilainen (" + (entry.name || "") + "): " : "Chat-opas: ";
    box.appendChild(who);
    if (entry.safetyCheck) { renderHeading(box, entry); renderText(box, entry); renderCalls(box, entry); }
    else if (entry.emergency) { renderHeading(box, entry); renderCalls(box, entry); renderText(box, entry); }
    else { renderText(box, entry); }
    if (entry.links && entry.links.length) {
      var list = document.createElement("ul");
      list.className = "links";
      entry.links.forEach(function (link) {
        var href = safeUrl(link.url);
        if (!href) { return; }
        var item = document.createElement("li");
        var a = document.createElement("a");
        a.href = href;
        a.textContent = link.name || href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        item.appendChild(a);
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    turn.appendChild(box);
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Vastausvaihtoehdot");
      entry.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = b.title;
        button.disabled = !live || !!entry.answered;
        button.addEventListener("click", function () {
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) { x.disabled = true; });
          markAnswered(entry.id);
          if (b.local) { add({ from: "user", text: b.title }); localAction(b.local); return; }
          send(b.payload, b.title);
        });
        group.appendChild(button);
      });
      turn.appendChild(group);
    }
    var shown = entry.id ? turns[entry.id] : null;
    if (shown && shown.parentNode === log) { log.replaceChild(turn, shown); } else { log.appendChild(turn); }
    if (entry.id) { turns[entry.id] = turn; }
    log.scrollTop = log.scrollHeight;
  }
  function closeOlderButtons(keepId) {  // a stale click must not start a form or an assessment
    var all = transcript();
    all.forEach(function (e) {
      if (e.id !== keepId && e.buttons && e.buttons.length) { e.answered = true; }
    });
    STORE.setItem(KEY_LOG, JSON.stringify(all));
    Object.keys(turns).forEach(function (id) {
      if (id === keepId) { return; }
      Array.prototype.forEach.call(turns[id].querySelectorAll("button"), function (x) { x.disabled = true; });
    });
  }
  function markAnswered(id) {
    var all = transcript();
    all.forEach(function (e) { if (e.id === id) { e.answered = true; } });
    STORE.setItem(KEY_LOG, JSON.stringify(all));
  }
  function add(entry) {
    entry.id = Date.now() + "-" + Math.random().toString(16).slice(2);
    entry.at = Date.now();
    remember(entry);
    render(entry, true);
    if (isCard(entry)) { closeOlderButtons(entry.id); announce(entry); }
  }
  function mergeable(last, incoming) {  // the previous bot message of this turn, still missing what came now
    if (!last || last.from !== "bot" || last.notice || incoming.from !== "bot" || incoming.notice) { return false; }
    if (!(Date.now() - (last.at || 0) < MERGE_WINDOW_MS)) { return false; }
    if (incoming.buttons.length && last.buttons && last.buttons.length) { return false; }
    if (isCard(incoming) && isCard(last)) { return false; }
    if (incoming.text && last.text) { return false; }
    return !incoming.text || (isCard(last) && !last.text);  // a part without text, or text for a bare card
  }
  function addBotMessage(entry) {
    var all = transcript();
    var last = all[all.length - 1];
    if (!mergeable(last, entry)) { add(entry); return; }
    var wasCard = isCard(last);
    ["text", "emergency", "safetyCheck", "category", "heading", "calls"].forEach(function (key) {
      if (entry[key] && !last[key]) { last[key] = entry[key]; }
    });
    if (entry.buttons.length) { last.buttons = entry.buttons; last.answered = false; }
    if (entry.links.length) { last.links = (last.links || []).concat(entry.links); }
    STORE.setItem(KEY_LOG, JSON.stringify(all));
    render(last, true);
    if (isCard(last)) {
      if (!wasCard) { closeOlderButtons(last.id); }
      announce(last);
    }
  }
  function send(message, shown) {
    if (!socket || !socket.connected) { setStatus("Ei yhteyttä. Viestiä ei lähetetty, yritä hetken päästä uudelleen."); return; }
    if (shown) { add({ from: "user", text: shown }); }
    socket.emit("user_uttered", { message: message, session_id: sessionId });
  }

  function localAction(name) {  // the widget's own questions (never sent to the bot)
    if (name === "carry") { startLogin(true); }
    else if (name === "fresh") { startLogin(false); }
    else { add({ from: "bot", text: "Selvä, jatketaan nimettömänä." }); }
  }
  function startLogin(carry) {
    loginForm.elements.carry_over.value = carry ? "yes" : "no";
    loginForm.elements.conversation_id.value = carry && sessionId ? sessionId : "";
    loginForm.submit();
  }
  function askCarryOver() {
    add({ from: "bot", text: CARRY_QUESTION, buttons: [
      { title: "Kyllä, ota viestit mukaan", local: "carry" },
      { title: "Ei, aloitetaan alusta", local: "fresh" },
      { title: "Peruuta", local: "cancel" }] });
  }
  function showIdentity(auth, params) {
    identifyButton.hidden = !auth.available || !!auth.identified;
    identityStatus.hidden = logoutForm.hidden = eraseForm.hidden = ownSpaceLink.hidden = !auth.identified;
    if (!auth.identified) { token = null; return; }
    token = auth.token;
    var fresh = auth.conversation_id !== sessionId;
    if (fresh) { STORE.removeItem(KEY_LOG); clearLog(); }
    sessionId = auth.conversation_id;
    STORE.setItem(KEY_SESSION, sessionId);
    identityStatus.textContent = "Tunnistautunut: " + (auth.name || "");
    if (params.get("tunnistautuminen") === "ok") { add({ from: "bot", text: auth.notice + (fresh ? FRESH_NOTICE : "") }); }
  }

  function offerWorse(programme) {  // the button, named by the programme's title when the own space knows it
    var payload = "/programme_worse" + JSON.stringify({ programme: programme });
    fetch("/auth/own/summary", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; }).catch(function () { return {}; })
      .then(function (summary) {
        var mine = ((summary && summary.programmes) || []).filter(function (p) { return p.programme === programme; });
        var title = mine.length && mine[0].title ? String(mine[0].title) : "";
        add({ from: "bot", text: WORSE_QUESTION + (title ? " (" + title + ")" : ""),
              buttons: [{ title: WORSE_SHOWN, payload: payload }] });
      });
  }

  function connect(config) {
    var url = config.socket_url || (window.location.protocol + "//" + window.location.hostname + ":5005");
    socket = io(url, { path: config.socket_path || "/socket.io", transports: ["websocket"] });
    socket.on("connect", function () {
      setStatus("Yhteys on auki.");
      socket.emit("session_request", { session_id: sessionId, token: token });
    });
    socket.on("session_notice", function (data) {  // the identified conversation could not be opened
      showIdentity({ available: !identifyButton.hidden || !!token, identified: false });
      add({ from: "bot", text: String((data && data.text) || "") });
    });
    socket.on("session_confirm", function (id) {
      var isNew = id !== sessionId;
      var replaced = isNew && !!sessionId;  // the server gave another conversation than the one shown
      sessionId = id;
      STORE.setItem(KEY_SESSION, id);
      if (replaced) {
        STORE.removeItem(KEY_LOG);
        clearLog();
      }
      // A fresh start keeps what is already on screen (e.g. the logged-out notice added before connecting).
      if (isNew) { socket.emit("user_uttered", { message: "/greet", session_id: sessionId }); }
      if (worseProgramme) {  // once: a reconnect or a reload does not offer it again
        offerWorse(worseProgramme);
        worseProgramme = null;
      }
    });
    socket.on("bot_uttered", function (data) {
      var custom = data.custom || {};
      var handoff = custom.handoff || {};  // live handoff: a professional's message, or a queue notice
      var entry = { from: handoff.from === "professional" ? "professional" : "bot", name: String(handoff.name || ""),
                    notice: !!handoff.status, text: data.text || custom.text || "",
                    buttons: Array.isArray(data.buttons) ? data.buttons : [],
                    links: Array.isArray(custom.links) ? custom.links : [] };
      var card = cardOf(custom);
      if (card) {
        Object.keys(card).forEach(function (key) { if (card[key]) { entry[key] = card[key]; } });
      }
      if (!entry.text && !entry.buttons.length && !entry.links.length && !card) { return; }  // nothing to show
      addBotMessage(entry);
    });
    socket.on("disconnect", function () { setStatus("Yhteys katkesi. Yritetään uudelleen…"); });
    socket.on("connect_error", function () { setStatus("Chat-palveluun ei saada yhteyttä. Yritetään uudelleen…"); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    send(text, text);
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  identifyButton.addEventListener("click", askCarryOver);
  eraseForm.addEventListener("submit", function (event) {
    if (!window.confirm(ERASE_QUESTION)) { event.preventDefault(); }
  });
  restart.addEventListener("click", function () {
    if (token) { logoutForm.submit(); return; }  // a new conversation after an identified one: log out first
    STORE.removeItem(KEY_SESSION);
    STORE.removeItem(KEY_LOG);
    sessionId = null;
    clearLog();
    if (socket) { socket.emit("session_request", { session_id: null }); }
    input.focus();
  });

  var params = new URLSearchParams(window.location.search);
  var ended = params.get("uloskirjautuminen") === "ok" || params.get("poisto") === "ok";
  if (params.get("omahoito") === "huonompi" && PROGRAMME_ID.test(params.get("ohjelma") || "")) {
    worseProgramme = params.get("ohjelma");
  }
  if (params.has("tunnistautuminen") || params.has("uloskirjautuminen") || params.has("poisto") ||
      params.has("omahoito") || params.has("ohjelma")) {
    window.history.replaceState(null, "", "/");
  }
  if (ended) { STORE.removeItem(KEY_SESSION); STORE.removeItem(KEY_LOG); sessionId = null; }
  transcript().forEach(function (entry) { render(entry, true); });
  fetch("/auth/session").then(function (r) { return r.json(); }).catch(function () { return { available: false }; })
    .then(function (auth) {
      showIdentity(auth, params);
      if (params.get("uloskirjautuminen") === "ok") { add({ from: "bot", text: LOGGED_OUT }); }
      if (params.get("poisto") === "ok") { add({ from: "bot", text: ERASED }); }
      if (params.get("tunnistautuminen") === "uudelleen" && auth.available && !auth.identified) { askCarryOver(); }
      return fetch("/chat-config.json");
    })
    .then(function (r) { return r.json(); }).then(connect)
    .catch(function () { setStatus("Chatin asetuksia ei saatu ladattua. Päivitä sivu."); });
}());
