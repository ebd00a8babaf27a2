"""TLS is always verified; a company CA bundle (SSL_CERT_FILE / REQUESTS_CA_BUNDLE) is honoured."""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from hub_server import HUB_FILE, HUB_REPO

from app.core.models.hub import Hub, HubError
from app.core.platform.settings import Settings


def _make_ca_and_server_cert(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Corp Inspection CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                       False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_file, cert_file, key_file


@pytest.fixture
def tls_hub(tmp_path, starter_hub_file, monkeypatch):
    from hub_server import HubRepo, HubServer

    ca_file, cert_file, key_file = _make_ca_and_server_cert(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = HubServer([HubRepo(HUB_REPO, {HUB_FILE: starter_hub_file})], tls=context).start()
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    yield server, ca_file
    server.stop()


def _fresh_client():
    from huggingface_hub.utils import close_session

    close_session()  # the CA settings are read when the client is made


def test_unknown_certificate_is_refused(tls_hub):
    server, _ = tls_hub
    _fresh_client()
    with pytest.raises(HubError, match="TLS certificate could not be verified.*SSL_CERT_FILE"):
        Hub(Settings()).details(HUB_REPO)
    assert server.requests == []


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_company_ca_bundle_is_honoured(tls_hub, monkeypatch, variable):
    server, ca_file = tls_hub
    monkeypatch.setenv(variable, str(ca_file))
    _fresh_client()
    try:
        details = Hub(Settings()).details(HUB_REPO)
    finally:
        monkeypatch.delenv(variable)
        _fresh_client()
    assert details.choices[0].name == HUB_FILE and len(server.requests) == 1
