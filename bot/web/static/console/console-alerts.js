// Someone joins the live queue: a short tone (Web Audio, no file; only after the professional has used
// the page, and only while "Äänimerkki" is on: the choice is kept in localStorage), the waiting count in
// the window's title ("(2) Ammattilaisen konsoli …") and a polite announcement in the queue's live
// region; a resident who got an emergency answer gets a message (and a tone) of their own.
(function () {
  "use strict";
  var page = window.ConsolePage;
  var $ = page.$;
  var KEY = "console.sound";
  var BASE_TITLE = document.title;
  var known = null;       // the waiting conversations' ids at the last poll (null: no poll yet)
  var audio = null;       // one AudioContext, made after the first interaction
  var interacted = false;
  page.tonesPlayed = 0;   // how many tones were started (read by the tests)

  function soundOn() {
    try { return window.localStorage.getItem(KEY) !== "off"; } catch (e) { return true; }
  }
  function showToggle() {
    var on = soundOn();
    $("sound-toggle").textContent = on ? "Äänimerkki päällä" : "Äänimerkki pois";
    $("sound-toggle").setAttribute("aria-checked", on ? "true" : "false");
  }
  $("sound-toggle").addEventListener("click", function () {
    try { window.localStorage.setItem(KEY, soundOn() ? "off" : "on"); } catch (e) { /* kept for this view only */ }
    showToggle();
  });

  // Browsers let a page make sound only after the person has interacted with it.
  function unlock() {
    interacted = true;
    if (audio && audio.state === "suspended") { audio.resume(); }
  }
  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);

  function tone(emergency) {
    if (!soundOn() || !interacted) { return; }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      var notes = emergency ? [880, 660, 880, 660] : [660, 880];  // an emergency sounds longer and alternating
      notes.forEach(function (frequency, i) {
        var oscillator = audio.createOscillator(), gain = audio.createGain();
        var start = audio.currentTime + 0.05 + i * 0.2;
        oscillator.type = "sine";
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.17);
        oscillator.connect(gain);
        gain.connect(audio.destination);
        oscillator.start(start);
        oscillator.stop(start + 0.18);
      });
      page.tonesPlayed += 1;
    } catch (e) { /* no sound on this device: the title and the announcement still tell */ }
  }

  function announce(text, kind) {  // emptied first: the same words again are announced again
    var news = $("queue-news");
    news.textContent = "";
    window.setTimeout(function () { page.show(news, text, kind); }, 50);
  }

  function newcomersText(newcomers, waiting) {
    var urgent = newcomers.filter(function (h) { return h.emergency; });
    var now = " Jonossa odottaa nyt " + waiting + ".";
    if (urgent.length) {
      return "Jonoon tuli hätäohjeen saanut asukas (" + page.emergencyText(urgent[0].emergency.category,
        urgent[0].emergency.at) + "). Ota keskustelu mahdollisimman pian." + now;
    }
    if (newcomers.length === 1) {
      return "Jonoon tuli uusi asukas: " + (newcomers[0].topic_title || "aihe ei tiedossa") + "." + now;
    }
    return "Jonoon tuli " + newcomers.length + " uutta asukasta." + now;
  }

  // Called with every queue poll's handoffs.
  function update(handoffs) {
    var waiting = handoffs.filter(function (h) { return h.status === "waiting"; });
    document.title = waiting.length ? "(" + waiting.length + ") " + BASE_TITLE : BASE_TITLE;
    var ids = waiting.map(function (h) { return h.id; });
    if (known !== null) {
      var newcomers = waiting.filter(function (h) { return known.indexOf(h.id) < 0; });
      if (newcomers.length) {
        var emergency = newcomers.some(function (h) { return h.emergency; });
        announce(newcomersText(newcomers, waiting.length), emergency ? "error" : "ok");
        tone(emergency);
      }
    }
    known = ids;
  }
  function start() {
    known = null;
    $("sound-toggle").hidden = false;
    showToggle();
  }
  function stop() {
    known = null;
    document.title = BASE_TITLE;
    $("sound-toggle").hidden = true;
    page.show($("queue-news"), "");
  }

  page.alerts = { update: update, start: start, stop: stop };
}());
