// Resident web chat: one message of the transcript as a `.turn` of the log (its time, the message with
// the sender's name, an emergency or safety-check card, links, quick-reply buttons). Text from the
// server or the resident is shown with textContent only, bidirectional controls removed.
(function () {
  "use strict";
  var T = window.ChatText;
  var WHO = { user: "Sinä", bot: "Chat-opas", professional: "Ammattilainen" };
  var DEFAULT_HEADING = "Hätätilanne";
  var SAFETY_HEADING = "Oletko turvassa?";
  var DEFAULT_CALLS = [{ label: "Hätänumero", number: "112" }];
  var CALL_NUMBER = /^[0-9 +\-]+$/;

  function isCard(entry) { return !!(entry.emergency || entry.safetyCheck); }
  function telHref(number) {  // null unless the number is digits, spaces, + and - only
    if (typeof number !== "string" || !CALL_NUMBER.test(number)) { return null; }
    var digits = number.replace(/[^0-9]/g, "");
    if (digits.length < 3 || digits.length > 20) { return null; }
    return "tel:" + (number.trim().charAt(0) === "+" ? "+" : "") + digits;
  }
  function clip(value, max) { return typeof value === "string" ? value.slice(0, max) : ""; }
  // what a bot_uttered's custom data says about a card; null: no card
  // custom {"emergency": true | "safety_check": true, "heading": "...", "calls": [{"label", "number"}]}
  function cardOf(custom) {
    if (!custom.emergency && !custom.safety_check) { return null; }
    var calls = Array.isArray(custom.calls) ? custom.calls.slice(0, 10).map(function (c) {
      return { label: clip(c && c.label, 120), number: clip(c && c.number, 40) };
    }) : null;
    return { emergency: !!custom.emergency, safetyCheck: !custom.emergency && !!custom.safety_check,
             category: clip(custom.category, 60), heading: clip(custom.heading, 200), calls: calls };
  }
  function callsOf(entry) {
    var calls = entry.calls || DEFAULT_CALLS;
    var usable = calls.some(function (c) { return telHref(c.number); });
    return usable ? calls : calls.concat(DEFAULT_CALLS);  // a card always offers a number to call
  }
  function headingOf(entry) {
    return T.clean(entry.heading) || (entry.emergency ? DEFAULT_HEADING : SAFETY_HEADING);
  }
  function whoOf(entry) {
    if (entry.from === "user") { return WHO.user; }
    if (entry.from === "professional") {
      var name = T.clean(entry.name).trim();
      return name ? WHO.professional + " (" + name + ")" : WHO.professional;
    }
    return WHO.bot;
  }

  function callList(calls, label) {  // big call links; a number that is not one is shown as text
    var list = document.createElement("ul");
    list.className = "calls";
    list.setAttribute("aria-label", label);
    calls.forEach(function (call) {
      var item = document.createElement("li");
      var href = telHref(call.number);
      var name = document.createElement("span");
      name.className = "call-label";
      name.textContent = T.clean(call.label) || "Soita";
      var number = document.createElement("span");
      number.className = "call-number";
      number.textContent = T.clean(call.number);
      var holder = document.createElement(href ? "a" : "span");
      holder.className = href ? "call" : "call-unlinked";
      if (href) { holder.href = href; }
      holder.appendChild(name);
      holder.appendChild(document.createTextNode(" "));
      holder.appendChild(number);
      if (call.hours) {
        var hours = document.createElement("span");
        hours.className = "call-hours";
        hours.textContent = T.clean(call.hours);
        holder.appendChild(document.createTextNode(" "));
        holder.appendChild(hours);
      }
      item.appendChild(holder);
      list.appendChild(item);
    });
    return list;
  }

  function who(entry) {
    var span = document.createElement("span");
    span.className = "who";
    span.textContent = whoOf(entry) + ": ";
    return span;
  }
  function renderText(box, entry) {
    if (entry.from === "user") {  // as typed, line breaks kept
      box.appendChild(who(entry));
      var span = document.createElement("span");
      span.className = "user-text";
      span.textContent = T.clean(entry.text);
      box.appendChild(span);
      return;
    }
    var body = document.createElement("div");
    body.className = isCard(entry) ? "card-text" : "msg-text";
    // a card has its own big call links; other answers get their phone numbers as links
    T.blocks(entry.text || "", !isCard(entry)).forEach(function (block) { body.appendChild(block); });
    if (!isCard(entry)) {  // the sender's name starts the first paragraph, or stands before a list
      var first = body.firstChild;
      if (first && first.tagName === "P") { first.insertBefore(who(entry), first.firstChild); }
      else { box.appendChild(who(entry)); }
    }
    box.appendChild(body);
  }
  function renderHeading(box, entry) {  // a real heading: colour is not the only cue
    var heading = document.createElement("h2");
    heading.className = "card-heading";
    heading.textContent = headingOf(entry);
    box.appendChild(heading);
  }
  function safeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return (parsed.protocol === "https:" || parsed.protocol === "http:") ? parsed.href : null;
    } catch (e) { return null; }
  }
  function renderLinks(box, links) {
    var list = document.createElement("ul");
    list.className = "links";
    links.forEach(function (link) {
      var href = safeUrl(link && link.url);
      if (!href) { return; }
      var item = document.createElement("li");
      var a = document.createElement("a");
      a.href = href;
      a.textContent = T.clean(link.name) || href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      var note = document.createElement("span");
      note.className = "visually-hidden";
      note.textContent = " (avautuu uuteen välilehteen)";
      a.appendChild(note);
      item.appendChild(a);
      list.appendChild(item);
    });
    if (list.childNodes.length) { box.appendChild(list); }
  }
  function renderButtons(turn, entry, live, onChoice) {
    var group = document.createElement("div");
    group.className = "buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Vastausvaihtoehdot");
    entry.buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = T.clean(b.title);
      button.disabled = !live || !!entry.answered;
      button.addEventListener("click", function () { onChoice(entry, b, group); });
      group.appendChild(button);
    });
    turn.appendChild(group);
  }

  // entry: {id, at, from: user|bot|professional, name?, text, notice?, emergency?, safetyCheck?, heading?,
  //         calls?, links?, buttons?, answered?}
  function turnOf(entry, live, onChoice) {
    var turn = document.createElement("div");
    turn.className = "turn " + (entry.from === "user" ? "from-user" : "from-bot");
    if (entry.at) {
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.appendChild(T.timeElement(entry.at));
      turn.appendChild(meta);
    }
    var box = document.createElement("div");
    box.className = "msg " + (entry.from === "user" ? "user" : entry.from === "professional" ? "bot professional" : "bot") +
      (entry.emergency ? " emergency" : "") + (entry.safetyCheck ? " safety-check" : "") + (entry.notice ? " notice" : "");
    if (isCard(entry)) { box.appendChild(who(entry)); renderHeading(box, entry); }
    if (entry.safetyCheck) { renderText(box, entry); box.appendChild(callList(callsOf(entry), "Soita")); }
    else if (entry.emergency) { box.appendChild(callList(callsOf(entry), "Soita")); renderText(box, entry); }
    else { renderText(box, entry); }
    if (entry.links && entry.links.length) { renderLinks(box, entry.links); }
    turn.appendChild(box);
    if (entry.buttons && entry.buttons.length) { renderButtons(turn, entry, live, onChoice); }
    return turn;
  }

  function announcement(entry) {  // what an arriving card says at once to screen readers
    var parts = [headingOf(entry), T.clean(entry.text)];
    callsOf(entry).forEach(function (c) {
      if (telHref(c.number)) { parts.push(T.clean(c.label) + " " + T.clean(c.number)); }
    });
    return parts.filter(Boolean).join(". ");
  }

  // The transcript as plain text, for "Lataa keskustelu".
  function plainText(entries, title) {
    var lines = [title, ""];
    entries.forEach(function (entry) {
      var head = (entry.at ? "[" + T.day(entry.at) + " " + T.clock(entry.at) + "] " : "") + whoOf(entry) + ":";
      lines.push(head);
      if (isCard(entry)) { lines.push("  " + headingOf(entry)); }
      T.clean(entry.text).split("\n").forEach(function (line) { if (line.trim()) { lines.push("  " + line.trim()); } });
      if (isCard(entry)) {
        callsOf(entry).forEach(function (c) { lines.push("  Soita: " + T.clean(c.label) + " " + T.clean(c.number)); });
      }
      (entry.links || []).forEach(function (link) {
        var href = safeUrl(link && link.url);
        if (href) { lines.push("  Linkki: " + (T.clean(link.name) || href) + " " + href); }
      });
      (entry.buttons || []).forEach(function (b) { lines.push("  [" + T.clean(b.title) + "]"); });
      lines.push("");
    });
    return lines.join("\r\n");
  }

  window.ChatRender = { turnOf: turnOf, isCard: isCard, cardOf: cardOf, announcement: announcement, callList: callList,
                        telHref: telHref, plainText: plainText };
}());
