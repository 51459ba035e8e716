"""Cross-check no RFC covers: our decrypt opens what MIT's own KDC sealed.

MIT ``kinit`` obtains a TGT from MIT ``krb5kdc`` through a recording UDP relay; with keys
that MIT ``kadmin.local ktadd -norandkey`` wrote to a keytab, we decrypt the AS-REP enc-part
(usage 3, the client's key) and the ticket's enc-part (usage 2, the krbtgt key), and both
must name the same session key.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from protocol import crypto
from protocol.constants import KeyUsage
from protocol.keytab import parse_keytab
from protocol.messages.codec import decode, peek_application_tag
from protocol.messages.types import EncKDCRepPart, EncryptedData, EncryptionKey, EncTicketPart, KDCRep
from tests.support.mitkdc import MITRealm, UDPRelay

ENCTYPES = ["aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96", "aes256-cts-hmac-sha384-192",
            "aes128-cts-hmac-sha256-128", "camellia256-cts-cmac", "camellia128-cts-cmac", "arcfour-hmac"]
PASSWORD = "Interop-Pa55word"


@pytest.fixture(scope="module")
def realm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MITRealm]:
    supported = [f"{name}:normal" for name in ENCTYPES]
    with MITRealm(tmp_path_factory.mktemp("mitcrypto"), supported_enctypes=supported) as r:
        yield r


@pytest.fixture
def recorder(realm: MITRealm) -> Iterator[UDPRelay]:
    rec = UDPRelay(realm.port)
    yield rec
    rec.close()


def client_conf(realm: MITRealm, path, port: int, enctype: str) -> str:
    path.write_text("\n".join([
        "[libdefaults]", f"    default_realm = {realm.realm}", "    dns_lookup_kdc = false",
        # aes256 second: MIT 1.20 issues no rc4-hmac session keys, so the rc4 case needs a fallback.
        f"    default_tkt_enctypes = {enctype} aes256-cts-hmac-sha1-96",
        f"    permitted_enctypes = {enctype} aes256-cts-hmac-sha1-96",
        "    allow_weak_crypto = true", "    udp_preference_limit = 4000",
        "[realms]", f"    {realm.realm} = {{", f"        kdc = 127.0.0.1:{port}", "    }", ""]))
    return str(path)


def key_from_mit_keytab(realm: MITRealm, path, principal: str, enc_part: EncryptedData) -> EncryptionKey:
    """The keytab key for ``enc_part``: its enctype, and its kvno (MIT omits it for client keys)."""
    realm.ktadd(path, principal)
    entries = [e for e in parse_keytab(path.read_bytes()) if e.key.keytype == enc_part.etype]
    if enc_part.kvno is not None:
        entries = [e for e in entries if e.kvno == enc_part.kvno]
    return max(entries, key=lambda e: e.kvno).key


@pytest.mark.interop
@pytest.mark.parametrize("enctype", ENCTYPES)
def test_decrypt_mit_as_rep_and_ticket(realm, recorder, tmp_path, enctype):
    """AS-REP enc-part and TGT enc-part from MIT's KDC decrypt with keys from an MIT keytab."""
    user = realm.add_principal(f"user-{enctype}", password=PASSWORD, enctypes=[f"{enctype}:normal"])
    conf = client_conf(realm, tmp_path / "krb5.conf", recorder.port, enctype)
    realm.run("kinit", user, input=(PASSWORD + "\n").encode(), KRB5_CONFIG=conf,
              KRB5CCNAME=f"FILE:{tmp_path / 'cc'}")
    as_rep = decode(next(r for r in recorder.replies if peek_application_tag(r) == 11), KDCRep)

    assert as_rep.enc_part.etype == crypto.parse_enctype(enctype)
    user_key = key_from_mit_keytab(realm, tmp_path / "user.keytab", user, as_rep.enc_part)
    rep_part = decode(crypto.decrypt(user_key, KeyUsage.AS_REP_ENCPART, as_rep.enc_part.cipher), EncKDCRepPart)
    ticket_enc = as_rep.ticket.enc_part
    tgs_key = key_from_mit_keytab(realm, tmp_path / "krbtgt.keytab", f"krbtgt/{realm.realm}", ticket_enc)
    ticket_part = decode(crypto.decrypt(tgs_key, KeyUsage.KDC_REP_TICKET, ticket_enc.cipher), EncTicketPart)

    assert rep_part.key == ticket_part.key
    assert ticket_part.key.keytype in (crypto.parse_enctype(enctype), 18)
    # Our string-to-key from the password gives the very key MIT stored.
    salt = f"{realm.realm}user-{enctype}"
    assert crypto.string_to_key(user_key.keytype, PASSWORD, salt) == user_key
    # The same MIT ciphertext under another key usage is refused.
    with pytest.raises(crypto.IntegrityError):
        crypto.decrypt(tgs_key, KeyUsage.AS_REP_ENCPART, ticket_enc.cipher)
