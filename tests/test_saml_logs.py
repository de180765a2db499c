"""pysaml2 logs whole SAML responses and assertions (at ERROR when a signature fails, at DEBUG on
success): no log line of the process carries a person's names, identity code or NameID, or SAML
markup, at any level; an operator still reads that, and in general terms why, a check failed."""
from __future__ import annotations

import logging
import re

import pytest
import requests

from bot.log_redaction import install_log_redaction, redact_record
from bot.web.test_idp import TEST_PEOPLE
from tests.test_identification import identify, pending, post_response, servers  # noqa: F401 - the fixture

SIGNATURE_ERROR = ("{'message': 'Signature failed to meet constraints on xmldsig', 'validators': {'x': True}, "
                   "'xml document': '<?xml version=\\'1.0\\'?><ns0:Response xmlns:ns0=\"urn:oasis:names:tc:SAML:2.0:"
                   "protocol\"><ns1:NameID>AAdzZWNyZXQx</ns1:NameID><ns1:AttributeValue>Kokeilija</ns1:AttributeValue>"
                   "</ns0:Response>'}")


def private_parts(xml: str) -> list[str]:
    """What in a response identifies the person: the NameID value and every attribute value."""
    values = re.findall(r"<(?:\w+:)?(?:NameID|AttributeValue)\b[^>]*>([^<]+)<", xml)
    assert values
    return values


def logged_text(caplog) -> str:
    return "\n".join(f"{r.name} {r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records)


@pytest.fixture(autouse=True)
def redaction(caplog):
    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="saml2")  # as an operator debugging identification would
    yield
    logging.getLogger().setLevel(logging.WARNING)


def test_a_failed_signature_is_logged_in_general_terms_without_the_response(servers, caplog):  # noqa: F811
    s = requests.Session()
    person = TEST_PEOPLE[1]
    idp = servers["idp"]
    xml = idp.response_for(pending(servers, s), person)
    tampered = xml.replace(person.surname, person.surname[:-1] + "x")
    answer = post_response(servers, s, tampered)
    assert answer.status_code == 400
    text = logged_text(caplog)
    for secret in [*private_parts(xml), *private_parts(tampered), person.code, person.given_name]:
        assert secret not in text
    assert "<ns" not in text and "xml document" not in text and "urn:oasis" not in text
    saml_lines = [r.getMessage() for r in caplog.records if r.name.startswith("saml2")]
    assert any("check_sig" in line or "Signature Error" in line for line in saml_lines), saml_lines
    assert any("digest do not match" in line for line in saml_lines), saml_lines  # why, from xmlsec1
    assert "identification refused: bad signature" in text  # our own line, as before


def test_a_successful_identification_logs_no_assertion_at_debug(servers, caplog):  # noqa: F811
    identify(requests.Session(), servers["url"])
    person = TEST_PEOPLE[0]
    text = logged_text(caplog)
    assert any(r.name.startswith("saml2") for r in caplog.records)  # pysaml2 did log at debug
    for secret in (person.code, person.given_name, person.surname):
        assert secret not in text
    assert "<ns" not in text and "urn:oasis:names:tc:SAML:2.0:assertion" not in text


def record(name: str, msg, args=(), exc_info=None) -> logging.LogRecord:
    return redact_record(logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info))


def test_pysaml2_records_keep_their_wording_and_the_general_reason_only():
    assert record("saml2.entity", "Signature Error: %s", (SIGNATURE_ERROR,)).getMessage() == (
        "Signature Error: Signature failed to meet constraints on xmldsig [details withheld]")
    assert record("saml2.response", "Failed to verify signature on '%s'", ("<ns0:Assertion>…",)).getMessage() == (
        "Failed to verify signature on '[withheld]'")
    assert record("saml2.response", "--- AVA: {'sn': ['Kokeilija'], 'nationalIdentificationNumber': ['x']}"
                  ).getMessage() == "--- AVA"
    assert record("saml2.client", {"message": "Invoking SLO on entity", "entity": "https://idp"}).getMessage() == (
        "Invoking SLO on entity")
    xmlsec = ("returncode=1\nerror=func=xmlSecOpenSSLEvpDigestVerify:file=digests.c:line=217:obj=sha256:subj=unknown:"
              "error=12:invalid data:data and digest do not match\noutput=<ns0:Response>Kokeilija</ns0:Response>")
    assert record("saml2.sigver", xmlsec).getMessage() == "returncode=1; invalid data; data and digest do not match"
    assert record("saml2", "%d of %d assertions, 100%%", (1, 2)).getMessage() == (
        "[withheld] of [withheld] assertions, 100%")
    name_id = "AAdzZWNyZXQx"
    try:
        raise ValueError(f"Invalid assertion subject: <ns0:Subject><ns0:NameID>{name_id}</ns0:NameID>")
    except ValueError as error:
        exception = record("saml2.response", "EXCEPTION: %s", (error,), exc_info=(ValueError, error,
                                                                                  error.__traceback__))
    assert exception.getMessage() == "EXCEPTION: ValueError [details withheld]"
    assert name_id not in exception.exc_text and "ValueError: [withheld]" in exception.exc_text
    assert exception.exc_info is None and "test_saml_logs.py" in exception.exc_text  # the frames stay


def test_saml_markup_is_cut_from_any_other_record_too():
    line = record("bot.web.identification", "identification refused: %s",
                  ("response not valid (ValueError: Invalid assertion subject: <ns0:Subject><ns0:NameID>AAdzZWNyZXQx",))
    assert line.getMessage() == ("identification refused: response not valid (ValueError: Invalid assertion "
                                 "subject: [SAML withheld]")
    plain = record("rasa.core.processor", "Received user message '%s' <class 'str'>", ("kuume",))
    assert plain.getMessage() == "Received user message 'kuume' <class 'str'>"
