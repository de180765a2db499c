"""SAML configuration of the service provider (and of the local test identity provider).

Production: the identity provider is described by its metadata file (Suomi.fi's, downloaded by
the operator: nothing is fetched at run time) and the service provider uses the operator's key
pair. Development and tests: self-signed key pairs for the service provider and the test
identity provider are made once under var/saml/ with `cryptography`, and each side's metadata
is written there for the other.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig, SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from bot.private_files import private_directory, write_private_file
from bot.settings import Settings

XMLSEC_BINARY = "/usr/bin/xmlsec1"
ACCEPTED_TIME_DIFF = 30  # seconds of clock difference tolerated between us and the identity provider


KeyPair = NamedTuple("KeyPair", [("key", Path), ("cert", Path)])  # a private key file and its certificate (PEM)

# The service provider's addresses (and the local test identity provider's, in development), below the base
SAML_PATHS = {"sp_entity_id": "/auth/metadata", "acs": "/auth/acs", "sls": "/auth/slo",
              "idp_entity_id": "/test-idp/metadata", "idp_sso": "/test-idp/sso", "idp_slo": "/test-idp/slo"}


@dataclass(frozen=True)
class SamlAddresses:
    """Where the service provider (and the test identity provider, in development) answer:
    `addresses.acs` is the base address followed by SAML_PATHS["acs"], and so on."""

    base: str

    def __getattr__(self, name: str) -> str:
        if name not in SAML_PATHS:
            raise AttributeError(name)
        return self.base + SAML_PATHS[name]


def self_signed_pair(directory: Path, name: str, common_name: str) -> KeyPair:
    """A self-signed RSA-2048 key pair made once (development and tests only; never committed); the
    private key is created with mode 0600 in a 0700 folder."""
    private_directory(directory)
    pair = KeyPair(directory / f"{name}.key", directory / f"{name}.crt")
    if pair.key.exists() and pair.cert.exists():
        return pair
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sote-opastaja development")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    write_private_file(pair.key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pair


def sp_config_dict(entity_id: str, acs: str, sls: str, keys: KeyPair, idp_metadata: Path | None) -> dict:
    """pysaml2 configuration of our service provider: signed requests, signed assertions required."""
    config = {
        "entityid": entity_id,
        "xmlsec_binary": XMLSEC_BINARY,
        "key_file": str(keys.key),
        "cert_file": str(keys.cert),
        "encryption_keypairs": [{"key_file": str(keys.key), "cert_file": str(keys.cert)}],
        "accepted_time_diff": ACCEPTED_TIME_DIFF,
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "name": "Sote-opastaja",
            "endpoints": {"assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
                          "single_logout_service": [(sls, BINDING_HTTP_REDIRECT)]},
            "allow_unsolicited": False,
            "authn_requests_signed": True,
            "logout_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "name_id_format": NAMEID_FORMAT_TRANSIENT,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }},
    }
    if idp_metadata is not None:
        config["metadata"] = {"local": [str(idp_metadata)]}
    return config


def idp_config_dict(addresses: SamlAddresses, keys: KeyPair, sp_metadata: Path | None,
                    lifetime_minutes: int = 5) -> dict:
    """pysaml2 configuration of the local test identity provider (development and tests only)."""
    config = {
        "entityid": addresses.idp_entity_id,
        "xmlsec_binary": XMLSEC_BINARY,
        "key_file": str(keys.key),
        "cert_file": str(keys.cert),
        "accepted_time_diff": ACCEPTED_TIME_DIFF,
        "service": {"idp": {
            "name": "Sote-opastajan testitunnistus (EI TUOTANTOKÄYTTÖÖN)",
            "endpoints": {"single_sign_on_service": [(addresses.idp_sso, BINDING_HTTP_REDIRECT)],
                          "single_logout_service": [(addresses.idp_slo, BINDING_HTTP_REDIRECT)]},
            "name_id_format": [NAMEID_FORMAT_TRANSIENT],
            "want_authn_requests_signed": True,
            "policy": {"default": {"lifetime": {"minutes": lifetime_minutes}, "name_form": NAME_FORMAT_URI,
                                   "attribute_restrictions": None}},
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }},
    }
    if sp_metadata is not None:
        config["metadata"] = {"local": [str(sp_metadata)]}
    return config


def metadata_xml(config: SPConfig | IdPConfig) -> bytes:
    """The entity's metadata (unsigned) for the other side."""
    xml = create_metadata_string(None, config=config, sign=False)
    return xml if isinstance(xml, bytes) else xml.encode()


@dataclass(frozen=True)
class SamlSetup:
    """What the identification routes need: the SP configuration and, in development, the test IdP's."""

    addresses: SamlAddresses
    sp_config: SPConfig
    sp_metadata: bytes
    idp_entity_id: str
    test_idp_config: IdPConfig | None = None


def prepare(settings: Settings) -> SamlSetup | None:
    """Build the SAML set-up from the settings; None when identification is not configured."""
    ident = settings.identification
    if not ident.enabled:
        return None
    addresses = SamlAddresses(settings.public_url)
    saml_dir = Path(ident.var_dir) / "saml"
    entity_id = ident.sp_entity_id or addresses.sp_entity_id
    if ident.idp_metadata is not None:  # production: the operator's files
        sp_keys = KeyPair(ident.sp_key, ident.sp_cert)  # type: ignore[arg-type]  # checked in settings
        sp_config = SPConfig().load(sp_config_dict(entity_id, addresses.acs, addresses.sls, sp_keys,
                                                   ident.idp_metadata))
        idps = list(sp_config.metadata.identity_providers())
        if len(idps) != 1:
            raise ValueError(f"{ident.idp_metadata}: expected the metadata of one identity provider, found {len(idps)}")
        return SamlSetup(addresses, sp_config, metadata_xml(sp_config), idps[0])
    sp_keys = self_signed_pair(saml_dir, "sp", "sote-opastaja-sp")
    idp_keys = self_signed_pair(saml_dir, "test-idp", "sote-opastaja-test-idp")
    sp_alone = SPConfig().load(sp_config_dict(entity_id, addresses.acs, addresses.sls, sp_keys, None))
    sp_metadata = metadata_xml(sp_alone)
    sp_metadata_file = saml_dir / "sp-metadata.xml"
    sp_metadata_file.write_bytes(sp_metadata)
    idp_config = IdPConfig().load(idp_config_dict(addresses, idp_keys, sp_metadata_file))
    idp_metadata_file = saml_dir / "test-idp-metadata.xml"
    idp_metadata_file.write_bytes(metadata_xml(idp_config))
    sp_config = SPConfig().load(sp_config_dict(entity_id, addresses.acs, addresses.sls, sp_keys, idp_metadata_file))
    return SamlSetup(addresses, sp_config, sp_metadata, addresses.idp_entity_id, idp_config)
