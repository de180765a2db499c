// Closing a contact request in the console (window.ConsolePage.ticketClose): "Sulje pyyntö ja kirjaa
// yhteydenotto" asks the same fields as "Kirjaa yhteydenotto" (who contacted, reasons, a short note, the
// onward guidance with the service area), and POST /console/api/tickets/{id}/close writes the ticket's one
// contact record with the close (channel and time from the ticket), so nothing is recorded twice. A refused
// field's Finnish message goes next to it. Everything from the server is shown as text, never as HTML.
(function () {
  "use strict";
  var page = window.ConsolePage;
  var $ = page.$;
  var ticket = null;    // the ticket shown
  var built = false;
  var sending = false;
  var ERRORS = { contactor: "x-contactor-error", reasons: "x-reasons-error", note: "x-note-error",
                 onward: "x-onward-error", outcome: "x-onward-error", service_area: "x-area-error" };

  function checked(name) {
    var input = document.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : null;
  }
  function inputs(field) {
    var names = { contactor: "x-contactor", reasons: "x-reasons", onward: "x-onward", outcome: "x-onward" };
    if (names[field]) { return Array.prototype.slice.call(document.querySelectorAll("input[name=" + names[field] + "]")); }
    if (field === "note") { return [$("x-note")]; }
    if (field === "service_area") { return [$("x-area")]; }
    return [];
  }
  function clearErrors() {
    Object.keys(ERRORS).forEach(function (field) {
      $(ERRORS[field]).textContent = "";
      inputs(field).forEach(function (input) { input.removeAttribute("aria-invalid"); });
    });
  }
  function showError(field, message) {
    var found = inputs(field);
    if (!ERRORS[field] || !found.length) { page.show($("x-result"), message, "error"); $("x-result").focus(); return; }
    $(ERRORS[field]).textContent = message;
    found.forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
    found[0].focus();
  }
  function showArea() {
    var options = page.contact.options();
    $("x-area-box").hidden = !options || checked("x-onward") !== options.requires_service_area;
  }
  function build() {
    var options = page.contact.options();
    if (built || !options) { return built; }
    page.contact.choices("x-contactor", "radio", options.contactors);
    page.contact.choices("x-reasons", "checkbox", options.reasons);
    page.contact.choices("x-onward", "radio", options.onward);
    page.contact.selectOptions("x-area", options.service_areas, "Valitse palvelualue");
    Array.prototype.forEach.call(document.querySelectorAll("input[name=x-onward]"), function (input) {
      input.addEventListener("change", showArea);
    });
    built = true;
    return true;
  }
  function reset() {
    clearErrors();
    Array.prototype.forEach.call($("close-form").querySelectorAll("input"), function (input) { input.checked = false; });
    $("x-note").value = ""; $("x-area").value = "";
    page.show($("x-result"), "");
    showArea();
  }

  $("close-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending || !ticket) { return; }
    clearErrors();
    var options = page.contact.options();
    var onward = checked("x-onward");
    if (!onward) { showError("onward", "Valitse jatko-ohjaus."); return; }
    var body = { onward: onward, note: $("x-note").value };
    var contactor = checked("x-contactor");
    if (contactor) { body.contactor = contactor; }
    var reasons = Array.prototype.map.call(document.querySelectorAll("input[name=x-reasons]:checked"),
                                           function (input) { return input.value; });
    if (reasons.length) { body.reasons = reasons; }
    if (onward === options.requires_service_area && $("x-area").value) { body.service_area = $("x-area").value; }
    sending = true;
    $("x-submit").disabled = true;
    var id = ticket.id;
    page.call("POST", "/tickets/" + id + "/close", body).then(function (answer) {
      sending = false;
      $("x-submit").disabled = false;
      if (answer.status === 200) {
        reset();
        $("ticket-close").open = false;
        page.show($("ticket-result"), "Pyyntö suljettu ja yhteydenotto kirjattu.", "ok");
        page.tickets.reload();
      } else if (answer.status === 422 && answer.data && typeof answer.data.message === "string") {
        showError(answer.data.field, answer.data.message);
      } else {
        page.show($("x-result"), page.problem(answer, "ticket"), "error");
      }
    });
  });

  page.ticketClose = {
    // the ticket view shows a ticket: the close form is offered while this professional holds it
    show: function (t) {
      var fresh = !ticket || ticket.id !== t.id;
      ticket = t;
      var open = t.mine && t.status !== "closed" && build();
      $("ticket-close").hidden = !open;
      if (fresh) { reset(); $("ticket-close").open = false; }
    }
  };
}());
