"""Strong identification at /auth: the SAML service provider's routes and the resident's pages.

    POST /auth/login     {carry_over: yes|no, conversation_id}  -> the identity provider (AuthnRequest) + login cookie
    POST /auth/acs       SAMLResponse (HTTP-POST) + login cookie -> verified: session + token cookie, 303 to /
    GET  /auth/session   the widget's view: available?, identified?, token, conversation, name
    POST /auth/logout    ends the session, clears the identity slot, single logout at the provider
    POST /auth/erase     erases the identified conversation's data (actions/store/erasure.py), ends the session
    GET  /auth/slo       the provider's LogoutResponse comes back here
    GET  /auth/metadata  our SP metadata (for registering the service with Suomi.fi)

After a verified response the conversation (the anonymous one, if the resident agreed to carry it
over, else a new one) is bound to a server-side session row; the web app sets the `identity` slot
through the Rasa server's relay routes and hands the browser a signed token, which the socket.io channel demands
for that conversation from then on. Refusals give the resident a Finnish page and the operators a
log line with the reason; identity codes and names are never logged.

A login is bound to the browser that started it: /auth/login sets a random cookie whose hash is
kept with the SAML request, and the ACS accepts a response only with that cookie. /auth/login and
/auth/erase refuse requests another site's page sent (Origin; without one, Sec-Fetch-Site and Referer).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
import re
import secrets
from typing import Any

from sanic import response
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

from actions.store.person_key import NotAPersonKey, person_key
from actions.store.transactions import StoreUnavailable
from bot.blocking import blocking
from bot.personal_data import conversation_key
from bot.settings import Settings
from bot.web.relay_client import RelayUnavailable
from bot.web.resident_session import COOKIE, cookie_claims, cross_site
from bot.web.routes import Door, Route
from bot.web.runtime import Identification, runtime_of
from bot.web.saml_setup import SamlSetup
from bot.web.saml_sp import REQUEST_LIFETIME, IdentificationFailed

logger = logging.getLogger(__name__)
logging.getLogger("saml2").setLevel(logging.WARNING)  # pysaml2's debug output would include assertions
BINDING_COOKIE = "sote_login"  # the browser binding of a login in progress, read only by the ACS
MAX_SAML_RESPONSE = 200_000
CONVERSATION_ID = re.compile(r"^[0-9a-f]{32}$")  # the socket.io channel's conversation ids

IDENTIFIED_NOTICE = ("Olet nyt tunnistautunut vahvasti nimellä {name}. Voit jatkaa keskustelua tästä. Jos jätät "
                     "yhteydenottopyynnön, siihen liitetään henkilöllisyytesi, jotta ammattilainen voi hoitaa asiaasi. "
                     "Kun olet valmis, kirjaudu ulos.")
FRESH_NOTICE = " Aiempia viestejä ei siirretty, joten tämä on uusi keskustelu."
ERASE_REFUSED = ("Poistettavaa keskustelua ei löytynyt: tunnistautunut istunto on jo päättynyt. Jos haluat, että "
                 "aiemman keskustelusi tiedot poistetaan, ota yhteyttä hyvinvointialueen kirjaamoon.")
ERASE_FOREIGN = ("Poistopyyntö tuli toiselta sivustolta, joten mitään ei poistettu. Voit poistaa keskustelusi "
                 "tiedot chatin omalta sivulta.")
ERASE_FAILED = ("Tietojen poisto ei onnistunut juuri nyt teknisen häiriön vuoksi. Mitään ei poistettu osittain "
                "pysyvästi, ja voit yrittää hetken päästä uudelleen. Hätätilanteessa soita 112.")
LOGOUT_NOTICE = "Olet kirjautunut ulos. Tunnistautunut keskustelu päättyi, eikä sitä voi enää jatkaa tästä selaimesta."
FAILURE_TEXTS = {
    "invalid": "Tunnistuspalvelun vastausta ei voitu varmistaa, joten emme voineet ottaa sitä vastaan.",
    "expired": "Tunnistus vanheni ennen kuin se ehti perille. Näin voi käydä, jos tunnistautuminen kesti pitkään.",
    "replayed": ("Sama tunnistus yritettiin käyttää uudelleen. Jos palasit selaimen Takaisin-painikkeella, "
                 "aloita tunnistautuminen alusta."),
    "cancelled": "Tunnistautuminen keskeytyi tai tunnistuspalvelu ei hyväksynyt sitä.",
    "unavailable": "Chat-palveluun ei juuri nyt saatu yhteyttä, joten tunnistautumista ei voitu viedä loppuun.",
    "disabled": "Vahva tunnistautuminen ei ole käytössä tässä palvelussa.",
    "browser": ("Tunnistusta ei voitu yhdistää tähän selaimeen: se aloitettiin toisessa selaimessa, tai selain ei "
                "säilyttänyt evästettä. Aloita tunnistautuminen alusta siinä selaimessa, jossa käytät chattia."),
    "foreign": ("Tunnistautumispyyntö tuli toiselta sivustolta, joten emme käsitelleet sitä. Aloita "
                "tunnistautuminen chatin omalta sivulta."),
}


def _setup(request: Request) -> SamlSetup | None:
    """The SAML set-up; None when identification is not in use here."""
    return runtime_of(request).saml


def _settings(request: Request) -> Settings:
    return runtime_of(request).settings


def _secure(request: Request) -> bool:
    """The browser's scheme: the public address's, or the request's own."""
    return _settings(request).public_url.startswith("https://") or request.scheme == "https"


