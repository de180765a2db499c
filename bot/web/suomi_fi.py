"""Suomi.fi e-identification's attribute names, and the Finnish identity code (henkilötunnus)."""
from __future__ import annotations

NATIONAL_ID = "urn:oid:1.2.246.21"                     # nationalIdentificationNumber
COMMON_NAME = "urn:oid:2.5.4.3"                        # cn: "Surname Given names"
GIVEN_NAME = "urn:oid:2.5.4.42"                        # givenName
SURNAME = "urn:oid:2.5.4.4"                            # sn
DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"     # displayName
LOA_SUBSTANTIAL = "http://ftn.ficora.fi/2017/loa2"     # level of assurance: substantial

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def identity_code(birth_date: str, individual: str, century: str = "-") -> str:
    """An identity code with its check character, e.g. identity_code("010180", "913") == "010180-913J"
    (to make the test identity provider's people; checking a code: `bot.personal_data.is_identity_code`)."""
    return f"{birth_date}{century}{individual}{CHECK_CHARACTERS[int(birth_date + individual) % 31]}"
