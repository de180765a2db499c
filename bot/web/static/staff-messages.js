// The staff pages' error messages in one table (the console and the management view). The server's
// error answers ({"error": code, "message": English for operators, "field": name}) are turned into these
// texts by status, error code and the action tried; the server's own English is never shown. Another
// language is one more entry in TEXTS (chosen by <html lang>).
(function () {
  "use strict";
  var TEXTS = {
    fi: {
      network: "Yhteys palvelimeen katkesi, yritä uudelleen.",
      400: "Pyyntöä ei voitu lukea. Tarkista tiedot ja yritä uudelleen.",
      401: "Istunto on päättynyt. Kirjaudu uudelleen.",
      "401.invalid_credentials": "Kirjautuminen ei onnistunut. Tarkista käyttäjätunnus ja salasana.",
      403: "Sinulla ei ole oikeutta tähän.",
      "403.csrf": "Istunnon suojaustunniste ei kelpaa. Lataa sivu uudelleen ja kirjaudu tarvittaessa uudelleen.",
      "403.sign-in": "Tällä tunnuksella ei ole pääsyä tälle sivulle.",
      404: "Tietoja ei löydy. Ne on ehkä jo poistettu.",
      "404.take": "Keskustelu ei ole enää jonossa.",
      "404.handoff": "Keskustelu ei ole enää jonossa.",
      "404.ticket": "Tietoja ei löydy: pyyntöä ei ole, se on jätetty tunnistautumatta tai siihen vastataan puhelimella.",
      409: "Tiedot muuttuivat sillä välin. Päivitä näkymä ja yritä uudelleen.",
      "409.take": "Toinen ammattilainen otti keskustelun jo.",
      "409.take.gone": "Keskustelu ei ole enää jonossa.",
      "409.handoff": "Keskustelu ei ole enää sinulla (yhteys katkesi tai se palasi jonoon).",
      "409.ticket": "Ota pyyntö ensin hoitaaksesi.",
      "409.ticket.closed": "Pyyntö on suljettu.",
      "409.ticket.other": "Pyyntö on toisen ammattilaisen hoidossa.",
      "409.contact": "Tämä keskustelu tai pyyntö on jo kirjattu, tai sen on hoitanut toinen ammattilainen.",
      "409.already_recorded": "Tämä keskustelu tai pyyntö on jo kirjattu: sitä ei kirjata toiseen kertaan.",
      413: "Viesti on liian pitkä.",
      422: "Tarkista {field}: arvo puuttuu, on liian pitkä tai ei kelpaa.",
      "422.consent": "Merkitse ensin, että asukas antoi suostumuksen tietojen välittämiseen.",
      "422.period": "Tarkista ajanjakso: alku ei voi olla lopun jälkeen, ja jakso voi olla enintään 400 päivää.",
      429: "Liian monta yritystä peräkkäin. Odota hetki ja yritä uudelleen.",
      500: "Palvelimella tapahtui virhe. Yritä hetken päästä uudelleen.",
      503: "Palveluun ei juuri nyt saada yhteyttä. Yritä hetken päästä uudelleen.",
      unknown: "Toiminto ei onnistunut. Yritä uudelleen.",
      fields: {
        text: "viesti", body: "viesti", idempotency_key: "viesti", path_id: "ohje", reason: "aihe",
        contact_role: "kenen asia", urgency: "kiireellisyys", words: "asia", phone: "puhelinnumero",
        reach_time: "milloin tavoittaa", programme_id: "ohjelma", goal: "tavoite", module_id: "osa",
        enrolment_id: "ohjelma, jota muistiinpano koskee", username: "käyttäjätunnus", password: "salasana",
        after: "keskustelun kohta", unread: "suodatin", q: "haku", last_seen_id: "viestit",
        channel: "kanava", contactor: "kuka otti yhteyttä", reasons: "yhteydenoton syyt", onward: "jatko-ohjaus",
        outcome: "jatko-ohjaus", service_area: "palvelualue", note: "muistiinpano", contact_at: "yhteydenoton aika",
        path_sent_via: "lähetystapa", send_to: "osoite", callback_phone: "takaisinsoittonumero",
        follow_up_consent: "asiakkaan lupa", handoff_id: "chat-keskustelu"
      },
      anyField: "tiedot"
    }
  };
  var lang = (document.documentElement.lang || "fi").slice(0, 2);
  var texts = TEXTS[lang] || TEXTS.fi;

  function has(key) { return Object.prototype.hasOwnProperty.call(texts, key); }
  // What went wrong, as text for the person: `answer` is {status, data} (status 0: no answer at all);
  // `action` names what was tried ("take", "handoff", "ticket", "sign-in", "report") for the texts that
  // depend on it.
  function problem(answer, action) {
    var status = answer ? answer.status : 0;
    var data = (answer && answer.data) || {};
    var code = typeof data.error === "string" ? data.error : "";
    var hint = String(data.message || "").toLowerCase();
    if (!status) { return texts.network; }
    if (status === 401 && code === "invalid_credentials") { return texts["401.invalid_credentials"]; }
    if (status === 403 && code === "csrf") { return texts["403.csrf"]; }
    if (status === 403 && action === "sign-in") { return texts["403.sign-in"]; }
    if (status === 409 && code === "already_recorded") { return texts["409.already_recorded"]; }
    if (status === 409 && action === "take" && hint.indexOf("no longer") >= 0) { return texts["409.take.gone"]; }
    if (status === 409 && action === "ticket") {
      if (hint.indexOf("closed") >= 0) { return texts["409.ticket.closed"]; }
      if (hint.indexOf("another professional") >= 0) { return texts["409.ticket.other"]; }
    }
    if (status === 422 || status === 400) {
      if (data.field && has("422." + data.field)) { return texts["422." + data.field]; }
      if (status === 422 || data.field) {
        var field = Object.prototype.hasOwnProperty.call(texts.fields, data.field) ? texts.fields[data.field] : texts.anyField;
        return texts["422"].replace("{field}", field);
      }
    }
    if (action && has(status + "." + action)) { return texts[status + "." + action]; }
    if (has(String(status))) { return texts[String(status)]; }
    if (status >= 500) { return texts["500"]; }
    return texts.unknown;
  }
  function text(key) { return has(key) ? texts[key] : texts.unknown; }

  window.StaffMessages = { problem: problem, text: text };
}());
