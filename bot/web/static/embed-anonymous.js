// Runs first in the embedded chat (/upotus), before the chat's own scripts: the chat in the launcher's
// frame is always anonymous. Strong identification, logout, erasure and Omat asiat live on the chat's
// own page in a tab of its own (embed-bridge.js opens them there), because their pages refuse to be
// framed. A frame on another site gets no cookies of the chat's site anyway; but when the region's page
// is on the same site as the chat (www.alue.fi framing chat.alue.fi), the SameSite=Lax identification
// cookie would reach the frame's requests, the frame would turn identified and offer logout, erasure
// and a restart that logs out: each a navigation of the frame to a page it cannot show. So the frame's
// requests to /auth/ carry no cookies, in every setup alike (docs/embedding.md).
(function () {
  "use strict";
  var nativeFetch = window.fetch;
  if (typeof nativeFetch !== "function") { return; }
  function isAuth(resource) {
    try {
      var url = new URL(resource instanceof Request ? resource.url : String(resource), window.location.href);
      return url.origin === window.location.origin && url.pathname.indexOf("/auth/") === 0;
    } catch (e) { return false; }
  }
  window.fetch = function (resource, init) {
    if (!isAuth(resource)) { return nativeFetch.apply(window, arguments); }
    var options = {};
    Object.keys(init || {}).forEach(function (key) { options[key] = init[key]; });
    options.credentials = "omit";  // overrides whatever the caller asked for
    return nativeFetch.call(window, resource instanceof Request ? new Request(resource, options) : resource, options);
  };
}());
