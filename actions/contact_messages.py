"""What the resident reads in the contact-request form and the status check (Finnish)."""
from __future__ import annotations

import datetime as dt

from actions.messages import contact_details
from actions.store.office_hours import OfficeHours, finnish_time
from guidance_library.models import GuidanceLibrary

REASONS = (  # value, button
    ("health", "Terveys tai oireet"),
    ("social", "Sosiaalipalvelut tai arjen tuki"),
    ("booking", "Ajanvaraus tai sen muutos"),
    ("contact_details", "Yhteystiedot tai minne ottaa yhteyttä"),
    ("digital_help", "Apua digiasiointiin"),
    ("documents", "Asiakirjat, todistukset tai laskut"),
    ("on_behalf", "Toisen puolesta asiointi"),
)
ROLES = (
    ("resident", "Omasta asiastani"),
    ("relative", "Läheiseni asiasta"),
    ("professional", "Olen ammattilainen ja asia koskee asiakasta"),
    ("other", "Muu"),
)
REACH_TIMES = ("Milloin tahansa virka-aikana", "Aamupäivällä", "Iltapäivällä")
STATUS_TEXT = {
    "new": "Pyyntösi on vastaanotettu ja odottaa, että asiakasohjauksen ammattilainen ottaa sen käsittelyyn.",
    "claimed": "Asiakasohjauksen ammattilainen on ottanut pyyntösi käsittelyyn.",
    "in_progress": "Pyyntösi on käsittelyssä.",
    "closed": "Pyyntösi on käsitelty. Jos asiasi on vielä kesken, voit jättää uuden pyynnön tai soittaa.",
}

START = ("Autan sinua jättämään yhteydenottopyynnön. Alueen asiakasohjauksen ammattilainen ottaa sinuun yhteyttä. "
         "Kysyn muutaman asian, ja voit lopettaa milloin tahansa kirjoittamalla \"peruuta\".")
START_FROM_ASSESSMENT = ("Tehdään yhteydenottopyyntö. Kyselyn tulos liitetään pyyntöön vasta, kun olet lopuksi "
                         "hyväksynyt sen. Kysyn vielä muutaman asian.")
ASK_REASON = "Mitä asiasi koskee?"
ASK_ROLE = "Kenen asiasta on kyse?"
ASK_WORDS = ("Kerro lyhyesti omin sanoin, mistä haluat puhua, niin ammattilainen voi valmistautua. "
             "Henkilötunnusta ei tarvitse kirjoittaa.")
ASK_WORDS_AFTER_ASSESSMENT = ("Haluatko kertoa omin sanoin vielä jotain, mitä ammattilaisen olisi hyvä tietää? "
                              "Voit myös ohittaa tämän.")
WORDS_TOO_SHORT = "Kirjoita vielä muutama sana asiastasi, niin ammattilainen osaa valmistautua."
ASK_URGENCY = ("Kuinka kiireellinen asia on? Kiireellisiin pyyntöihin vastataan saman arkipäivän aikana, muihin "
               "viimeistään seuraavana arkipäivänä.")
ASK_PHONE = "Mihin puhelinnumeroon ammattilainen voi soittaa sinulle?"
PHONE_NOT_VALID = ("Tämä ei näytä suomalaiselta puhelinnumerolta, johon voisi soittaa takaisin. Kirjoita numero "
                   "esimerkiksi muodossa 040 123 4567 tai +358 40 123 4567.")
ASK_METHOD = "Miten haluat, että sinuun otetaan yhteyttä?"
ASK_REACH_TIME = "Milloin sinut tavoittaa parhaiten? Valitse tai kirjoita omin sanoin."
CANCELLED = "Selvä, yhteydenottopyyntöä ei tehty eikä mitään tallennettu."
CONTINUE = "Jatketaan yhteydenottopyyntöä.\n\n"
NOT_UNDERSTOOD = "En ole varma, mitä tarkoitit. Valitse vaihtoehto napeista tai kirjoita se omin sanoin."
ASK_CONSENT = "Saako nämä tiedot välittää asiakasohjaukseen yhteydenottoa varten? Niitä ei käytetä muuhun."
NO_CONSENT = "Selvä, mitään ei välitetty eikä tallennettu."
ALREADY_SENT = "Tämä pyyntö on jo vastaanotettu, eikä toista tarvita."

