"""THE LOCAL TEST IDENTITY PROVIDER: development and tests only, NEVER in production.

A pysaml2 identity provider on loopback, mounted at /test-idp by the web app when
ASSISTANT_TEST_IDP=1 (and by the tests). It offers a few made-up test persons (identity codes
from the test range 900-999 with valid check characters), verifies the service provider's signed
AuthnRequest, and answers with a signed Response and Assertion carrying the same attributes as
Suomi.fi e-identification (national identification number, cn, givenName, sn), so the whole
redirect - sign - verify - return flow runs without any outside network.
"""
from __future__ import annotations

import html
import secrets
from dataclasses import dataclass

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server
from sanic import response
from sanic.request import Request

from bot.web.routes import Door, Route
from bot.web.suomi_fi import COMMON_NAME, GIVEN_NAME, LOA_SUBSTANTIAL, NATIONAL_ID, SURNAME, identity_code


@dataclass(frozen=True)
class TestPerson:
    """A made-up person of the test identity provider."""

    code: str
    given_name: str
    surname: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}"

    def attributes(self) -> dict[str, list[str]]:
        return {NATIONAL_ID: [self.code], COMMON_NAME: [f"{self.surname} {self.given_name}"],
                GIVEN_NAME: [self.given_name], SURNAME: [self.surname]}


TEST_PEOPLE = (
    TestPerson(identity_code("150375", "902"), "Aino", "Testinen"),
    TestPerson(identity_code("010180", "913"), "Matti", "Kokeilija"),
    TestPerson(identity_code("240592", "924", "-"), "Saara", "Esimerkki-Virtanen"),
)


@dataclass(frozen=True)
class PendingLogin:
    """An AuthnRequest the test IdP has verified and is waiting for the person to be picked."""

    request_id: str
    sp_entity_id: str
    acs: str
    relay_state: str


class TestIdentityProvider:
    """The test IdP's logic (pysaml2 Server); the blueprint below gives it its pages."""

    __test__ = False  # not a pytest test class

    def __init__(self, config: IdPConfig) -> None:
        self.server = Server(config=config)
        self._pending: dict[str, PendingLogin] = {}

    def read_request(self, query: dict[str, str]) -> str:
        """Verify a redirect-bound, signed AuthnRequest; the key of the pending login."""
        request = self.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                  relay_state=query.get("RelayState"), sigalg=query.get("SigAlg"),
                                                  signature=query.get("Signature"))
        if request is None:
            raise ValueError("AuthnRequest not valid")
        message = request.message
        acs = message.assertion_consumer_service_url or self.server.config.metadata.assertion_consumer_service(
            message.issuer.text, BINDING_HTTP_POST)[0]["location"]
        key = secrets.token_urlsafe(16)
        self._pending[key] = PendingLogin(message.id, message.issuer.text, acs, query.get("RelayState") or "")
        return key

    def take(self, key: str) -> PendingLogin:
        return self._pending.pop(key)

    def response_for(self, login: PendingLogin, person: TestPerson, *, audience: str | None = None,
                     destination: str | None = None, server: Server | None = None, encrypt: bool = False) -> str:
        """The signed SAML Response (XML) for the person (tests may change audience, destination, signer).

        `encrypt`: the assertion encrypted for the SP's certificate in its metadata, as Suomi.fi sends it.
        """
        server = server or self.server
        name_id = NameID(format=NAMEID_FORMAT_TRANSIENT, text=secrets.token_hex(16),
                         name_qualifier=server.config.entityid, sp_name_qualifier=login.sp_entity_id)
        result = server.create_authn_response(
            person.attributes(), in_response_to=login.request_id, destination=destination or login.acs,
            sp_entity_id=audience or login.sp_entity_id, name_id=name_id,
            authn={"class_ref": LOA_SUBSTANTIAL, "authn_auth": server.config.entityid},
            sign_response=True, sign_assertion=True, encrypt_assertion=encrypt,
            encrypt_assertion_self_contained=True)
        return str(result)

    def post_form(self, acs: str, saml_response_xml: str, relay_state: str) -> str:
        """The auto-submitting HTML form that carries the response to the service provider's ACS."""
        info = self.server.apply_binding(BINDING_HTTP_POST, saml_response_xml, acs, relay_state, response=True)
        return info["data"]

    def logout_redirect(self, query: dict[str, str]) -> str:
        """Answer a redirect-bound LogoutRequest: the URL of the LogoutResponse back to the SP."""
        request = self.server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                   relay_state=query.get("RelayState"), sigalg=query.get("SigAlg"),
                                                   signature=query.get("Signature"))
        logout_response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
        destination = self.server.config.metadata.single_logout_service(
            request.message.issuer.text, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(logout_response), destination,
                                         query.get("RelayState") or "", response=True, sign=True)
        return dict(info["headers"])["Location"]


