"""Our SAML 2.0 service provider: signed AuthnRequests out, responses verified in.

pysaml2 checks the XML signature (xmlsec1), the audience, NotBefore/NotOnOrAfter, the
destination and InResponseTo against the requests we hand it. On top of that this module
requires what pysaml2 leaves optional - a Destination, an AudienceRestriction naming us, the
issuer we trust - and keeps the requests in flight and the assertions already used in the
database, so a response is accepted at most once even across processes. Each request is also
bound to the browser that asked for it (a random cookie, stored hashed with the request): a
response posted from any other browser is refused, so a response obtained elsewhere identifies
no one but in the browser that started the login.
"""
from __future__ import annotations

import base64
import calendar
import datetime as dt
import hmac
import logging
from dataclasses import dataclass

from defusedxml import ElementTree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.response import StatusError
from saml2.saml import name_id_from_string
from saml2.time_util import str_to_time
from saml2.validate import ResponseLifetimeExceed, ToEarly
from saml2.xmldsig import SIG_RSA_SHA256

from actions.store.identification import IdentificationStore, key_hash
from bot.bidi_controls import without_bidi_controls
from bot.web.saml_setup import SamlSetup
from bot.personal_data import is_identity_code
from bot.web.suomi_fi import COMMON_NAME, DISPLAY_NAME, GIVEN_NAME, NATIONAL_ID, SURNAME

logger = logging.getLogger(__name__)
REQUEST_LIFETIME = dt.timedelta(minutes=15)  # time the resident has at the identity provider


class IdentificationFailed(Exception):
    """A response we do not accept; `reason` goes to the operators' log, `kind` chooses the resident's text."""

    def __init__(self, reason: str, kind: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # invalid, expired, cancelled, replayed, browser


@dataclass(frozen=True)
class VerifiedIdentity:
    """A verified identification: the person and what single logout needs."""

    code: str
    name: str
    carry_over_conversation: str | None
    name_id: str | None
    session_index: str | None


class ServiceProvider:
    """Login requests, response verification and logout requests for one SAML set-up."""

    def __init__(self, setup: SamlSetup, store: IdentificationStore) -> None:
        self.setup = setup
        self.store = store

    def _client(self) -> Saml2Client:
        return Saml2Client(config=self.setup.sp_config)

    def login_url(self, carry_over_conversation: str | None, browser_binding: str) -> str:
        """The identity provider's address with our signed AuthnRequest (HTTP-Redirect); the request is kept,
        bound to `browser_binding` (the login cookie's value)."""
        request_id, info = self._client().prepare_for_authenticate(
            entityid=self.setup.idp_entity_id, binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=SIG_RSA_SHA256)
        self.store.remember_request(request_id, carry_over_conversation, REQUEST_LIFETIME, browser_binding)
        return dict(info["headers"])["Location"]

    def verify(self, saml_response: str, browser_binding: str | None) -> VerifiedIdentity:
        """Verify a posted SAMLResponse and that it comes back to the browser of its request
        (`browser_binding`: the login cookie the post carried); IdentificationFailed with the reason otherwise."""
        request_id = _in_response_to(saml_response)
        request = self.store.outstanding(request_id) if request_id else None
        if request is None:
            raise IdentificationFailed(_why_not_outstanding(self.store, request_id), "replayed"
                                       if request_id and self.store.was_answered(request_id) else "invalid")
        # Before any other work, and without answering the request: a response another browser posts
        # neither identifies that browser nor spends the login of the browser that asked.
        if not browser_binding:
            raise IdentificationFailed("browser binding cookie missing (response posted from another browser, "
                                       "or cookies blocked)", "browser")
        if not request.browser_binding or not hmac.compare_digest(request.browser_binding,
                                                                  key_hash(browser_binding)):
            raise IdentificationFailed("browser binding cookie does not match the request (response posted from "
                                       "another browser)", "browser")
        client = self._client()
        try:
            parsed = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST,
                                                         outstanding={request_id: ""})
        except StatusError as error:
            self.store.answer_request(request_id)
            raise IdentificationFailed(f"identity provider status: {str(error).splitlines()[-1]}", "cancelled") \
                from error
        except (ResponseLifetimeExceed, ToEarly) as error:
            raise IdentificationFailed(f"assertion outside its validity: {type(error).__name__}", "expired") from error
        except Exception as error:  # noqa: BLE001 - pysaml2 raises many types (and bare Exception) for bad input
            if _past_not_on_or_after(saml_response):  # refused either way; this only names the reason
                raise IdentificationFailed("assertion outside its validity: NotOnOrAfter has passed", "expired") \
                    from error
            raise IdentificationFailed(_classify(error)) from error
        if parsed is None or parsed.assertion is None:
            raise IdentificationFailed("response not valid (destination, issuer or signature)")
        response, assertion = parsed.response, parsed.assertion
        if response.destination != self.setup.addresses.acs:
            raise IdentificationFailed(f"wrong or missing Destination {response.destination!r}")
        issuer = (assertion.issuer.text or "").strip() if assertion.issuer else ""
        if issuer != self.setup.idp_entity_id:
            raise IdentificationFailed(f"assertion from an unknown issuer {issuer!r}")
        audiences = [a.text.strip() for r in (assertion.conditions.audience_restriction if assertion.conditions
                                              else []) for a in r.audience if a.text]
        if audiences != [self.setup.sp_config.entityid]:
            raise IdentificationFailed(f"wrong audience {audiences!r}")
        keep_until = _expiry(assertion) + dt.timedelta(minutes=5)
        if not self.store.first_use_of_assertion(assertion.id, keep_until):
            raise IdentificationFailed("assertion replayed (its ID was used before)", "replayed")
        answered = self.store.answer_request(request_id)
        if answered is None:
            raise IdentificationFailed("request answered already (replay)", "replayed")
        code, name = _person(assertion, test_codes=self.setup.test_idp_config is not None)
        session_index = assertion.authn_statement[0].session_index if assertion.authn_statement else None
        name_id = str(assertion.subject.name_id) if assertion.subject and assertion.subject.name_id else None
        return VerifiedIdentity(code, name, answered.carry_over_conversation, name_id, session_index)

    def logout_url(self, name_id: str | None, session_index: str | None, relay_state: str = "") -> str | None:
        """The identity provider's single-logout address with our signed LogoutRequest; None if it has none."""
        client = self._client()
        if not name_id:
            return None
        try:
            destination = client.metadata.single_logout_service(self.setup.idp_entity_id, BINDING_HTTP_REDIRECT,
                                                                "idpsso")[0]["location"]
        except (IndexError, KeyError, TypeError):
            return None
        _, request = client.create_logout_request(destination, self.setup.idp_entity_id,
                                                  name_id=name_id_from_string(name_id),
                                                  session_indexes=[session_index] if session_index else None,
                                                  sign=False)
        info = client.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination, relay_state, sign=True,
                                    sigalg=SIG_RSA_SHA256)
        return dict(info["headers"])["Location"]

    def logout_response_ok(self, saml_response: str) -> bool:
        """Whether the identity provider's LogoutResponse verifies and reports success."""
        try:
            parsed = self._client().parse_logout_request_response(saml_response, BINDING_HTTP_REDIRECT)
        except Exception as error:  # noqa: BLE001 - logged, the local logout has happened anyway
            logger.warning("identification: single logout response not accepted: %s", _classify(error))
            return False
        return parsed is not None and parsed.status_ok()