async def _parts(request: Request) -> Identification:
    """The provider, session store, tokens, relay and eraser (the database opened on first use)."""
    return await blocking(runtime_of(request).identification)


async def metadata(request: Request) -> response.HTTPResponse:
    setup = _setup(request)
    if setup is None:
        return _failure_page("disabled", status=404)
    return response.raw(setup.sp_metadata, content_type="application/samlmetadata+xml")


async def login(request: Request) -> response.HTTPResponse:
    if _setup(request) is None:
        return _failure_page("disabled", status=404)
    public_url = _settings(request).public_url
    foreign = cross_site(request, public_url)
    if foreign:
        logger.warning("identification: login refused: sent by another site's page (%s)", foreign)
        return _failure_page("foreign", status=403)
    conversation = request.form.get("conversation_id") or ""
    carry = request.form.get("carry_over") == "yes" and bool(CONVERSATION_ID.match(conversation))
    p = await _parts(request)
    if carry and await blocking(p.store.is_bound, conversation):
        carry = False  # an identified conversation is never handed to a new identification
    binding = secrets.token_urlsafe(32)
    location = await blocking(p.provider.login_url, conversation if carry else None, binding)
    logger.info("identification: login started (carry over: %s)", "yes" if carry else "no")
    answer = _go(location, public_url)
    _set_binding_cookie(answer, binding, int(REQUEST_LIFETIME.total_seconds()), _secure(request))
    return answer


async def assertion_consumer(request: Request) -> response.HTTPResponse:
    """The identity provider's answer: verified, the conversation gets the identity and a session."""
    if _setup(request) is None:
        return _failure_page("disabled", status=404)
    saml_response = request.form.get("SAMLResponse") or ""
    if not saml_response or len(saml_response) > MAX_SAML_RESPONSE:
        logger.warning("identification refused: no SAMLResponse or too large (%d chars)", len(saml_response))
        return _failure_page("invalid")
    p = await _parts(request)
    try:
        verified = await blocking(p.provider.verify, saml_response, request.cookies.get(BINDING_COOKIE))
    except IdentificationFailed as failure:
        logger.warning("identification refused: %s (response %s)", failure.reason, _digest(saml_response))
        return _failure_page(failure.kind)
    conversation = verified.carry_over_conversation or secrets.token_hex(16)
    minutes = _settings(request).identification.session_minutes
    try:
        whose = person_key(verified.code, p.person_secret)
    except NotAPersonKey:  # the provider vouched for a value that is no identity code: nothing to open
        logger.warning("identification refused: the verified identity is not a Finnish identity code (response %s)",
                       _digest(saml_response))
        return _failure_page("invalid")
    opened = await blocking(p.store.open_session, conversation, dt.timedelta(minutes=minutes), verified.name_id,
                            verified.session_index, whose)
    notice = IDENTIFIED_NOTICE.format(name=verified.name) + ("" if verified.carry_over_conversation
                                                              else FRESH_NOTICE)
    try:
        await p.relay.identify(conversation, {"code": verified.code, "name": verified.name}, notice)
    except RelayUnavailable as error:
        await blocking(p.store.end_session, opened.key, "failed")
        logger.error("identification: could not set the identity on conversation %s: %s",
                     conversation_key(conversation), error)
        return _failure_page("unavailable", status=503)
    token = p.tokens.issue(opened.key, conversation, opened.expires_at, verified.name)
    logger.info("identification: session opened for conversation %s (carried over: %s, %d min)",
                conversation_key(conversation), "yes" if verified.carry_over_conversation else "no", minutes)
    answer = response.redirect("/?tunnistautuminen=ok", status=303, headers=_no_store())
    _set_cookie(answer, token, minutes * 60, _secure(request))
    _set_binding_cookie(answer, "", 0, _secure(request))
    return answer