_PAGE = """<!doctype html><html lang="fi"><head><meta charset="utf-8"><title>Testitunnistus</title></head>
<body><main><h1>Testitunnistus &ndash; ei tuotantok&auml;ytt&ouml;&ouml;n</h1>
<p>T&auml;m&auml; on kehitys- ja testiymp&auml;rist&ouml;n tunnistuspalvelu. Valitse testihenkil&ouml;:</p>
<form method="post" action="{action}"><input type="hidden" name="login" value="{login}">{choices}
<button type="submit" name="cancel" value="1">Peruuta</button></form></main></body></html>"""


def _idp(request: Request) -> TestIdentityProvider:
    """The app's test identity provider (made with the runtime's SAML set-up)."""
    return request.app.ctx.test_idp


async def metadata(request: Request) -> response.HTTPResponse:
    from bot.web.saml_setup import metadata_xml
    return response.raw(metadata_xml(_idp(request).server.config), content_type="application/samlmetadata+xml")


async def sign_in(request: Request) -> response.HTTPResponse:
    """The sign-in page: pick a test person."""
    try:
        key = _idp(request).read_request({name: request.args.get(name) for name in request.args})
    except Exception as error:  # noqa: BLE001 - a test IdP answers any bad request with 400
        return response.text(f"Virheellinen tunnistuspyyntö: {type(error).__name__}", status=400)
    choices = "".join(f'<p><button type="submit" name="person" value="{i}">{html.escape(p.name)} '
                      f'({html.escape(p.code)})</button></p>' for i, p in enumerate(TEST_PEOPLE))
    return response.html(_PAGE.format(action="/test-idp/sso/choose", login=html.escape(key), choices=choices))


async def choose(request: Request) -> response.HTTPResponse:
    idp = _idp(request)
    try:
        login = idp.take(request.form.get("login", ""))
    except KeyError:
        return response.text("Tunnistuspyyntö on vanhentunut.", status=400)
    if request.form.get("cancel"):
        error = idp.server.create_error_response(login.request_id, login.acs,
                                                 ("urn:oasis:names:tc:SAML:2.0:status:AuthnFailed",
                                                  "cancelled by the user"), sign=True)
        return response.html(idp.post_form(login.acs, str(error), login.relay_state))
    person = TEST_PEOPLE[int(request.form.get("person", "0")) % len(TEST_PEOPLE)]
    return response.html(idp.post_form(login.acs, idp.response_for(login, person), login.relay_state))


async def single_logout(request: Request) -> response.HTTPResponse:
    try:
        location = _idp(request).logout_redirect({name: request.args.get(name) for name in request.args})
    except Exception as error:  # noqa: BLE001
        return response.text(f"Virheellinen uloskirjautumispyyntö: {type(error).__name__}", status=400)
    return response.redirect(location, status=303)


TEST_IDP = Door("test_idp", "/test-idp", routes=(
    Route("GET", "/metadata", metadata),
    Route("GET", "/sso", sign_in),
    Route("POST", "/sso/choose", choose),
    Route("GET", "/slo", single_logout),
))
