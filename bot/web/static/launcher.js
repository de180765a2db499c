// Chat-opas launcher for the region's own web pages (docs/embedding.md). One tag on any page:
//   <script src="https://<chat origin>/static/launcher.js" defer data-label="Chat-opas"></script>
// puts a chat button on the page; it opens a panel holding the chat (/upotus) in an iframe of the chat's
// own origin. The host page never sees the conversation: the frame tells it only that it is ready, whether
// to close and how many new messages there are (embed-bridge.js; never what they are, not even whether one
// is an emergency answer), and only messages from that frame are believed.
// Builds its DOM with createElement/textContent; its look is launcher.css (classes prefixed sote-chat-).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || document.querySelector(".sote-chat-root")) { return; }  // once per page
  var chatOrigin = new URL(script.src, window.location.href).origin;
  var data = script.dataset;
  var texts = {
    label: data.label || "Chat-opas",
    openLabel: data.openLabel || "Avaa chat-opas",
    closeLabel: data.closeLabel || "Sulje chat-opas",
    title: data.title || "Chat-opas: sosiaali- ja terveyspalvelujen neuvonta",
    close: data.closeText || "Sulje"
  };
  // the host page's sessionStorage: {open, started, kept}: whether the panel is open, a conversation has
  // begun, and the frame keeps it over a page change (false where the browser denies the frame storage)
  var STATE_KEY = "sote-chat-launcher:" + chatOrigin;
  var FROM_FRAME = "sote-chat";
  var TO_FRAME = "sote-chat-launcher";

  function readState() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STATE_KEY) || "{}");
      return { open: saved.open === true, started: saved.started === true, kept: saved.kept !== false };
    } catch (e) { return { open: false, started: false, kept: true }; }
  }
  function saveState() {
    try { window.sessionStorage.setItem(STATE_KEY, JSON.stringify(state)); } catch (e) { /* storage off */ }
  }
  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) { made.className = className; }
    if (text) { made.textContent = text; }
    return made;
  }
  function newMessagesText(count) { return count === 1 ? "1 uusi viesti" : count + " uutta viestiä"; }

  var state = readState();
  var frame = null;
  var frameReady = false;
  var focusWhenReady = false;
  var unreadShown = 0;  // the count last shown on the badge (and announced)
  var panelId = "sote-chat-panel-" + Math.random().toString(36).slice(2, 10);

  var root = element("div", "sote-chat-root " + (data.position === "left" ? "sote-chat-left" : "sote-chat-right"));
  root.lang = data.lang || "fi";  // the launcher's own texts' language, whatever the host page's is (WCAG 3.1.2)
  root.hidden = true;  // shown once its stylesheet has loaded (or failed: then unstyled but usable)
  var button = element("button", "sote-chat-button");
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", panelId);
  var icon = element("span", "sote-chat-icon");
  icon.setAttribute("aria-hidden", "true");
  var label = element("span", "sote-chat-label", texts.label);
  var badge = element("span", "sote-chat-badge");
  badge.setAttribute("aria-hidden", "true");
  badge.hidden = true;
  var unreadText = element("span", "sote-chat-visually-hidden");  // the badge's text alternative
  button.appendChild(icon);
  button.appendChild(label);
  button.appendChild(badge);
  button.appendChild(unreadText);
  button.title = texts.openLabel;

  var panel = element("div", "sote-chat-panel");
  panel.id = panelId;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", texts.label);
  panel.hidden = true;
  var bar = element("div", "sote-chat-bar");
  bar.appendChild(element("span", "sote-chat-title", texts.label));
  var closeButton = element("button", "sote-chat-close", texts.close);
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", texts.closeLabel);
  bar.appendChild(closeButton);
  var frameHolder = element("div", "sote-chat-frame");
  panel.appendChild(bar);
  panel.appendChild(frameHolder);  // the chat's own footer links its accessibility statement and privacy notice
  var status = element("div", "sote-chat-visually-hidden");  // announces new messages while closed
  status.setAttribute("role", "status");
  root.appendChild(panel);
  root.appendChild(button);
  root.appendChild(status);

  function ensureFrame() {
    if (frame) { return; }
    frame = element("iframe", "sote-chat-iframe");
    frame.title = texts.title;
    frame.src = chatOrigin + "/upotus?isanta=" + encodeURIComponent(window.location.origin);
    frame.setAttribute("allow", "clipboard-write");
    frame.referrerPolicy = "no-referrer";
    frameHolder.appendChild(frame);
  }
  function tellFrame(message) {
    if (!frame || !frameReady || !frame.contentWindow) { return; }
    message.source = TO_FRAME;
    frame.contentWindow.postMessage(message, chatOrigin);  // only ever to the chat's own origin
  }
  function showUnread(count) {
    unreadShown = count > 0 ? count : 0;
    badge.hidden = !(count > 0);
    badge.textContent = count > 0 ? String(Math.min(count, 99)) : "";
    unreadText.textContent = count > 0 ? ", " + newMessagesText(count) : "";
  }
  function open(moveFocus) {
    state.open = true;
    state.started = true;
    saveState();
    ensureFrame();
    panel.hidden = false;
    root.classList.add("sote-chat-is-open");
    button.setAttribute("aria-expanded", "true");
    button.title = texts.closeLabel;
    showUnread(0);
    if (moveFocus) { status.textContent = ""; }  // opened by the resident: the count said is read
    tellFrame({ type: "visible", open: true });
    if (moveFocus) {
      frame.focus();
      if (frameReady) { tellFrame({ type: "focus" }); } else { focusWhenReady = true; }
    }
  }
  function close(returnFocus) {
    state.open = false;
    saveState();
    panel.hidden = true;
    root.classList.remove("sote-chat-is-open");
    button.setAttribute("aria-expanded", "false");
    button.title = texts.openLabel;
    focusWhenReady = false;
    tellFrame({ type: "visible", open: false });
    if (returnFocus) { button.focus(); }
  }

  button.addEventListener("click", function () { if (state.open) { close(true); } else { open(true); } });
  closeButton.addEventListener("click", function () { close(true); });
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.open) { event.preventDefault(); close(true); }
  });
  window.addEventListener("message", function (event) {
    // only the chat frame itself, from the chat's origin: any other window or origin is ignored
    if (!frame || event.source !== frame.contentWindow || event.origin !== chatOrigin) { return; }
    var message = event.data;
    if (!message || typeof message !== "object" || message.source !== FROM_FRAME) { return; }
    if (message.type === "ready") {
      frameReady = true;
      state.kept = message.storage !== "page";
      saveState();
      if (!state.kept && !state.open) {
        // loaded hidden to go on with a conversation, but this frame cannot keep one (storage denied): it
        // holds a new conversation nobody asked for, whose greeting would show as unread. Take it away.
        frameHolder.removeChild(frame);
        frame = null;
        frameReady = false;
        showUnread(0);
        return;
      }
      tellFrame({ type: "visible", open: state.open });
      if (focusWhenReady && state.open) { focusWhenReady = false; tellFrame({ type: "focus" }); }
    } else if (message.type === "close") {
      if (state.open) { close(true); }
    } else if (message.type === "unread") {
      var count = typeof message.count === "number" && message.count > 0 ? Math.floor(message.count) : 0;
      if (state.open) { showUnread(0); return; }
      if (count !== unreadShown) {  // announced once per change, not per signal
        status.textContent = count > 0 ? "Chat-oppaassa on " + newMessagesText(count) + "." : "";
      }
      showUnread(count);
    }
  });

  var stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = chatOrigin + "/static/launcher.css";
  stylesheet.addEventListener("load", function () { root.hidden = false; });
  stylesheet.addEventListener("error", function () { root.hidden = false; });
  document.head.appendChild(stylesheet);

  function start() {
    document.body.appendChild(root);
    if (state.started && state.kept) { ensureFrame(); }  // the conversation goes on: count its new messages
    if (state.open) { open(false); }       // reopened after a page change, without taking the focus
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
}());
