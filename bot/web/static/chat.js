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
  var token = null;
  var CARRY_QUESTION = "Siirrytään vahvaan tunnistautumiseen. Saako tämän keskustelun tähänastiset viestit ottaa " +
    "mukaan tunnistautuneeseen keskusteluun? Jos otat ne mukaan, voimme jatkaa siitä, mihin jäimme. Jos et, " +
    "aloitamme puhtaalta pöydältä, eikä aiempia viestejä liitetä tunnistautuneeseen asiointiisi.";
  var FRESH_NOTICE = " Aiempia viestejä ei siirretty, joten tämä on uusi keskustelu.";
  var LOGGED_OUT = "Olet kirjautunut ulos, ja tunnistautunut keskustelu päättyi. Tämä on uusi, nimetön keskustelu.";
  var ERASE_QUESTION = "Poistetaanko tämän keskustelun tiedot? Keskustelu päättyy, eikä sitä voi palauttaa. " +
    "Jo jättämäsi yhteydenottopyynnöt säilyvät asiakastietoina.";
  var ERASED = "Keskustelusi tiedot on poistettu, ja tunnistautunut keskustelu päättyi. Jo jättämäsi " +
    "yhteydenottopyynnöt säilyvät hyvinvointialueen asiakastietoina: niistä voit kysyä alueen kirjaamosta. " +
    "Tämä on uusi, nimetön keskustelu.";
  var socket = null;
  var sessionId = STORE.getItem(KEY_SESSION);

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

  function render(entry, live) {
    var box = document.createElement("div");
    box.className = "msg " + (entry.from === "user" ? "user" : entry.from === "professional" ? "bot professional" : "bot") +
      (entry.emergency ? " emergency" : "") + (entry.notice ? " notice" : "");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.from === "user" ? "Sinä: "
      : entry.from === "professional" ? "Ammattilainen (" + (entry.name || "") + "): " : "Chat-opas: ";
    box.appendChild(who);
    var text = document.createElement("span");
    text.textContent = entry.text || "";
    box.appendChild(text);
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
    log.appendChild(box);
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
      log.appendChild(group);
    }
    log.scrollTop = log.scrollHeight;
  }
  function markAnswered(id) {
    var all = transcript();
    all.forEach(function (e) { if (e.id === id) { e.answered = true; } });
    STORE.setItem(KEY_LOG, JSON.stringify(all));
  }
  function add(entry) {
    entry.id = Date.now() + "-" + Math.random().toString(16).slice(2);
    remember(entry);
    render(entry, true);
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
    identityStatus.hidden = logoutForm.hidden = eraseForm.hidden = !auth.identified;
    if (!auth.identified) { token = null; return; }
    token = auth.token;
    var fresh = auth.conversation_id !== sessionId;
    if (fresh) { STORE.removeItem(KEY_LOG); log.textContent = ""; }
    sessionId = auth.conversation_id;
    STORE.setItem(KEY_SESSION, sessionId);
    identityStatus.textContent = "Tunnistautunut: " + (auth.name || "");
    if (params.get("tunnistautuminen") === "ok") { add({ from: "bot", text: auth.notice + (fresh ? FRESH_NOTICE : "") }); }
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
        log.textContent = "";
      }
      // A fresh start keeps what is already on screen (e.g. the logged-out notice added before connecting).
      if (isNew) { socket.emit("user_uttered", { message: "/greet", session_id: sessionId }); }
    });
    socket.on("bot_uttered", function (data) {
      var custom = data.custom || {};
      var handoff = custom.handoff || {};  // live handoff: a professional's message, or a queue notice
      add({ from: handoff.from === "professional" ? "professional" : "bot", name: String(handoff.name || ""),
            notice: !!handoff.status, text: data.text || custom.text || "", buttons: data.buttons || [],
            links: custom.links || [], emergency: !!custom.emergency });
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
    log.textContent = "";
    if (socket) { socket.emit("session_request", { session_id: null }); }
    input.focus();
  });

  var params = new URLSearchParams(window.location.search);
  var ended = params.get("uloskirjautuminen") === "ok" || params.get("poisto") === "ok";
  if (params.has("tunnistautuminen") || params.has("uloskirjautuminen") || params.has("poisto")) {
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
