"""Resident-facing texts of the actions (plain, warm Finnish) and their button payloads."""
from __future__ import annotations

import json

from guidance_library.models import GuidanceLibrary
from guidance_library.rendering import contact_line

PRIVACY_NOTICE = ("Keskustelu on nimetön. Älä kirjoita tänne henkilötunnustasi, osoitettasi tai muita "
                  "tunnistetietoja. En tee diagnooseja, vaan ohjaan oikean avun luo.")
EXAMPLE_REGION_NOTICE = ("Huom: tämä on esimerkkialue. Sen nimet, osoitteet ja alueelliset puhelinnumerot "
                         "eivät ole todellisia. Valtakunnalliset numerot, kuten 112 ja 116117, ovat oikeita.")
EMERGENCY_REMINDER = "Hätätilanteessa soita aina 112."
CLARIFY = "Haluan varmistaa, että ymmärsin oikein. Tarkoititko jotakin näistä? Voit myös kertoa asiasi toisin sanoin."
NO_MATCH = ("En valitettavasti löytänyt tähän sopivaa ohjetta. Autan sosiaali- ja terveyspalveluihin liittyvissä "
            "asioissa, esimerkiksi ajanvarauksessa, oireiden omahoidossa, mielenterveys- ja päihdeasioissa, "
            "perheiden, ikäihmisten ja vammaisten palveluissa sekä asiakasmaksuissa.\n\n"
            "Voit kertoa asiasi toisin sanoin, tai ottaa yhteyttä asiakasohjaukseen, niin ihminen auttaa.")
OUT_OF_SCOPE = ("Tähän en valitettavasti osaa vastata, koska autan vain sosiaali- ja terveyspalveluihin "
                "liittyvissä asioissa. Voin esimerkiksi kertoa, mistä saat ajan terveysasemalle, mitä voit "
                "tehdä itse flunssassa tai mistä saat apua jaksamiseen.")
FEEDBACK_QUESTION = "Oliko tästä apua?"
FEEDBACK_THANKS_HELPFUL = "Kiitos palautteesta! Hienoa, että ohjeesta oli apua."
FEEDBACK_THANKS_NOT_HELPFUL = ("Kiitos palautteesta, sen avulla parannamme ohjeita. Voit kertoa asiasi toisin "
                               "sanoin, tai ottaa yhteyttä asiakasohjaukseen.")
FEEDBACK_NOTHING_TO_RATE = "Selvä. Kerro omin sanoin, missä asiassa tarvitset apua."
FOLLOW_UP_PROMPT = "Voit jatkaa myös näistä:"
ASSESSMENT_FIRST = ("Voit tehdä itsearvion tässä chatissa heti: {name}. Se vie muutaman minuutin, ja saat "
                    "tuloksen ja ohjeen sen mukaan, mitä kannattaa tehdä. Alla on myös tietoa asiasta.")
PATH_MISSING = "Valitsemaasi ohjetta ei enää löydy. Kerro asiasi omin sanoin, niin etsin uudelleen."
STORE_FAILED = "Palautteen tallennus ei juuri nyt onnistunut, mutta kiitos silti!"

BUTTON_CONTACT = "Yhteystiedot: puhu ihmisen kanssa"
BUTTON_LEAVE_REQUEST = "Jätä yhteydenottopyyntö"
LEAVE_REQUEST_OFFER = ("Voit myös jättää täällä yhteydenottopyynnön, niin asiakasohjauksen ammattilainen "
                       "soittaa sinulle.")
BUTTON_HELPFUL = "Kyllä"
BUTTON_NOT_HELPFUL = "Ei"


