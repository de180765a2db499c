// "Kirjaa yhteydenotto" (window.ConsolePage.contact): one record for every contact, filled during or right
// after a call, chat, message or visit. The form is built from GET /console/api/contact-options (codes with
// Finnish labels, the region's service areas), and sent to POST /console/api/contacts with one idempotency
// key per filled form (a double submit stores one record). A refusal (422) names its field: the Finnish
// message goes next to that field (aria-describedby, aria-invalid) and the focus to it. A live chat handed
// back is recorded here too (channel chat with its handoff_id), so nothing is recorded twice. The guidance
// path given is console-contact-path.js. Everything from the server is shown as text, never as HTML.
(function () {
  "use strict";
  var page = window.ConsolePage;
  var $ = page.$;
  var options = null;
  var key = null;          // this filled form's idempotency key
  var sending = false;
  var chat = null;         // {handoffId, done} while a live chat being handed back is recorded
  var GROUPS = { channel: "c-channel", contactor: "c-contactor", reasons: "c-reasons", onward: "c-onward" };
  var ERRORS = { channel: "c-channel-error", contactor: "c-contactor-error", reasons: "c-reasons-error",
                 note: "c-note-error", onward: "c-onward-error", service_area: "c-area-error",
                 urgency: "c-urgency-error", callback_phone: "c-phone-error", follow_up_consent: "c-consent-error",
                 reach_time: "c-reach-error", contact_at: "c-at-error", path_id: "c-path-error",
                 path_sent_via: "c-send-error", send_to: "c-send-to-error" };
  var SINGLE = { note: "c-note", service_area: "c-area", urgency: "c-urgency", callback_phone: "c-phone",
                 follow_up_consent: "c-consent", reach_time: "c-reach", contact_at: "c-at" };

  function label(list, code) {
    for (var i = 0; i < (list || []).length; i += 1) { if (list[i].code === code) { return list[i].label; } }
    return code;
  }
  function two(n) { return page.two(n); }
  function localInput(date) {  // a Date as a datetime-local value in the browser's time zone
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + "T" +
      two(date.getHours()) + ":" + two(date.getMinutes());
  }
  function withZone(value) {  // "2026-12-07T09:30" (local) -> "2026-12-07T09:30:00+02:00"
    var match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || "");
    if (!match) { return value || null; }
    var date = new Date(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return value + ":00" + sign + two(Math.floor(offset / 60)) + ":" + two(offset % 60);
  }

  // -- building the form from the options ---------------------------------------------------------
  function choices(boxId, type, list) {
    var box = $(boxId);
    box.textContent = "";
    list.forEach(function (item) {
      var row = page.el("label", null, "check");
      var input = document.createElement("input");
      input.type = type; input.name = boxId; input.value = item.code; input.id = boxId + "-" + item.code;
      input.setAttribute("aria-describedby", boxId + "-error");
      row.appendChild(input);
      row.appendChild(document.createTextNode(" " + item.label));
      box.appendChild(row);
    });
  }
  function selectOptions(id, list, blank) {
    var select = $(id);
    select.textContent = "";
    if (blank) { select.appendChild(page.el("option", blank)).value = ""; }
    list.forEach(function (item) { select.appendChild(page.el("option", item.label)).value = item.code; });
  }
  function build(data) {
    options = data;
    choices("c-channel", "radio", data.channels);
    choices("c-contactor", "radio", data.contactors);
    choices("c-reasons", "checkbox", data.reasons);
    choices("c-onward", "radio", data.onward);
    selectOptions("c-area", data.service_areas, "Valitse palvelualue");
    selectOptions("c-urgency", data.urgencies);
    $("c-consent-text").textContent = data.follow_up_consent_text;
    $("c-note").maxLength = data.max_note;
    Array.prototype.forEach.call(document.querySelectorAll("input[name=c-onward]"), function (input) {
      input.addEventListener("change", showArea);
    });
    page.contactPath.init(data);
    timeHint();
    $("c-loading").hidden = true;
    $("contact-form").hidden = false;
    reset();
  }
  function timeHint() {  // "empty = now", next to the time field, read with it
    if ($("c-at-hint")) { return; }
    var hint = page.el("p", "Jätä tyhjäksi, jos yhteydenotto on nyt: aika on silloin tallennushetki.", "note");
    hint.id = "c-at-hint";
    $("c-at").parentNode.insertBefore(hint, $("c-at-error"));
    $("c-at").setAttribute("aria-describedby", "c-at-hint c-at-error");
  }
  function checked(name) {
    var input = document.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : null;
  }
  function showArea() {
    var within = checked("c-onward") === options.requires_service_area;
    $("c-area-box").hidden = !within;
    $("c-area").required = within;
  }
  function showFollowUp() {
    var on = $("c-follow-up").checked;
    $("c-follow-box").hidden = !on;
    $("c-phone").required = on;
  }

  // -- errors next to their fields ----------------------------------------------------------------
  function inputsOf(field) {
    if (GROUPS[field]) { return Array.prototype.slice.call(document.querySelectorAll("input[name=" + GROUPS[field] + "]")); }
    if (SINGLE[field]) { return [$(SINGLE[field])]; }
    if (field === "path_sent_via") { return Array.prototype.slice.call(document.querySelectorAll("input[name=c-send]")); }
    var node = page.contactPath.fieldNode(field);
    return node ? [node] : [];
  }
  function clearErrors() {
    Object.keys(ERRORS).forEach(function (field) {
      $(ERRORS[field]).textContent = "";
      inputsOf(field).forEach(function (input) { input.removeAttribute("aria-invalid"); });
    });
    $("c-path-query").removeAttribute("aria-invalid");
  }
  function showError(field, message, keepFocus) {
    var inputs = inputsOf(field);
    if (!ERRORS[field] || !inputs.length) { page.show($("c-result"), message, "error"); $("c-result").focus(); return; }
    $(ERRORS[field]).textContent = message;
    inputs.forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
    var first = inputs[0];
    if (first.closest("[hidden]")) { page.show($("c-result"), message, "error"); }
    if (!keepFocus) { first.focus(); }
  }
  // the choices the form cannot be saved without, all told at once before anything is sent (the server
  // checks them again, one field at a time, for the API's callers)
  var REQUIRED = [["channel", "Valitse kanava."], ["contactor", "Valitse, kuka otti yhteyttä."],
                  ["reasons", "Valitse vähintään yksi yhteydenoton syy."], ["onward", "Valitse jatko-ohjaus."],
                  ["service_area", "Valitse palvelualue, jolle asiakas ohjattiin."]];
  function missing(body) {
    return REQUIRED.filter(function (item) {
      var name = item[0];
      if (name === "reasons") { return !body.reasons.length; }
      if (name === "service_area") { return body.onward === options.requires_service_area && !body.service_area; }
      return !body[name];
    });
  }
  function showMissing(list) {
    list.forEach(function (item, i) { showError(item[0], item[1], i > 0); });
    if (list.length > 1) {
      page.show($("c-result"), "Lomakkeesta puuttuu " + list.length + " tietoa: ne on merkitty kenttien kohdalle.",
                "error");
    }
  }

  // -- sending ------------------------------------------------------------------------------------
  function fields() {
    var body = { idempotency_key: key, channel: chat ? "chat" : checked("c-channel"), contactor: checked("c-contactor"),
                 reasons: Array.prototype.map.call(document.querySelectorAll("input[name=c-reasons]:checked"),
                                                   function (input) { return input.value; }),
                 onward: checked("c-onward"), note: $("c-note").value, contact_at: withZone($("c-at").value) };
    if (body.onward === options.requires_service_area) { body.service_area = $("c-area").value || null; }
    if ($("c-follow-up").checked) {
      body.follow_up = true;
      body.urgency = $("c-urgency").value;
      body.callback_phone = $("c-phone").value;
      body.reach_time = $("c-reach").value;
      body.follow_up_consent = $("c-consent").checked;
    }
    if (chat) { body.handoff_id = chat.handoffId; }
    var path = page.contactPath.value();
    Object.keys(path).forEach(function (name) { body[name] = path[name]; });
    Object.keys(body).forEach(function (name) {
      // an empty address is sent as it is: the server refuses it (422 send_to) instead of recording "sent"
      if (name === "send_to" && body.path_sent_via) { return; }
      if (body[name] === null || body[name] === "") { delete body[name]; }
    });
    return body;
  }
  function summary(record) {
    var parts = [label(options.channels, record.channel), label(options.contactors, record.contactor),
                 (record.reasons || []).map(function (code) { return label(options.reasons, code); }).join(", "),
                 label(options.onward, record.onward) +
                   (record.service_area ? ": " + label(options.service_areas, record.service_area) : "")];
    var path = page.contactPath.summary(record);
    if (path) { parts.push(path); }
    var text = "Yhteydenotto tallennettu (" + page.dateText(record.contact_at) + "): " + parts.join(" · ") + ".";
    if (record.follow_up_ticket) {
      text += " Jatkoyhteydenotto on jonossa tunnuksella " + record.follow_up_ticket.reference + ", vastattava " +
        page.dateText(record.follow_up_ticket.answer_by) + " mennessä.";
    }
    return text;
  }
  function submit(event) {
    event.preventDefault();
    if (sending || !options) { return; }
    clearErrors();
    page.show($("c-result"), "");
    var body = fields(), gaps = missing(body);
    if (gaps.length) { showMissing(gaps); return; }
    sending = true;
    $("c-submit").disabled = true;
    page.call("POST", "/contacts", body).then(function (answer) {
      sending = false;
      $("c-submit").disabled = false;
      if (answer.status === 201 || answer.status === 200) {
        var text = summary(answer.data);
        finishChat(true);
        reset();
        page.show($("c-result"), text, "ok");
        var first = document.querySelector("input[name=c-channel]:not(:disabled)");
        if (first) { first.focus(); }
      } else if (answer.status === 422 && answer.data && typeof answer.data.message === "string") {
        showError(answer.data.field, answer.data.message);
      } else if (answer.status === 409 && chat && answer.data && answer.data.error === "already_recorded") {
        finishChat(true);
        reset();
        page.show($("c-result"), "Tämä chat-keskustelu oli jo kirjattu. Keskustelu palautetaan chat-oppaalle.", "ok");
      } else if (answer.status === 409 && chat) {  // the chat is no longer this professional's: nothing to hand back
        chat = null;
        chatMode(false);  // what was filled in stays: it can be saved as an ordinary contact
        page.show($("c-result"), "Keskustelu ei ole enää sinulla (se palasi jonoon tai toinen ammattilainen otti " +
          "sen), joten sitä ei kirjattu chat-keskusteluna. Täyttämäsi tiedot ovat yhä lomakkeella: voit tallentaa " +
          "ne tavallisena yhteydenottona.", "error");
      } else {
        if (answer.status === 401) { page.signedOut(); }
        page.show($("c-result"), page.problem(answer, "contact"), "error");
      }
    });
  }
  function reset() {
    key = page.newKey();
    clearErrors();
    Array.prototype.forEach.call($("contact-form").querySelectorAll("input[type=radio], input[type=checkbox]"),
                                 function (input) { input.checked = false; });
    $("c-note").value = ""; $("c-phone").value = ""; $("c-reach").value = "";
    $("c-area").value = ""; $("c-urgency").selectedIndex = Math.max(0, optionIndex("c-urgency", "normal"));
    // empty by default: the server stamps the contact when it is saved (a time filled here at page load or
    // the last save would go stale while the page stays open)
    $("c-at").value = "";
    $("c-at").max = localInput(new Date(Date.now() + 5 * 60000));
    page.contactPath.reset();
    showArea(); showFollowUp();
    chatMode(!!chat);
  }
  function optionIndex(id, value) {
    var list = $(id).options;
    for (var i = 0; i < list.length; i += 1) { if (list[i].value === value) { return i; } }
    return -1;
  }

  // -- a live chat handed back: recorded here first ----------------------------------------------
  function chatMode(on) {
    $("c-chat-note").hidden = !on;
    $("c-cancel").hidden = !on;
    $("c-submit").textContent = on ? "Tallenna ja palauta chat-oppaalle" : "Tallenna yhteydenotto";
    Array.prototype.forEach.call(document.querySelectorAll("input[name=c-channel]"), function (input) {
      input.disabled = on && input.value !== "chat";
      if (on) { input.checked = input.value === "chat"; }
    });
  }
  function finishChat(recorded) {
    if (!chat) { return; }
    var done = chat.done;
    chat = null;
    chatMode(false);
    done(recorded);
  }

  page.contact = {
    options: function () { return options; },  // null until loaded
    choices: choices,                          // (box id, "radio"/"checkbox", [{code, label}]): the inputs named by the box id
    selectOptions: selectOptions,
    start: function () {
      if (options) { return; }
      page.call("GET", "/contact-options").then(function (answer) {
        if (answer.status === 200) { build(answer.data); } else {
          $("c-loading").textContent = page.problem(answer, "contact");
        }
      });
    },
    // record the live chat `handoffId` before it is handed back; `done(recorded)` hands it back (false:
    // the form could not be loaded, so the chat is handed back unrecorded)
    forChat: function (handoffId, done) {
      if (!options) { done(false); return; }
      chat = { handoffId: handoffId, done: done };
      page.show($("c-result"), "");
      chatMode(true);
      $("contact-title").focus();
    }
  };

  $("contact-form").addEventListener("submit", submit);
  $("c-follow-up").addEventListener("change", showFollowUp);
  $("c-at").addEventListener("focus", function () {  // the latest allowed time moves with the clock
    $("c-at").max = localInput(new Date(Date.now() + 5 * 60000));
  });
  $("c-cancel").addEventListener("click", function () { finishChat(false); reset(); });
}());