async def session_view(request: Request) -> response.HTTPResponse:
    """The widget's view of the identified session."""
    view: dict[str, Any] = {"available": _setup(request) is not None, "identified": False}
    token, claims = await cookie_claims(request)
    if claims is not None:
        active = await blocking((await _parts(request)).store.active_session, claims.session_key)
        if active and active.conversation_id == claims.conversation_id:
            view.update(identified=True, token=token, conversation_id=claims.conversation_id, name=claims.name,
                        expires_at=active.expires_at.isoformat(), notice=IDENTIFIED_NOTICE.format(name=claims.name))
    return response.json(view, headers=_no_store())


async def logout(request: Request) -> response.HTTPResponse:
    """End the session, take the identity off the conversation, single logout at the provider."""
    location = "/?uloskirjautuminen=ok"
    _token, claims = await cookie_claims(request)
    if claims is not None:
        p = await _parts(request)
        ended = await blocking(p.store.end_session, claims.session_key, "logout")
        if ended:
            logger.info("identification: logout of conversation %s", conversation_key(ended.conversation_id))
            try:
                await p.relay.forget_identity(ended.conversation_id, LOGOUT_NOTICE)
            except RelayUnavailable as error:  # the session is closed already: the token opens nothing
                logger.error("identification: could not clear the identity slot of conversation %s: %s",
                             conversation_key(ended.conversation_id), error)
            single_logout = await blocking(p.provider.logout_url, ended.name_id, ended.session_index)
            location = single_logout or location
    answer = _go(location, _settings(request).public_url)
    _set_cookie(answer, "", 0, _secure(request))
    return answer


async def erase(request: Request) -> response.HTTPResponse:
    """The resident's own erasure: only the conversation of a live identified session (the cookie is
    SameSite=Lax, so another site's form cannot send it, and a request another site's page sent is
    refused anyway); the session ends after the data is gone."""
    if _setup(request) is None:
        return _failure_page("disabled", status=404)
    foreign = cross_site(request, _settings(request).public_url)
    if foreign:
        logger.warning("identification: erasure refused: sent by another site's page (%s)", foreign)
        return _message_page("Poistoa ei tehty", ERASE_FOREIGN, status=403)
    _token, claims = await cookie_claims(request)
    p = await _parts(request)
    active = await blocking(p.store.active_session, claims.session_key) if claims is not None else None
    if active is None or active.conversation_id != claims.conversation_id:
        return _message_page("Poistoa ei tehty", ERASE_REFUSED, status=403)
    try:
        result = await blocking(p.erase, active.conversation_id, person_key=active.person_key)
    except (StoreUnavailable, SQLAlchemyError) as error:
        logger.error("erasure of conversation %s failed: %s", conversation_key(active.conversation_id), error)
        return _message_page("Poisto ei onnistunut", ERASE_FAILED, status=503)
    await blocking(p.store.end_session, claims.session_key, "erased")
    logger.info("identification: conversation %s erased at the resident's request (%d events)",
                conversation_key(active.conversation_id), result.transcript_events)
    answer = response.redirect("/?poisto=ok", status=303, headers=_no_store())
    _set_cookie(answer, "", 0, _secure(request))
    return answer


async def single_logout_return(request: Request) -> response.HTTPResponse:
    saml_response = request.args.get("SAMLResponse")
    if (_setup(request) is not None and saml_response
            and not await blocking((await _parts(request)).provider.logout_response_ok, saml_response)):
        logger.warning("identification: single logout at the identity provider not confirmed")
    return response.redirect("/?uloskirjautuminen=ok", status=303, headers=_no_store())


