// Resident web chat: what the page shows around the conversation: who is typing, a late answer, scrolling
// the log, the numbers to call while the chat is offline, the restart question, printing and downloading.
(function () {
  "use strict";
  var T = window.ChatText;
  var R = window.ChatRender;
  var TEXT = {
    botTyping: "Chat-opas kirjoittaa…",
    proTyping: "Ammattilainen kirjoittaa…",
    proTypingNamed: "Ammattilainen ({name}) kirjoittaa…",
    late: "Vastaus viipyy… Odota hetki, vastaus tulee tähän, kun se on valmis.",
    downloadTitle: "Sosiaali- ja terveyspalvelujen chat-opas: keskustelu",
    downloadFile: "chat-keskustelu-{date}.txt"
  };
  var BUILT_IN_CALLS = [{ label: "Hätänumero", number: "112" }, { label: "Päivystysapu", number: "116117" }];
  var KEY_CALLS = "chat.offlineCalls";
  var PRO_TYPING_MS = 6000;
  var LATE_MS = 8000;

  // -- who is typing: a polite status line under the log, never a turn of the log --------------------
  function Typing(element, late) {
    this.element = element;
    this.late = late;
    this.bot = false;
    this.pro = null;  // the professional's name ("" when not given) while they type
    this.proTimer = null;
    this.lateTimer = null;
  }
  Typing.prototype.show = function () {
    var text = "";
    if (this.pro !== null) {
      text = this.pro ? TEXT.proTypingNamed.replace("{name}", this.pro) : TEXT.proTyping;
    } else if (this.bot) {
      text = TEXT.botTyping;
    }
    if (this.element.textContent !== text) { this.element.textContent = text; }
  };
  Typing.prototype.waitForBot = function () {  // a message went to the bot: its answer is on its way
    var self = this;
    this.bot = true;
    this.show();
    window.clearTimeout(this.lateTimer);
    this.lateTimer = window.setTimeout(function () { self.late.textContent = TEXT.late; }, LATE_MS);
  };
  Typing.prototype.answered = function () {  // the bot's answer came (or will not come: offline, restart)
    this.bot = false;
    window.clearTimeout(this.lateTimer);
    this.late.textContent = "";
    this.show();
  };
  Typing.prototype.professional = function (data) {  // the socket's `typing` event
    var self = this;
    if (!data || data.by !== "professional") { return; }
    window.clearTimeout(this.proTimer);
    if (data.active === false) { this.pro = null; this.show(); return; }
    this.pro = T.clean(typeof data.name === "string" ? data.name : "").slice(0, 60).trim();
    this.show();
    this.proTimer = window.setTimeout(function () { self.pro = null; self.show(); }, PRO_TYPING_MS);
  };
  Typing.prototype.professionalWrote = function () {
    window.clearTimeout(this.proTimer);
    this.pro = null;
    this.show();
  };

  // -- scrolling the log: a long answer's start stays in view, not its end ------------------------------
  function scrolls(element) { return /(auto|scroll)/.test(window.getComputedStyle(element).overflowY); }
  function Scroller(log) {
    var self = this;
    this.log = log;
    this.answerStart = null;  // the first turn of the answer now arriving
    // the lines under the log (who is typing, a late answer) make it shorter: what was at its end stays there
    this.atEnd = true;
    this.scrolledAt = 0;  // the page's own scrolling; the resident's scrolling decides atEnd
    log.addEventListener("scroll", function () {
      if (Date.now() - self.scrolledAt > 150) { self.atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4; }
    });
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () {
        if (self.atEnd && scrolls(log)) { self.scrollTo(log.scrollHeight, true); }
      }).observe(log);
    }
  }
  Scroller.prototype.scrollTo = function (top, end) {
    this.scrolledAt = Date.now();
    this.atEnd = end;
    this.log.scrollTop = top;
  };
  Scroller.prototype.reset = function () { this.answerStart = null; };
  Scroller.prototype.replaced = function (old, turn) { if (this.answerStart === old) { this.answerStart = turn; } };
  Scroller.prototype.keepInView = function (turn, entry) {
    var log = this.log;
    if (entry.from === "user") { this.answerStart = null; }
    else if (!this.answerStart || !this.answerStart.isConnected) { this.answerStart = turn; }
    var start = this.answerStart || turn;
    if (scrolls(log)) {
      var height = turn.offsetTop + turn.offsetHeight - start.offsetTop;
      if (height > log.clientHeight) { this.scrollTo(start.offsetTop - 8, false); } else { this.scrollTo(log.scrollHeight, true); }
    } else {  // a short or narrow screen: the page scrolls, not the log
      var box = start.getBoundingClientRect();
      var fits = turn.getBoundingClientRect().bottom - box.top <= window.innerHeight;
      (fits ? turn : start).scrollIntoView({ block: fits ? "nearest" : "start" });
    }
  };

  // -- the numbers to call while the chat is offline ----------------------------------------------------
  function usableCalls(calls) {
    if (!Array.isArray(calls)) { return null; }
    var usable = calls.slice(0, 6).filter(function (c) { return c && R.telHref(String(c.number || "")); })
      .map(function (c) {
        var call = { label: String(c.label || "").slice(0, 120), number: String(c.number).slice(0, 40) };
        if (c.hours) { call.hours = String(c.hours).slice(0, 120); }
        return call;
      });
    return usable.length ? usable : null;
  }
  function OfflineBox(element, store) {
    this.element = element;
    this.store = store;
    this.list = element.querySelector(".calls-holder");
    var kept = null;
    try { kept = usableCalls(JSON.parse(store.getItem(KEY_CALLS) || "null")); } catch (e) { kept = null; }
    this.calls = kept || BUILT_IN_CALLS;
    this.draw();
  }
  OfflineBox.prototype.configure = function (calls) {  // the last good list from /chat-config.json is kept
    var usable = usableCalls(calls);
    if (!usable) { return; }
    this.calls = usable;
    this.store.setItem(KEY_CALLS, JSON.stringify(usable));
    this.draw();
  };
  OfflineBox.prototype.draw = function () {
    this.list.textContent = "";
    this.list.appendChild(R.callList(this.calls, "Soita"));
  };
  OfflineBox.prototype.show = function (offline) {
    this.element.hidden = !offline;
    document.body.classList.toggle("is-offline", offline);  // the hint under the box gives way to the numbers
  };

  // -- "Aloita uusi keskustelu": asked first in an in-page dialog -----------------------------------------
  function askRestart(dialog, opener, onConfirm) {
    if (typeof dialog.showModal !== "function") {  // a browser without <dialog> (before 2022): its own question
      if (window.confirm(dialog.querySelector("h2").textContent)) { onConfirm(); }
      return;
    }
    var confirm = dialog.querySelector("[data-action=confirm]");
    var cancel = dialog.querySelector("[data-action=cancel]");
    function close(confirmed) {
      confirm.removeEventListener("click", yes);
      cancel.removeEventListener("click", no);
      dialog.removeEventListener("cancel", escape);
      if (dialog.open) { dialog.close(); }
      if (confirmed) { onConfirm(); } else { opener.focus(); }
    }
    function yes() { close(true); }
    function no() { close(false); }
    function escape(event) { event.preventDefault(); close(false); }  // Esc cancels
    confirm.addEventListener("click", yes);
    cancel.addEventListener("click", no);
    dialog.addEventListener("cancel", escape);
    dialog.showModal();
    cancel.focus();  // the safe choice first
  }

  // -- the menu (restart, print, download): a <details>; Esc and a click elsewhere close it ---------------
  function menu(details) {
    var summary = details.querySelector("summary");
    function close(focus) {
      if (!details.open) { return; }
      details.open = false;
      if (focus) { summary.focus(); }
    }
    details.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && details.open) { event.preventDefault(); close(true); }
    });
    document.addEventListener("click", function (event) { if (!details.contains(event.target)) { close(false); } });
    details.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !details.contains(event.relatedTarget)) { close(false); }
    });
    return { opener: summary, close: function () { close(false); } };
  }

  // -- download: the transcript as a plain-text file -------------------------------------------------
  function download(entries) {
    var now = new Date();
    var date = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" +
      String(now.getDate()).padStart(2, "0");
    var title = TEXT.downloadTitle + " " + T.day(now.getTime());
    var blob = new Blob(["\ufeff" + R.plainText(entries, title)], { type: "text/plain;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = TEXT.downloadFile.replace("{date}", date);
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  window.ChatTools = { Typing: Typing, Scroller: Scroller, OfflineBox: OfflineBox, askRestart: askRestart, menu: menu, download: download };
}());