BUTTON_CANCEL = "Peruuta"
BUTTON_SKIP_WORDS = "Ohita"
BUTTON_URGENT = "Kiireellinen: tarvitsen apua tänään"
BUTTON_NORMAL = "Ei kiirettä"
BUTTON_PHONE = "Puhelimella"
BUTTON_SECURE = "Viestillä tunnistautuneena asiointipalvelussa"
BUTTON_CONSENT_YES = "Kyllä, lähetä pyyntö"
BUTTON_CONSENT_NO = "Ei, älä lähetä"
BUTTON_RETRY = "Yritä uudelleen"
BUTTON_LEAVE_REQUEST = "Jätä yhteydenottopyyntö"

STATUS_ASK_REFERENCE = ("Kerro yhteydenottopyyntösi viite. Se on muotoa ABCD-1234 ja näkyi vahvistuksessa, "
                        "kun jätit pyynnön.")
STATUS_ASK_DIGITS = ("Tarkistan vielä, että pyyntö on sinun: kirjoita sen puhelinnumeron neljä viimeistä numeroa, "
                     "jonka annoit pyynnössä.")
STATUS_NOT_FOUND = ("En löytänyt pyyntöä näillä tiedoilla. Tarkista viite ja numerot. Voit myös soittaa "
                    "asiakasohjaukseen.")
STATUS_GIVE_UP = "Tilannetta ei voi nyt tarkistaa täällä. Soita asiakasohjaukseen, niin asia selvitetään."


def summary(data: dict, reason_label: str, role_label: str, assessment_line: str | None) -> str:
    """What will be passed on, in the resident's view (plain text, never HTML)."""
    lines = ["Välitämme asiakasohjaukseen nämä tiedot:",
             f"- Asia: {reason_label}", f"- Kenen asia: {role_label}"]
    if data.get("words"):
        lines.append(f"- Omin sanoin: {data['words']}")
    lines.append(f"- Kiireellisyys: {'kiireellinen' if data.get('urgency') == 'urgent' else 'ei kiireellinen'}")
    if data.get("method") == "secure_message":
        lines.append("- Yhteydenotto: viestillä tunnistautuneena")
    else:
        lines.append(f"- Puhelinnumero: {data.get('phone_display', '')}")
    if data.get("reach_time"):
        lines.append(f"- Parhaiten tavoittaa: {data['reach_time']}")
    if assessment_line:
        lines.append(f"- Itsearvio: {assessment_line}")
    if data.get("topic_title"):
        lines.append(f"- Aihe, josta keskustelimme: {data['topic_title']}")
    if data.get("subject"):
        lines.append(f"- Kenen asiasta: {data['subject']}")
    lines.append("- Tässä keskustelussa kirjoittamasi viestit (henkilötunnukset, puhelinnumerot ja muut "
                 "henkilötiedot poistettuina)")
    return "\n".join(lines)


def confirmation(library: GuidanceLibrary, reference: str, urgency: str, answer_by: dt.datetime,
                 now: dt.datetime, hours: OfficeHours, method: str) -> str:
    how = "soittaa sinulle" if method == "phone" else "vastaa sinulle asiointipalvelussa"
    text = (f"Kiitos! Yhteydenottopyyntösi on vastaanotettu. Viite: {reference}\n\n"
            f"Asiakasohjauksen ammattilainen {how} viimeistään {finnish_time(answer_by, now, hours)}. "
            f"Voit kysyä minulta pyynnön tilannetta tällä viitteellä.")
    if urgency == "urgent":
        text += ("\n\nJos vointisi huononee etkä voi odottaa, soita Päivystysapuun 116117. "
                 "Hätätilanteessa soita aina 112.")
    return text


def store_down(library: GuidanceLibrary) -> str:
    return ("Pahoittelen, yhteydenottopyyntöä ei juuri nyt saatu tallennettua, eikä siitä jäänyt mitään "
            "puolitiehen. Voit yrittää hetken päästä uudelleen tai soittaa suoraan.\n\n"
            f"{contact_details(library)}")


def status_reply(status: str, reference: str, urgency: str, answer_by: dt.datetime, now: dt.datetime,
                 hours: OfficeHours) -> str:
    text = f"Pyyntö {reference}: {STATUS_TEXT.get(status, STATUS_TEXT['new'])}"
    if status != "closed":
        if answer_by > now:
            text += f" Sinuun otetaan yhteyttä viimeistään {finnish_time(answer_by, now, hours)}."
        else:
            text += (" Luvattu vastausaika on jo ohi, pahoittelen. Voit soittaa asiakasohjaukseen, niin asiasi "
                     "hoidetaan heti.")
    return text