IDENTIFICATION = Door("identification", "/auth", routes=(
    Route("GET", "/metadata", metadata),
    Route("POST", "/login", login),
    Route("POST", "/acs", assertion_consumer),
    Route("GET", "/session", session_view),
    Route("POST", "/logout", logout),
    Route("POST", "/erase", erase),
    Route("GET", "/slo", single_logout_return),
))


def _go(location: str, public_url: str) -> response.HTTPResponse:
    """Our own pages by a 303; the identity provider by a page that moves on by itself.

    A form post answered with a redirect to another origin would be stopped by the chat page's
    `form-action 'self'`; a refresh from a page of ours is not, and the link serves if it is off.
    """
    if location.startswith("/") and not location.startswith("//") or location.startswith(public_url + "/"):
        return response.redirect(location, status=303, headers=_no_store())
    target = html.escape(location, quote=True)
    page = (f'<!doctype html><html lang="fi"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={target}">'
            f'<title>Siirrytään tunnistuspalveluun</title></head><body><p><a href="{target}">Siirry '
            f'tunnistuspalveluun</a></p></body></html>')
    return response.html(page, headers={**_no_store(), "Content-Security-Policy": "default-src 'none'"})


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def _no_store() -> dict[str, str]:
    return {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _http_only_cookie(answer: response.HTTPResponse, name: str, value: str, path: str, max_age: int,
                      same_site: str, secure: bool) -> None:
    """An HttpOnly cookie of /auth; an empty value with max-age 0 clears it."""
    answer.cookies[name] = value
    cookie = answer.cookies[name]
    cookie["path"] = path
    cookie["max-age"] = max_age
    cookie["httponly"] = True
    cookie["samesite"] = same_site
    if secure:
        cookie["secure"] = True


def _set_cookie(answer: response.HTTPResponse, value: str, max_age: int, secure: bool) -> None:
    """The identified session's token: SameSite=Lax, so another site's form cannot send it."""
    _http_only_cookie(answer, COOKIE, value, "/auth", max_age, "Lax", secure)


def _set_binding_cookie(answer: response.HTTPResponse, value: str, max_age: int, secure: bool) -> None:
    """The login's browser binding: random, HttpOnly, sent only to the ACS; empty value: cleared.

    Over https it is SameSite=None (with Secure): Suomi.fi's auto-submitting form posts the response
    to the ACS from its own site, a cross-site POST on which browsers withhold SameSite=Lax and Strict
    cookies, and accept None only with Secure. Nothing is lost by it: the cookie opens nothing by
    itself and goes only to /auth/acs, where a cross-site post is the normal case. On plain http
    (development, where the local test IdP posts from our own origin, a same-site POST) browsers
    reject None without Secure, and Lax is sent on a same-site POST."""
    _http_only_cookie(answer, BINDING_COOKIE, value, "/auth/acs", max_age, "None" if secure else "Lax", secure)


def _message_page(title: str, text: str, status: int,
                  actions_html: str = '<p><a class="button" href="/">Palaa chattiin</a></p>') -> response.HTTPResponse:
    """A plain Finnish page of ours (text escaped; `actions_html` is our own markup)."""
    page = (f'<!doctype html><html lang="fi"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/chat.css"></head><body><main class="chat">'
            f'<h1>{html.escape(title)}</h1><p id="auth-error">{html.escape(text)}</p>{actions_html}</main></body></html>')
    headers = {**_no_store(), "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'"}
    return response.html(page, status=status, headers=headers)


def _failure_page(kind: str, status: int = 400) -> response.HTTPResponse:
    text = FAILURE_TEXTS.get(kind, FAILURE_TEXTS["invalid"])
    title = "Tunnistautuminen ei ole käytössä" if kind == "disabled" else "Tunnistautuminen ei onnistunut"
    retry = "" if kind == "disabled" else '<a class="button" href="/?tunnistautuminen=uudelleen">Yritä uudelleen</a> '
    return _message_page(title, text, status,
                         f'<p>Voit yrittää uudelleen tai jatkaa keskustelua nimettömänä. Hätätilanteessa soita 112.</p>'
                         f'<p>{retry}<a class="button" href="/">Jatka nimettömänä</a></p>')
