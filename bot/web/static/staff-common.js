// Helpers shared by the staff pages (console and management view): the JSON request to a staff API and
// Finnish dates. Nothing here touches the page's DOM.
(function () {
  "use strict";
  function two(n) { return (n < 10 ? "0" : "") + n; }

  // A function making one request to the API under `prefix`: it resolves to {status, data}; a request
  // that got no answer at all (the network or the server is down) resolves to status 0, never to an
  // error. `csrf()` gives the CSRF token sent with every change (null: none yet).
  function caller(prefix, csrf) {
    return function (method, path, body) {
      var headers = { "Accept": "application/json" };
      if (body !== undefined) { headers["Content-Type"] = "application/json"; }
      var token = csrf();
      if (method !== "GET" && token) { headers["X-CSRF-Token"] = token; }
      return fetch(prefix + path, { method: method, headers: headers, credentials: "same-origin",
                                    body: body === undefined ? undefined : JSON.stringify(body) })
        .then(function (r) {
          if (r.status === 204) { return { status: 204, data: null }; }
          return r.json().then(function (data) { return { status: r.status, data: data }; },
                               function () { return { status: r.status, data: null }; });
        }, function () { return { status: 0, data: null }; });
    };
  }
  function dayText(isoDate) {  // "2026-12-07" -> "7.12.2026"
    var parts = String(isoDate || "").split("-");
    return parts.length === 3 ? Number(parts[2]) + "." + Number(parts[1]) + "." + parts[0] : String(isoDate || "");
  }
  function momentText(iso) {  // "7.12.2026 klo 10.05" in the browser's time zone
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) { return ""; }
    return date.getDate() + "." + (date.getMonth() + 1) + "." + date.getFullYear() + " klo " + date.getHours() + "." +
      two(date.getMinutes());
  }
  window.StaffCommon = { caller: caller, dayText: dayText, momentText: momentText, two: two };
}());
