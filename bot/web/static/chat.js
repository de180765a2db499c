// Resident web chat: the conversation, its socket and what is kept in sessionStorage. Everything from the
// server is shown as text (textContent, see chat-render.js), never as HTML. Loaded after chat-text.js,
// chat-render.js and chat-tools.js.
(function () {
  "use strict";
  var R = window.ChatRender;
  var Tools = window.ChatTools;
  var T = window.ChatText;
  var STORE = window.sessionStorage;  // survives a reload, forgotten when the tab closes
  var KEY_SESSION = "chat.session";
  var KEY_LOG = "chat.transcript";
  var KEY_DRAFT = "chat.draft";  // what is in the message box
  var KEY_PENDING = "chat.pending";  // "1": the box's message waits for the connection
  var KEY_HANDOFF = "chat.handoff";  // "1": a professional holds the conversation (the bot stays silent)
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var status = document.getElementById("chat-status");
  var pendingNote = document.getElementById("chat-pending");
  var restart = document.getElementById("chat-restart");
  // strong identification (bot/web/identification.py): the token opens the identified conversation on the socket
  var identifyButton = document.getElementById("identify");
  var identityStatus = document.getElementById("identity-status");
  var loginForm = document.getElementById("login-form");
  var logoutForm = document.getElementById("logout-form");
  var eraseForm = document.getElementById("erase-form");
  var ownSpaceLink = document.getElementById("own-space-link");  // Omat asiat (bot/web/own_space.py), when identified
  var token = null;
  var TEXT = {
    connecting: "Yhdistetään…",
    open: "Yhteys on auki.",
    lost: "Yhteys katkesi. Yritetään uudelleen…",
    unreachable: "Chat-palveluun ei saada yhteyttä. Yritetään uudelleen…",
    noConfig: "Chatin asetuksia ei saatu ladattua. Päivitä sivu.",
    notSent: "Viestiä ei voitu lähettää, koska yhteys on katki. Se on tallessa ja lähtee itsestään, kun yhteys palaa.",
    sentLater: "Yhteys palasi, ja viestisi lähetettiin.",
    mayBeLost: "Yhteys katkesi, eikä viestisi ehkä mennyt perille. Se on tallessa ja lähetetään uudelleen, kun " +
      "yhteys palaa.",
    resent: "Yhteys palasi, ja viestisi lähetettiin uudelleen.",
    lostAnew: "Viestisi ei ehkä mennyt perille. Se on kirjoituskentässä: lähetä se uudelleen, jos haluat.",
    choiceOffline: "Yhteys on katki, joten valintaasi ei voitu lähettää. Valitse uudelleen, kun yhteys palaa.",
    anonymous: "Selvä, jatketaan nimettömänä."
  };
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
  var typing = new Tools.Typing(document.getElementById("chat-typing"), document.getElementById("chat-late"));
  var offlineBox = new Tools.OfflineBox(document.getElementById("chat-offline"), STORE);
  var delivery = new window.ChatDelivery(STORE);  // sent messages not yet known to have arrived
  var turns = {};  // entry id -> its element in the log
  var scroller = new Tools.Scroller(log);  // keeps the start of the answer now arriving in view
  var socket = null;
  var ready = false;  // connected, and the session confirmed
  var sessionId = STORE.getItem(KEY_SESSION);
  // "Tilanteeni on huonompi" in Omat asiat links here (/?omahoito=huonompi&ohjelma=<id>): once the chat is
  // ready, the resident is shown a button to press (the link may come from any site: nothing is sent by
  // itself, so a half-filled contact form is not wiped); pressed, it starts a contact request with the
  // programme's progress.
  var PROGRAMME_ID = /^[a-z0-9][a-z0-9_.-]{0,119}$/;
  var worseProgramme = null;
  var MERGE_WINDOW_MS = 2000;
  var RETRY_MS = 1000;  // a turn's text, buttons and card may come as separate events

  function transcript() {
    try { return JSON.parse(STORE.getItem(KEY_LOG) || "[]"); } catch (e) { return []; }
  }
  function keep(all) { STORE.setItem(KEY_LOG, JSON.stringify(all.slice(-200))); }
  function setStatus(text) { status.textContent = text; }
  function clearLog() { log.textContent = ""; turns = {}; scroller.reset(); alertRegion.textContent = ""; }
  function online() { return !!(socket && socket.connected && ready); }

  // -- the log -----------------------------------------------------------------------------------
  function render(entry, live) {
    var turn = R.turnOf(entry, live, choose);
    var shown = entry.id ? turns[entry.id] : null;
    if (shown && shown.parentNode === log) {
      log.replaceChild(turn, shown);
      scroller.replaced(shown, turn);
    } else { log.appendChild(turn); }
    if (entry.id) { turns[entry.id] = turn; }
    return turn;
  }
  function disableButtons(element) {
    Array.prototype.forEach.call(element.querySelectorAll(".buttons button"), function (x) { x.disabled = true; });
  }
  function closeOlderButtons(keepId) {  // a stale click must not start a form or an assessment
    var all = transcript();
    all.forEach(function (e) {
      if (e.id !== keepId && e.buttons && e.buttons.length) { e.answered = true; }
    });
    keep(all);
    Object.keys(turns).forEach(function (id) { if (id !== keepId) { disableButtons(turns[id]); } });
  }
  function markAnswered(id) {
    var all = transcript();
    all.forEach(function (e) { if (e.id === id) { e.answered = true; } });
    keep(all);
  }
  function announce(entry) {  // read out at once by screen readers; only for messages arriving live
    alertRegion.textContent = "";
    window.setTimeout(function () { alertRegion.textContent = R.announcement(entry); }, 50);
  }
  function add(entry) {
    entry.id = Date.now() + "-" + Math.random().toString(16).slice(2);
    entry.at = Date.now();
    var all = transcript();
    all.push(entry);
    keep(all);
    scroller.keepInView(render(entry, true), entry);
    if (R.isCard(entry)) { closeOlderButtons(entry.id); announce(entry); }
  }
  function mergeable(last, incoming) {  // the previous bot message of this turn, still missing what came now
    if (!last || last.from !== "bot" || last.notice || incoming.from !== "bot" || incoming.notice) { return false; }
    if (!(Date.now() - (last.at || 0) < MERGE_WINDOW_MS)) { return false; }
    if (incoming.buttons.length && last.buttons && last.buttons.length) { return false; }
    if (R.isCard(incoming) && R.isCard(last)) { return false; }
    if (incoming.text && last.text) { return false; }
    return !incoming.text || (R.isCard(last) && !last.text);  // a part without text, or text for a bare card
  }
  function addBotMessage(entry) {
    var all = transcript();
    var last = all[all.length - 1];
    if (!mergeable(last, entry)) { add(entry); return; }
    var wasCard = R.isCard(last);
    ["text", "emergency", "safetyCheck", "category", "heading", "calls"].forEach(function (key) {
      if (entry[key] && !last[key]) { last[key] = entry[key]; }
    });
    if (entry.buttons.length) { last.buttons = entry.buttons; last.answered = false; }
    if (entry.links.length) { last.links = (last.links || []).concat(entry.links); }
    keep(all);
    scroller.keepInView(render(last, true), last);
    if (R.isCard(last)) {
      if (!wasCard) { closeOlderButtons(last.id); }
      announce(last);
    }
  }

  // -- sending -----------------------------------------------------------------------------------
  function send(message, shown, tries) {  // only when online(); tries: sent before (already in the log)
    if (shown && !tries) { add({ from: "user", text: shown }); }
    delivery.emit(socket, "user_uttered", { message: message, session_id: sessionId }, shown, tries);
    if (STORE.getItem(KEY_HANDOFF) !== "1") { typing.waitForBot(); }
  }
  function resendLost(replaced) {  // after the session is confirmed again: what may not have arrived, once
    var lost = delivery.takeLost();
    // sent again already, or written in another conversation than this one: back to the box, not sent unasked
    var kept = lost.filter(function (e) { return replaced || e.tries > 0; });
    var again = lost.filter(function (e) { return kept.indexOf(e) < 0; });
    again.forEach(function (e) { send(e.message, e.shown, (e.tries || 0) + 1); });
    if (again.length) { note(TEXT.resent, true); }
    var typed = kept.filter(function (e) { return e.message === e.shown; }).pop();
    if (!typed || input.value.trim()) { return again.length > 0; }
    input.value = typed.shown;
    STORE.setItem(KEY_DRAFT, input.value);
    note(TEXT.lostAnew);
    return true;
  }
  function choose(entry, b, group) {  // a quick reply; the focus goes back to the message box
    if (!b.local && !online()) { note(TEXT.choiceOffline); return; }
    Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) { x.disabled = true; });
    markAnswered(entry.id);
    if (b.local) { add({ from: "user", text: b.title }); localAction(b.local); }
    else { send(b.payload, b.title); }
    input.focus();
  }
  function note(text, good) {  // under the message box: a failed or a late-sent message, or a choice not sent
    pendingNote.textContent = text;
    pendingNote.classList.toggle("sent", !!good);
  }
  function sendLater() {  // offline: the message stays in the box and goes when the connection returns
    STORE.setItem(KEY_PENDING, "1");
    STORE.setItem(KEY_DRAFT, input.value);
    note(TEXT.notSent);
  }
  function sendPending(told) {  // after the session is confirmed again: once; told: a note was just written
    var text = input.value.trim();
    if (STORE.getItem(KEY_PENDING) !== "1") {  // a choice that could not go may be made again now
      if (!told && !pendingNote.classList.contains("sent")) { note(""); }
      return;
    }
    STORE.removeItem(KEY_PENDING);
    if (!text) { note(""); return; }
    input.value = "";
    STORE.removeItem(KEY_DRAFT);
    send(text, text);
    note(TEXT.sentLater, true);
  }

  function localAction(name) {  // the widget's own questions (never sent to the bot)
    if (name === "carry") { startLogin(true); }
    else if (name === "fresh") { startLogin(false); }
    else { add({ from: "bot", text: TEXT.anonymous }); }
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
  function forget() {  // the shown conversation ends: what the tab kept of it goes too
    STORE.removeItem(KEY_SESSION);
    STORE.removeItem(KEY_LOG);
    STORE.removeItem(KEY_HANDOFF);
    delivery.forget();
  }
  function dropUnsent() {  // the conversation was erased or logged out: nothing of it goes into the next one
    STORE.removeItem(KEY_DRAFT);
    STORE.removeItem(KEY_PENDING);
    delivery.forget();
    input.value = "";
  }
  function showIdentity(auth, params) {
    identifyButton.hidden = !auth.available || !!auth.identified;
    identityStatus.hidden = logoutForm.hidden = eraseForm.hidden = ownSpaceLink.hidden = !auth.identified;
    if (!auth.identified) { token = null; return; }
    token = auth.token;
    var fresh = auth.conversation_id !== sessionId;
    if (fresh) { forget(); clearLog(); }
    sessionId = auth.conversation_id;
    STORE.setItem(KEY_SESSION, sessionId);
    identityStatus.textContent = "Tunnistautunut: " + T.clean(auth.name);
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

  function offline(text) {
    ready = false;
    setStatus(text);
    typing.answered();  // an answer on its way is not coming on this connection
    offlineBox.show(true);
  }
  function connect(config) {
    offlineBox.configure(config.offline_calls);
    delivery.setAckMs(config.ack_ms);
    var url = config.socket_url || (window.location.protocol + "//" + window.location.hostname + ":5005");
    socket = io(url, { path: config.socket_path || "/socket.io", transports: ["websocket"] });
    socket.on("connect", function () {
      setStatus(TEXT.open);
      offlineBox.show(false);
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
      ready = true;
      STORE.setItem(KEY_SESSION, id);
      if (replaced) {
        STORE.removeItem(KEY_LOG);
        STORE.removeItem(KEY_HANDOFF);
        clearLog();
      }
      // A fresh start keeps what is already on screen (e.g. the logged-out notice added before connecting).
      if (isNew) { socket.emit("user_uttered", { message: "/greet", session_id: sessionId }); }
      if (worseProgramme) {  // once: a reconnect or a reload does not offer it again
        offerWorse(worseProgramme);
        worseProgramme = null;
      }
      sendPending(resendLost(replaced));
    });
    socket.on("bot_uttered", function (data) {
      delivery.confirm();  // the connection carries answers: what was sent arrived
      var custom = data.custom || {};
      var handoff = custom.handoff || {};  // live handoff: a professional's message, or a queue notice
      var entry = { from: handoff.from === "professional" ? "professional" : "bot", name: String(handoff.name || ""),
                    notice: !!handoff.status, text: String(data.text || custom.text || ""),
                    buttons: Array.isArray(data.buttons) ? data.buttons : [],
                    links: Array.isArray(custom.links) ? custom.links : [] };
      var card = R.cardOf(custom);
      if (card) {
        Object.keys(card).forEach(function (key) { if (card[key]) { entry[key] = card[key]; } });
      }
      if (entry.from === "professional" || handoff.status === "taken") { STORE.setItem(KEY_HANDOFF, "1"); }
      else if (handoff.status) { STORE.removeItem(KEY_HANDOFF); }
      if (entry.from === "professional") { typing.professionalWrote(); } else { typing.answered(); }
      if (!entry.text && !entry.buttons.length && !entry.links.length && !card) { return; }  // nothing to show
      addBotMessage(entry);
    });
    socket.on("typing", function (data) { delivery.confirm(); typing.professional(data); });
    socket.on("disconnect", function (reason) {
      offline(TEXT.lost);
      if (delivery.loseAll()) { note(TEXT.mayBeLost); }
      // the client retries by itself after a lost connection, but not after the server closed it
      if (reason === "io server disconnect") { window.setTimeout(function () { socket.connect(); }, RETRY_MS); }
    });
    socket.on("connect_error", function () { offline(TEXT.unreachable); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    if (!online()) { sendLater(); input.focus(); return; }  // never cleared while it cannot go
    send(text, text);
    input.value = "";
    STORE.removeItem(KEY_DRAFT);
    note("");
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", function () { STORE.setItem(KEY_DRAFT, input.value); });
  identifyButton.addEventListener("click", askCarryOver);
  eraseForm.addEventListener("submit", function (event) {
    if (!window.confirm(ERASE_QUESTION)) { event.preventDefault(); }
  });
  var menu = Tools.menu(document.getElementById("chat-menu"));
  restart.addEventListener("click", function () {
    menu.close();
    Tools.askRestart(document.getElementById("restart-dialog"), menu.opener, function () {
      if (token) { logoutForm.submit(); return; }  // a new conversation after an identified one: log out first
      forget();
      sessionId = null;
      clearLog();
      typing.answered();
      if (online()) { ready = false; socket.emit("session_request", { session_id: null }); }
      input.focus();
    });
  });
  document.getElementById("chat-print").addEventListener("click", function () { menu.close(); window.print(); });
  document.getElementById("chat-download").addEventListener("click", function () {
    menu.close();
    Tools.download(transcript());
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
  if (ended) { forget(); dropUnsent(); sessionId = null; }
  transcript().forEach(function (entry) { render(entry, true); });
  log.scrollTop = log.scrollHeight;
  input.value = STORE.getItem(KEY_DRAFT) || "";
  if (STORE.getItem(KEY_PENDING) === "1") { note(TEXT.notSent); }
  if (delivery.loseAll()) { note(TEXT.mayBeLost); }  // sent just before a reload, with no word back yet
  setStatus(TEXT.connecting);
  fetch("/auth/session").then(function (r) { return r.json(); }).catch(function () { return { available: false }; })
    .then(function (auth) {
      showIdentity(auth, params);
      if (params.get("uloskirjautuminen") === "ok") { add({ from: "bot", text: LOGGED_OUT }); }
      if (params.get("poisto") === "ok") { add({ from: "bot", text: ERASED }); }
      if (params.get("tunnistautuminen") === "uudelleen" && auth.available && !auth.identified) { askCarryOver(); }
      return fetch("/chat-config.json");
    })
    .then(function (r) {  // an error answer is not the settings: the built-in numbers stay, and the page says so
      if (!r.ok) { throw new Error("chat-config " + r.status); }
      return r.json();
    })
    .then(function (config) {
      if (!config || typeof config !== "object") { throw new Error("chat-config is not an object"); }
      connect(config);
    })
    .catch(function () { offline(TEXT.noConfig); });
}());
