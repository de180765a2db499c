// Runs first in the embedded chat (/upotus), before the chat's own scripts. A browser that blocks
// third-party cookies (a private window; some browsers by default) denies a frame on another site its
// storage too, and the chat's scripts, which keep the conversation in sessionStorage, would stop at
// their first line. There the chat gets a storage that lives as long as this page instead: the chat
// works, but a page change on the region's site begins a new conversation (docs/embedding.md).
(function () {
  "use strict";
  function pageStorage() {
    var items = {};
    var has = function (key) { return Object.prototype.hasOwnProperty.call(items, key); };
    return {
      getItem: function (key) { key = String(key); return has(key) ? items[key] : null; },
      setItem: function (key, value) { items[String(key)] = String(value); },
      removeItem: function (key) { delete items[String(key)]; },
      clear: function () { items = {}; },
      key: function (index) { var keys = Object.keys(items); return index < keys.length ? keys[index] : null; },
      get length() { return Object.keys(items).length; }
    };
  }
  var kept = true;
  ["sessionStorage", "localStorage"].forEach(function (name) {
    try { window[name].getItem("sote-chat-probe"); return; } catch (e) { /* denied: replaced below */ }
    if (name === "sessionStorage") { kept = false; }
    try { Object.defineProperty(window, name, { value: pageStorage(), configurable: true }); } catch (e) { /* as is */ }
  });
  document.documentElement.setAttribute("data-storage", kept ? "tab" : "page");  // read by embed-bridge.js
}());
