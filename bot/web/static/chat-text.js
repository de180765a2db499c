// Resident web chat: text helpers shared by the page's scripts. Everything is built with DOM methods
// (createElement, textContent), never from HTML strings.
(function () {
  "use strict";
  // Bidirectional controls can make a text read differently from what it is ("txt.exe" shown as "exe.txt").
  var BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
  function clean(value) { return value == null ? "" : String(value).replace(BIDI, ""); }

  function pattern(source, flags) {  // null where the browser cannot read the pattern (\p{...} needs ES2018)
    try { return new RegExp(source, "u" + (flags === undefined ? "g" : flags)); } catch (e) { return null; }
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function clock(ms) {  // Finnish style: 9.05, 14.30
    var d = new Date(ms);
    return d.getHours() + "." + two(d.getMinutes());
  }
  function day(ms) {  // 7.12.2026
    var d = new Date(ms);
    return d.getDate() + "." + (d.getMonth() + 1) + "." + d.getFullYear();
  }
  function timeElement(ms) {
    var time = document.createElement("time");
    time.dateTime = new Date(ms).toISOString();
    time.textContent = clock(ms);
    return time;
  }

  // -- phone numbers in an answer's text ------------------------------------------------------------
  // Candidates: +358 numbers, national numbers starting with 0 (an area code in brackets too), the
  // 116 service numbers and 112. A candidate must stand on its own: no letter, digit or +/-,:. before
  // it, and no letter, digit, "€", "%" or a separator followed by a digit after it (dates, times,
  // prices, ID numbers). Postcodes (5 digits), years and times do not pass the length rules.
  // (No lookbehind in the pattern: Safari before 16.4 would refuse the whole script; what comes before is
  // checked in phoneNumbers.) Were the pattern refused anyway, answers are shown without number links.
  var CANDIDATE = pattern(
    "(?:\\+358[ -]?(?:\\(0\\)[ -]?)?\\d{1,3}(?:[ -]?\\d{2,4}){1,4}" +
    "|\\(0\\d{1,3}\\)[ -]?\\d{2,4}(?:[ -]?\\d{2,4}){0,3}" +
    "|0\\d{1,3}(?:[ -]?\\d{2,4}){1,4}" +
    "|116[ -]?\\d{3}" +
    "|112)" +
    "(?![\\p{L}\\p{N}_€%]|[.,:\\-\\u2013\\/]\\d|\\s?(?:€|%|euroa|snt))");
  var BEFORE_CHAR = pattern("[\\p{L}\\p{N}_+\\-\\/,:]$");
  var BEFORE_DECIMAL = /\d[.,]$/;  // 1.2.2026, 12,50
  var MOBILE = /^0(4|50)/;  // mobile numbers may be a digit longer than others
  var CLOCK_RANGE = /^[0-2]\d[0-5]\d-[0-2]\d[0-5]\d$/;  // 0800-1600 is office hours, not a number
  // A bare 112 or 116xxx is also a street number, a count or a part of an amount: "Mannerheimintie 112 A",
  // "yli 112 henkilöä". It is linked only when nothing around it says otherwise, and 112 (a tap calls the
  // emergency number) only when its sentence is about calling, or it stands alone.
  var SHORT = /^(?:112|116[ -]?\d{3})$/;
  var CALL_CUE = pattern("(?:^|[^\\p{L}])(?:soit|numero|puh\\.|p\\.|puhel|hätä|päivystysapu)", "i");
  var WORD_BEFORE = pattern("(\\p{L}+\\.?)\\s+$", "");
  var WORD_CHAR = pattern("[\\p{L}\\p{N}]", "");
  var COUNT_WORD = /^(?:yli|alle|noin|n\.|ca\.|n|lähes|peräti|jopa|vain|ainakin|vähintään|enintään|yhteensä|kaikkiaan|runsaat|runsas|kaikki|kaikkiaan)$/i;
  var STREET_WORD = pattern("(?:tie|katu|kuja|polku|tori|väylä|raitti|kaari|rinne|ranta|aukio|puisto|kaarre|mäki|" +
    "portti|bulevardi|esplanadi|gatan|vägen|gränd|torget|stigen)$", "i");
  var AFTER_ADDRESS = pattern("^\\s(?:[\\p{Lu}](?![\\p{L}])|as\\.|krs|huone|talo)", "");  // a staircase: 112 A 5
  var AFTER_COUNT = pattern("^\\s(?:henkilöä|henkeä|kertaa|päivää|vuotta|viikkoa|kuukautta|asukasta|potilasta|" +
    "kpl|kappaletta|metriä|kiloa|kilometriä|neliötä|neliömetriä|tuntia|minuuttia|lasta|aikuista|sivua|" +
    "prosenttia|%)(?![\\p{L}])", "i");

  function sentenceAround(text, start, end) {  // the sentence (or line) the number is in
    var from = Math.max(text.lastIndexOf("\n", start - 1), text.slice(0, start).search(/[.!?]\s+[^.!?]*$/));
    var rest = text.slice(end).search(/[.!?](?:\s|$)|\n/);
    return text.slice(from < 0 ? 0 : from + 1, rest < 0 ? text.length : end + rest);
  }
  function shortNumberFits(text, start, end) {  // a bare 112 / 116xxx: a number to call here?
    var before = WORD_BEFORE.exec(text.slice(Math.max(0, start - 40), start));
    var word = before ? before[1] : "";
    if (COUNT_WORD.test(word) || STREET_WORD.test(word.replace(/\.$/, ""))) { return false; }
    var after = text.slice(end, end + 20);
    if (AFTER_ADDRESS.test(after) || AFTER_COUNT.test(after)) { return false; }
    if (text.slice(start, end).replace(/\D/g, "") !== "112") { return true; }
    var sentence = sentenceAround(text, start, end);
    return CALL_CUE.test(word) || CALL_CUE.test(sentence) || !WORD_CHAR.test(sentence.replace(text.slice(start, end), ""));
  }

  function telOf(candidate) {  // the tel: address of a written number, or null
    if (CLOCK_RANGE.test(candidate)) { return null; }
    var digits = candidate.replace(/[^0-9]/g, "");
    if (candidate.charAt(0) === "+") {
      var national = digits.slice(3).replace(/^0/, "");
      return national.length >= 5 && national.length <= (MOBILE.test("0" + national) ? 10 : 9)
        ? "tel:+358" + national : null;
    }
    if (digits === "112" || /^116\d{3}$/.test(digits)) { return "tel:" + digits; }
    if (digits.charAt(0) !== "0" || digits.charAt(1) === "0") { return null; }  // 00100 is a postcode
    return digits.length >= 7 && digits.length <= (MOBILE.test(digits) ? 11 : 10) ? "tel:" + digits : null;
  }
  // The candidate, or the candidate without a last group of one or two digits ("09 123 4567 24 h"); a
  // longer group left over means a longer number (an account number): nothing of it is linked.
  function longestNumber(candidate) {
    var href = telOf(candidate);
    if (href) { return { text: candidate, href: href }; }
    var cut = /[ -]\d{1,2}$/.exec(candidate);
    if (!cut) { return null; }
    var text = candidate.slice(0, cut.index);
    href = telOf(text);
    return href ? { text: text, href: href } : null;
  }
  function phoneNumbers(text) {  // [{start, end, text, href}] in order
    var found = [];
    var match;
    if (!CANDIDATE || !BEFORE_CHAR || !CALL_CUE || !WORD_BEFORE || !WORD_CHAR || !STREET_WORD || !AFTER_ADDRESS || !AFTER_COUNT) {
      return found;
    }
    CANDIDATE.lastIndex = 0;
    while ((match = CANDIDATE.exec(text)) !== null) {
      var before = text.slice(Math.max(0, match.index - 2), match.index);
      BEFORE_CHAR.lastIndex = 0;
      if (BEFORE_CHAR.test(before) || BEFORE_DECIMAL.test(before)) {  // part of a word, a date or a longer number
        CANDIDATE.lastIndex = match.index + 1;
        continue;
      }
      var number = longestNumber(match[0]);
      var end = number ? match.index + number.text.length : 0;
      if (number && SHORT.test(number.text) && !shortNumberFits(text, match.index, end)) { number = null; }
      if (number) {
        found.push({ start: match.index, end: end, text: number.text, href: number.href });
        CANDIDATE.lastIndex = end;
      } else {
        CANDIDATE.lastIndex = match.index + match[0].length;
      }
    }
    return found;
  }
  function appendLinked(parent, text) {  // text, with each phone number a tel: link
    var at = 0;
    phoneNumbers(text).forEach(function (number) {
      if (number.start > at) { parent.appendChild(document.createTextNode(text.slice(at, number.start))); }
      var link = document.createElement("a");
      link.className = "tel";
      link.href = number.href;
      link.textContent = number.text;
      parent.appendChild(link);
      at = number.end;
    });
    if (at < text.length) { parent.appendChild(document.createTextNode(text.slice(at))); }
  }

  // An answer's text: lines starting "- " are a list, other lines paragraphs; an empty line ends a list.
  function blocks(text, linkNumbers) {
    var out = [];
    var list = null;
    clean(text).split("\n").forEach(function (line) {
      var trimmed = line.trim();
      if (!trimmed) { list = null; return; }
      var element;
      if (trimmed.indexOf("- ") === 0) {
        if (!list) { list = document.createElement("ul"); out.push(list); }
        element = document.createElement("li");
        list.appendChild(element);
        trimmed = trimmed.slice(2).trim();
      } else {
        list = null;
        element = document.createElement("p");
        out.push(element);
      }
      if (linkNumbers) { appendLinked(element, trimmed); } else { element.textContent = trimmed; }
    });
    return out;
  }

  window.ChatText = { clean: clean, clock: clock, day: day, timeElement: timeElement, phoneNumbers: phoneNumbers,
                      appendLinked: appendLinked, blocks: blocks };
}());