def payload(intent: str, **entities: str) -> str:
    """A button payload that skips NLU: /intent{"entity": "value"}."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def greeting(library: GuidanceLibrary) -> str:
    """First message: who the bot is and the privacy notice."""
    region = library.profile.region
    text = (f"Hei! Olen {region.get('name')} sosiaali- ja terveyspalvelujen chat-opas. "
            "Kerro omin sanoin, missä asiassa tarvitset apua, niin neuvon mitä voit tehdä ja minne kääntyä.")
    parts = [text, PRIVACY_NOTICE, EMERGENCY_REMINDER]
    if library.profile.example:
        parts.append(EXAMPLE_REGION_NOTICE)
    return "\n\n".join(parts)


def capabilities(library: GuidanceLibrary) -> str:
    """What the bot can and cannot do."""
    return (f"Olen {library.profile.region.get('name')} chat-opas, en ihminen. Vastaan ympäri vuorokauden "
            f"{len(library.paths)} ohjeen avulla: ajanvaraus ja asiointi, oireiden omahoito ja milloin "
            "hakeutua hoitoon, mielenterveys- ja päihdeasiat, perheet, ikäihmiset, vammaispalvelut, "
            "sosiaalipalvelut ja maksut. En tee diagnooseja. Voit aina pyytää yhteystiedot ihmiselle.")


def contact_details(library: GuidanceLibrary) -> str:
    """How to reach a human now (client guidance), with hours and the urgent alternatives."""
    guidance = library.contact("client_guidance")
    lines = ["Ihmisen tavoitat näin:"]
    if guidance is not None:
        lines.append(f"- {contact_line(guidance)}")
        if guidance.url:
            lines.append(f"- Verkossa: {guidance.url}")
    chat_hours = library.profile.region.get("chat_hours")
    if chat_hours:
        lines.append(f"- Ammattilaisen chat: {chat_hours}")
    lines.append("- Kiireellisissä terveysasioissa silloin, kun asiakasohjaus on kiinni: Päivystysapu 116117.")
    lines.append("- Hätätilanteessa: 112.")
    return "\n".join(lines)


# --- self-assessments ---------------------------------------------------------------------------
ASSESSMENT_WHICH = "Voit tehdä täällä nämä itsearviot. Mikä niistä sopii sinulle?"
ASSESSMENT_UNAVAILABLE = "Kysely ei ole juuri nyt käytettävissä. Voit kysyä muuta tai ottaa yhteyttä asiakasohjaukseen."
ASSESSMENT_STOPPED = ("Selvä, lopetetaan kysely. Vastauksiasi ei tallennettu. Voit aloittaa sen uudelleen "
                      "milloin tahansa tai kysyä jotain muuta.")
ASSESSMENT_CONTINUE = "Jatketaan kyselyä siitä, mihin jäimme.\n\n"
ASSESSMENT_NOT_UNDERSTOOD = ("En ole varma, mitä vaihtoehtoa tarkoitit. Valitse napeista tai kirjoita omin sanoin, "
                             "esimerkiksi \"ei lainkaan\", \"pari kertaa\" tai \"melkein joka päivä\".")
ASSESSMENT_STILL_NOT = ("En vieläkään saanut vastauksesta selvää. Voit valita vaihtoehdon napeista, ohittaa "
                        "kysymyksen, lopettaa kyselyn tai pyytää ihmisen yhteystiedot.")
CRISIS_FALLBACK = ("Jos olet vaarassa satuttaa itseäsi, soita heti 112. MIELI ry:n Kriisipuhelin 09 2525 0111 "
                   "päivystää aina.")
ASSESSMENT_CRISIS_OFFER = ("Kerroit ajatuksista kuolemasta tai itsesi vahingoittamisesta. Niistä on tärkeää "
                           "puhua jonkun kanssa pian, kokonaispisteistä riippumatta. Haluatko, että ammattilainen "
                           "ottaa sinuun yhteyttä kiireellisesti?")
ASSESSMENT_PROGRAMMES = "Omaan tahtiin tehtäviä ohjelmia:"
ASSESSMENT_CONTACT_ANYWAY = "Jos haluat silti jutella ammattilaisen kanssa, voit pyytää yhteydenottoa."
ASSESSMENT_ASK_URGENCY = ("Kuinka pian tarvitset yhteydenoton? Valitse se, mikä kuvaa tilannettasi parhaiten. "
                          "Voit myös kieltäytyä.")
ASSESSMENT_URGENCY_NOT_UNDERSTOOD = "En ollut varma vastauksestasi."
ASSESSMENT_DONE = "Selvä. Voit kysyä minulta muuta tai palata kyselyyn myöhemmin."
BUTTON_SKIP = "Ohita kysymys"
BUTTON_STOP = "Lopeta kysely"
BUTTON_URGENT = "Tarvitsen apua pian"
BUTTON_NORMAL = "Pärjään aika hyvin, ei kiirettä"
BUTTON_NO_CONTACT = "En nyt halua yhteydenottoa"
BUTTON_LIVE = "Haluan jutella ammattilaisen kanssa nyt chatissa"
BUTTON_CONTACT_ANYWAY = "Pyydä silti yhteydenottoa"


def assessment_button(name: str) -> str:
    return f"Tee itsearvio: {name}"


def assessment_result(result) -> str:
    """The result in plain Finnish: the score, what it suggests and what it does not."""
    lines = [f"Tuloksesi: {result.total}/{result.max_score} pistettä."]
    if result.band:
        lines[0] += f" Se viittaa siihen, että sinulla on ollut {result.band}."
    if result.skipped:
        lines.append(f"Ohitit {len(result.skipped)} kysymystä, joten pisteitä voisi olla enemmänkin.")
    if result.threshold_note:
        lines.append(result.threshold_note)
    lines.append("Kysely ei ole diagnoosi eikä korvaa ammattilaisen arviota. Se kertoo, kuinka paljon oireita "
                 "tai riskiä vastaustesi perusteella on, ja auttaa valitsemaan sopivan avun.")
    return "\n\n".join(lines)


def no_contact_wanted(library: GuidanceLibrary) -> str:
    return ("Selvä, yhteydenottoa ei pyydetä, eikä tuloksiasi tallenneta. Jos olo muuttuu, voit aina tehdä "
            "kyselyn uudelleen tai ottaa yhteyttä itse.\n\n" + contact_details(library))


# The safety net (actions/emergency.py)
EMERGENCY_HEADING = "Hätätilanne: toimi heti"
SAFETY_HEADING = "Onko joku vaarassa?"
SAFETY_QUESTION = ("Haluan varmistaa yhden asian ennen muuta: oletko sinä tai joku muu nyt vaarassa?\n"
                   "Jos joku on hengenvaarassa tai ajattelet vahingoittaa itseäsi, soita heti 112.")
BUTTON_IN_DANGER = "Kyllä, soita 112"
BUTTON_SAFE = "Ei ole hätää"
SAFE_THANKS = "Hyvä, että kukaan ei ole vaarassa. Jos tilanne muuttuu, soita 112."
# Below the safety question, when the assistant is sure which path the message asked for (actions/guidance.py)
SAFE_MEANWHILE = "Jos kukaan ei ole vaarassa, tässä ohjeet kysymykseesi:"
# "Ei ole hätää" after that: the answer is already above
SAFE_ANSWERED_ABOVE = "Ohjeet kysymykseesi ovat yllä. Voit kysyä lisää tai pyytää yhteydenottoa."
SAFE_CONTINUE_TASK = "Jatketaan siitä, mihin jäimme."
SAFE_ASK_AGAIN = ("Kerro vielä omin sanoin, millaista apua tarvitset, niin etsin oikean paikan. "
                  "Voit myös puhua ihmisen kanssa.")
EMERGENCY_FALLBACK = "Hätätilanteessa soita heti 112."
# Before an answer to a follow-up that the risk classifier was unsure about (not asked, see emergency_policy)
SAFETY_NOTE = "Jos sinä tai joku muu on nyt vaarassa, soita heti 112."
# ... when the risk classifier's guess was suicidal thoughts ({phone}: the crisis line, region/national.yml)
SAFETY_NOTE_CRISIS = ("Jos sinä tai joku muu on nyt vaarassa, soita heti 112. Jos mielessäsi on ajatuksia "
                      "itsesi vahingoittamisesta, voit soittaa myös Kriisipuhelimeen {phone}.")