def _in_response_to(saml_response: str) -> str | None:
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response, validate=False))
    except Exception:  # noqa: BLE001 - anything unreadable is simply not a response to us
        return None
    value = root.get("InResponseTo")
    return value if value and len(value) <= 100 else None


def _past_not_on_or_after(saml_response: str) -> bool:
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response, validate=False))
    except Exception:  # noqa: BLE001
        return False
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    for element in root.iter():
        value = element.get("NotOnOrAfter")
        if value:
            try:
                if calendar.timegm(str_to_time(value)) <= now:
                    return True
            except ValueError:
                continue
    return False


def _why_not_outstanding(store: IdentificationStore, request_id: str | None) -> str:
    if not request_id:
        return "no InResponseTo (unsolicited or unreadable response)"
    if store.was_answered(request_id):
        return "response to a request answered already (replay)"
    return "InResponseTo names no request of ours in flight (unknown or expired)"


def _classify(error: Exception) -> str:
    name = type(error).__name__
    text = str(error)
    if "Audience" in text:
        return "wrong audience"
    if "ignature" in name or "ignature" in text or name in ("IncorrectlySigned", "SigverError", "XmlsecError"):
        return f"bad signature ({name})"
    if "ecrypt" in name:
        return f"cannot decrypt ({name})"
    return f"response not valid ({name}: {text.splitlines()[0][:120] if text else ''})"


def _expiry(assertion) -> dt.datetime:
    times = []
    if assertion.conditions and assertion.conditions.not_on_or_after:
        times.append(assertion.conditions.not_on_or_after)
    for confirmation in (assertion.subject.subject_confirmation if assertion.subject else []):
        data = confirmation.subject_confirmation_data
        if data is not None and data.not_on_or_after:
            times.append(data.not_on_or_after)
    if not times:
        return dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    return max(dt.datetime.fromtimestamp(calendar.timegm(str_to_time(t)), dt.timezone.utc) for t in times)


def _person(assertion, test_codes: bool) -> tuple[str, str]:
    """Identity code and name; codes of the test range (individual number 900-999) only from the test IdP."""
    values: dict[str, str] = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            texts = [v.text for v in attribute.attribute_value if v.text]
            if texts:
                values.setdefault(attribute.name, texts[0].strip())
    code = values.get(NATIONAL_ID, "")
    if not is_identity_code(code, allow_test_range=test_codes):
        raise IdentificationFailed("no valid national identification number in the assertion")
    code = code.upper()
    given, surname = values.get(GIVEN_NAME), values.get(SURNAME)
    name = (f"{given} {surname}" if given and surname else values.get(DISPLAY_NAME) or values.get(COMMON_NAME)
            or "")
    return code, without_bidi_controls(name)[:200]  # shown to the resident and, in tickets, to staff
