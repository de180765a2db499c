"""Suomi.fi e-identification's attribute names, and the Finnish identity code (henkilötunnus)."""
from __future__ import annotations

NATIONAL_ID = "urn:oid:1.2.246.21"                     # nationalIdentificationNumber
COMMON_NAME = "urn:oid:2.5.4.3"                        # cn: "Surname Given names"
GIVEN_NAME = "urn:oid:2.5.4.42"                        # givenName
SURNAME = "urn:oid:2.5.4.4"                            # sn
DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"     # displayName
LOA_SUBSTANTIAL = "http://ftn.ficora.fi/2017/loa2"     # level of assurance: substantial

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY_SIGNS = "+-ABCDEFYXWVU"


def identity_code(birth_date: str, individual: str, century: str = "-") -> str:
    """An identity code with its check character, e.g. identity_code("010180", "913") == "010180-913J"."""
    return f"{birth_date}{century}{individual}{CHECK_CHARACTERS[int(birth_date + individual) % 31]}"


def valid_identity_code(code: object) -> bool:
    """Form and check character of a Finnish identity code."""
    if not isinstance(code, str) or len(code) != 11 or code[6] not in CENTURY_SIGNS:
        return False
    digits = code[:6] + code[7:10]
    return digits.isdigit() and CHECK_CHARACTERS[int(digits) % 31] == code[10]
