"""Pre-authentication: the mechanism table, encrypted timestamp, PA-ETYPE-INFO2 (RFC 4120 5.2.7)."""

from __future__ import annotations

import pytest

from kdc.db.model import PrincipalEntry, SaltType, StoredKey
from kdc.exchange.errors import EtypeNoSupp, PreauthFailed, PreauthRequired, Skew
from kdc.preauth import MECHANISMS, PreauthInput, check_preauth, keys_needed, method_data
from kdc.preauth.etype_info import etype_info2_entries, etype_info2_padata, salt_of
from protocol.constants import KDCOption, MessageType, PADataType, TicketFlag
from protocol.crypto import string_to_key
from protocol.messages import KDCReq, KDCReqBody, PAData, decode_etype_info2
from protocol.principal import Principal
from tests.support.kdccore import T0, CoreRealm

ALICE = Principal.parse("alice/admin@EXAMPLE.TEST")


def _entry(*keys: StoredKey) -> PrincipalEntry:
    return PrincipalEntry(principal=ALICE, attributes=0, kvno=1, keys=keys)


@pytest.mark.parametrize("salt_type,salt,expected", [
    (SaltType.NORMAL, None, "EXAMPLE.TESTaliceadmin"),
    (SaltType.NOREALM, None, "aliceadmin"),
    (SaltType.ONLYREALM, None, "EXAMPLE.TEST"),
    (SaltType.SPECIAL, b"pepper", "pepper"),
    (SaltType.NORMAL, b"explicit", "explicit"),
])
def test_salt_of(salt_type, salt, expected):
    """The advertised salt is the stored one, else what the salt type implies (MIT krb5_dbe_compute_salt)."""
    assert salt_of(_entry(), StoredKey(1, 18, b"", 1, salt_type, salt)) == expected


def test_etype_info2_only_requested_current_usable_keys_in_client_order():
    """Entries: requested AND held at the current kvno AND usable, in the client's order, no duplicates."""
    entry = PrincipalEntry(principal=ALICE, attributes=0, kvno=2, keys=(
        StoredKey(1, 19, b"", 1), StoredKey(2, 18, b"", 1), StoredKey(2, 17, b"", 1), StoredKey(2, 23, b"", 1)))
    entries = etype_info2_entries(entry, (23, 19, 17, 18, 17), usable=(20, 19, 18, 17))
    assert [e.etype for e in entries] == [17, 18]
    assert etype_info2_padata(()) is None
    pa = etype_info2_padata(entries)
    assert pa.padata_type == PADataType.PA_ETYPE_INFO2 and decode_etype_info2(pa.padata_value) == entries


def test_mechanism_table_rows_are_distinct():
    """Each padata type has one row; encrypted timestamp is there."""
    types = [m.padata_type for m in MECHANISMS]
    assert len(types) == len(set(types)) and PADataType.PA_ENC_TIMESTAMP in types


@pytest.fixture
def realm():
    r = CoreRealm()
    r.add_user("alice", "secret")
    return r


def _input(realm, padata, keys=None):
    entry = realm.store.entries[realm.principal("alice")]
    body = KDCReqBody(kdc_options=KDCOption(0), realm=realm.realm, nonce=1, etype=(18,), till=T0 + 3600)
    req = KDCReq(MessageType.KRB_AS_REQ, body, padata=padata)
    return PreauthInput(req, b"", entry, keys if keys is not None else realm.keys_of("alice"), realm.now, 300,
                        realm.config.crypto.permitted_enctypes)


def test_keys_needed_is_the_timestamps_enctype(realm):
    """Gather unseals only the enctype the encrypted timestamp names."""
    pa = realm.enc_timestamp(realm.user_key("alice", 17))
    assert keys_needed((PAData(128, b"\x30\x00"), pa)) == (17,)
    assert keys_needed(None) == ()
    assert keys_needed((PAData(PADataType.PA_ENC_TIMESTAMP, b"junk"),)) == ()


def test_good_timestamp_earns_pre_authent(realm):
    """A timestamp in the client's key within the skew earns PRE_AUTHENT."""
    inp = _input(realm, (realm.enc_timestamp(realm.user_key("alice", 18)),))
    assert check_preauth(inp, True, lambda: ()) == TicketFlag.PRE_AUTHENT


def test_missing_padata(realm):
    """No recognised padata: PREAUTH_REQUIRED with the hints when required, nothing earned otherwise."""
    hints = (PAData(PADataType.PA_ENC_TIMESTAMP, b""),)
    with pytest.raises(PreauthRequired) as info:
        check_preauth(_input(realm, (PAData(128, b"\x30\x00"),)), True, lambda: hints)
    assert info.value.e_data == hints
    assert check_preauth(_input(realm, None), False, lambda: hints) == 0


@pytest.mark.parametrize("make_pa,error", [
    (lambda r: r.enc_timestamp(string_to_key(18, "wrong", "EXAMPLE.TESTalice")), PreauthFailed),
    (lambda r: r.enc_timestamp(r.user_key("alice", 18), when=T0 + 301), Skew),
    (lambda r: PAData(PADataType.PA_ENC_TIMESTAMP, b"\x30\x03\x02\x01\x12"), PreauthFailed),  # malformed
    (lambda r: r.enc_timestamp(string_to_key(26, "secret", "EXAMPLE.TESTalice")), PreauthFailed),  # no such key
    (lambda r: r.enc_timestamp(string_to_key(23, "secret", "")), EtypeNoSupp),  # rc4: not usable here
])
def test_failures(realm, make_pa, error):
    """Wrong key, malformed padata, or a usable enctype without a key: PREAUTH_FAILED carrying the
    hints; skew: SKEW; an enctype the realm does not use (rc4 here): ETYPE_NOSUPP."""
    hints = (PAData(PADataType.PA_ENC_TIMESTAMP, b""),)
    with pytest.raises(error) as info:
        check_preauth(_input(realm, (make_pa(realm),)), True, lambda: hints)
    if error is PreauthFailed:
        assert info.value.e_data == hints


def test_method_data_order(realm):
    """METHOD-DATA lists PA-ETYPE-INFO2 first, then each mechanism's hint."""
    info = PAData(PADataType.PA_ETYPE_INFO2, b"x")
    assert [p.padata_type for p in method_data(_input(realm, None), info)] == [19, 2]


def test_timestamp_decoded_for_gather_is_not_reused_for_another_value(realm):
    """keys_needed remembers the last PA-ENC-TIMESTAMP it decoded for verify; a different
    padata value (another request) is decoded afresh: a wrong key still fails, a good one passes."""
    good = realm.enc_timestamp(realm.user_key("alice", 18))
    wrong = realm.enc_timestamp(string_to_key(18, "wrong", "EXAMPLE.TESTalice"))
    assert keys_needed((good,)) == (18,)
    with pytest.raises(PreauthFailed):
        check_preauth(_input(realm, (wrong,)), True, lambda: ())
    assert keys_needed((wrong,)) == (18,)
    assert check_preauth(_input(realm, (good,)), True, lambda: ()) == TicketFlag.PRE_AUTHENT
    other = realm.enc_timestamp(realm.user_key("alice", 17))
    assert keys_needed((good,)) == (18,) and keys_needed((other,)) == (17,)
