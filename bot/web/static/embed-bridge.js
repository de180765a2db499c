// Runs in the embedded chat (/upotus) inside the launcher's frame on a region's page (launcher.js).
// It tells the framing page only content-free things: "ready", "close" (Esc), and how many bot messages
// have come since the panel was last open. Nothing about what a message is (not even whether it is an
// emergency answer: that is health information) and no conversation text ever leaves this frame. It posts only to the framing page's origin the server announced in
// <meta name="sote-chat-host"> (present only when that origin is a configured embed origin), and
// believes only messages from the parent window of that origin.
(function () {
  "use strict";
  if (window.parent === window) { return; }  // not in a frame: nothing to tell anyone
  var meta = document.querySelector('meta[name="sote-chat-host"]');
  var host = meta ? meta.getAttribute("content") : "";
  if (!host) { return; }
  var ancestors = window.location.ancestorOrigins;  // where the browser gives it: who really frames us
  if (ancestors && ancestors.length && ancestors[0] !== host) { return; }
  var FROM_LAUNCHER = "sote-chat-launcher";
  var KEY_SEEN = "embed.seen";  // this origin's sessionStorage: the bot messages when the panel was last open
  var log = document.getElementById("chat-log");
  var input = document.getElementById("chat-input");
  var visible = false;

  function post(message) {
    message.source = "sote-chat";
    window.parent.postMessage(message, host);
  }
  function counts() {
    return { bots: log ? log.querySelectorAll(".turn .msg.bot:not(.user)").length : 0 };
  }
  function seen() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(KEY_SEEN) || "null");
      if (saved && typeof saved.bots === "number") { return { bots: saved.bots }; }
    } catch (e) { /* fall through */ }
    return null;
  }
  function remember(value) {
    try { window.sessionStorage.setItem(KEY_SEEN, JSON.stringify(value)); } catch (e) { /* storage off */ }
  }
  function report() {
    var now = counts();
    var before = seen() || now;  // the first load of this conversation: what is there has been seen
    if (visible || now.bots < before.bots) { before = now; }  // open, or a new conversation began
    remember(before);
    post({ type: "unread", count: now.bots - before.bots });  // a number only: never what the messages are
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== host) { return; }
    var message = event.data;
    if (!message || typeof message !== "object" || message.source !== FROM_LAUNCHER) { return; }
    if (message.type === "visible") {
      visible = message.open === true;
      report();
    } else if (message.type === "focus" && input) {
      input.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    // Esc closes the panel, unless it closes something of the chat's own first (an open dialog)
    if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) { return; }
    post({ type: "close" });
  });
  // Strong identification, Omat asiat and other pages cannot work in a frame (the pages refuse to be
  // framed; embed-anonymous.js keeps the frame anonymous): they open in a new tab instead. Logout and
  // erasure are never shown in the anonymous frame, but should one be sent it goes to a new tab too,
  // never navigating the frame to a page it cannot show.
  ["login-form", "logout-form", "erase-form"].forEach(function (id) {
    var form = document.getElementById(id);
    if (form) { form.target = "_blank"; form.setAttribute("rel", "noopener"); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || (link.getAttribute("href") || "").charAt(0) === "#") { return; }
    link.target = "_blank";
    link.rel = "noopener";
  }, true);
  if (log) { new MutationObserver(report).observe(log, { childList: true }); }
  if (!seen()) { remember(counts()); }
  // "page": this browser denies the frame its storage, so the conversation ends with the region's page
  post({ type: "ready", storage: document.documentElement.getAttribute("data-storage") === "page" ? "page" : "tab" });
}());
