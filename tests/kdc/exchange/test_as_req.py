"""AS exchange (RFC 4120 section 3.1) through the real dispatcher, with MIT's error codes."""

from __future__ import annotations

import dataclasses

import pytest

from kdc.config import Config, DatabaseConfig
from kdc.db.model import Attr
from protocol.constants import ErrorCode, KDCOption, KeyUsage, MessageType, PADataType, TicketFlag
from protocol.crypto import verify_checksum
from protocol.messages import Checksum, PAData, decode, decode_etype_info2
from tests.support.kdccore import T0, CoreRealm, KDCErrorReply

SVC = "host/server.example.test"


@pytest.fixture
def realm():
    r = CoreRealm()
    r.add_user("alice", "secret")
    r.add_service(SVC)
    return r


def error_of(realm, data) -> KDCErrorReply:
    with pytest.raises(KDCErrorReply) as info:
        realm.exchange(data)
    return info.value


def test_kinit_gets_a_tgt_with_initial_and_preauth_flags(realm):
    """A correct encrypted timestamp yields an AS-REP whose enc-part and ticket agree and echo the request."""
    creds = realm.kinit("alice", nonce=4242)
    enc, tkt = creds.enc, realm.open_ticket(creds.ticket)
    assert enc.nonce == 4242
    assert enc.flags & TicketFlag.INITIAL and enc.flags & TicketFlag.PRE_AUTHENT
    assert tkt.flags == enc.flags and tkt.key == enc.key and tkt.authtime == enc.authtime == T0
    assert tkt.cname.name_string == ("alice",) and tkt.crealm == "EXAMPLE.TEST"
    assert enc.sname.name_string == ("krbtgt", "EXAMPLE.TEST") and enc.srealm == "EXAMPLE.TEST"
    assert creds.ticket.enc_part.kvno == 1 and creds.reply.enc_part.kvno == 1
    assert enc.endtime == T0 + 10 * 3600  # realm max_life caps the requested day
    assert realm.store.successes == [(realm.principal("alice"), T0)]


def test_reply_enc_part_names_the_current_kvno(realm):
    """The AS-REP enc-part carries the kvno of the client's current keys, not of an older generation kept."""
    entry = realm.add_user("bob", "bob pw", kvno=3)
    older = tuple(dataclasses.replace(k, kvno=2) for k in entry.keys)
    realm.update("bob", keys=older + entry.keys)
    assert realm.kinit("bob").reply.enc_part.kvno == 3


def test_reply_key_follows_the_clients_preference(realm):
    """The reply is encrypted in the first enctype the client lists that it has a key for."""
    creds = realm.kinit("alice", etypes=(17, 18))
    assert creds.reply.enc_part.etype == 17 and creds.enc.key.keytype == 17


def test_preauth_required_carries_etype_info2_and_enc_timestamp(realm):
    """Without padata: PREAUTH_REQUIRED whose METHOD-DATA has ETYPE-INFO2 (requested+held, client order) then ENC-TIMESTAMP."""
    err = error_of(realm, realm.as_req("alice", etypes=(17, 23, 18)))
    assert err.code == ErrorCode.KDC_ERR_PREAUTH_REQUIRED
    types = [p.padata_type for p in err.method_data]
    assert types == [PADataType.PA_ETYPE_INFO2, PADataType.PA_ENC_TIMESTAMP]
    info = decode_etype_info2(err.method_data[0].padata_value)
    assert [(e.etype, e.salt, e.s2kparams) for e in info] == [(17, "EXAMPLE.TESTalice", None), (18, "EXAMPLE.TESTalice", None)]
    assert err.error.cname.name_string == ("alice",) and err.error.realm == "EXAMPLE.TEST"
    assert err.error.sname.name_string == ("krbtgt", "EXAMPLE.TEST") and err.error.stime == T0


def test_etype_info2_names_an_explicit_salt(realm):
    """A key stored with an explicit salt advertises that salt, not the default one."""
    entry = realm.store.entries[realm.principal("alice")]
    realm.update("alice", keys=tuple(k.__class__(**{**k.__dict__, "salt": b"CUSTOMsalt"}) for k in entry.keys))
    err = error_of(realm, realm.as_req("alice", etypes=(18,)))
    assert decode_etype_info2(err.method_data[0].padata_value)[0].salt == "CUSTOMsalt"


def test_wrong_password_is_preauth_failed_and_counts(realm):
    """A timestamp in the wrong key: PREAUTH_FAILED with the hints, and the failure is recorded."""
    bad = realm.user_key("alice", 18, password="wrong")
    err = error_of(realm, realm.as_req("alice", padata=(realm.enc_timestamp(bad),)))
    assert err.code == ErrorCode.KDC_ERR_PREAUTH_FAILED
    assert PADataType.PA_ETYPE_INFO2 in [p.padata_type for p in err.method_data]
    assert realm.store.entries[realm.principal("alice")].fail_auth_count == 1
    assert realm.store.successes == []


def _realm_with(**database) -> CoreRealm:
    r = CoreRealm(config=Config(realm="EXAMPLE.TEST", database=DatabaseConfig(**database)))
    r.add_user("alice", "secret")
    return r


def test_last_success_recorded_by_default(realm):
    """A pre-authenticated login stamps last_success (MIT's default) at the request time."""
    realm.kinit("alice")
    assert realm.store.successes == [(realm.principal("alice"), T0)]


def test_disable_last_success_skips_the_write():
    """[database] disable_last_success = true: the login succeeds and nothing is written."""
    r = _realm_with(disable_last_success=True)
    assert r.kinit("alice").enc.flags & TicketFlag.PRE_AUTHENT
    assert r.store.successes == [] and r.store.entries[r.principal("alice")].last_success is None


def test_disable_lockout_skips_failure_counting():
    """[database] disable_lockout = true: a wrong password is still PREAUTH_FAILED, but not counted."""
    r = _realm_with(disable_lockout=True)
    bad = r.user_key("alice", 18, password="wrong")
    assert error_of(r, r.as_req("alice", padata=(r.enc_timestamp(bad),))).code == ErrorCode.KDC_ERR_PREAUTH_FAILED
    assert r.store.failures == [] and r.store.entries[r.principal("alice")].fail_auth_count == 0
    r.kinit("alice")
    assert r.store.successes  # lockout off leaves last_success on


def test_timestamp_outside_skew_is_skew_not_a_failure(realm):
    """A correct key but a timestamp 10 minutes off: KRB_AP_ERR_SKEW (as MIT), no failure counted."""
    key = realm.user_key("alice", 18)
    err = error_of(realm, realm.as_req("alice", padata=(realm.enc_timestamp(key, when=T0 - 600),)))
    assert err.code == ErrorCode.KRB_AP_ERR_SKEW
    assert realm.store.failures == []


def test_timestamp_inside_skew_is_accepted(realm):
    """A timestamp 4 minutes off is within the 5-minute skew."""
    key = realm.user_key("alice", 18)
    rep = realm.exchange(realm.as_req("alice", padata=(realm.enc_timestamp(key, when=T0 + 240),)))
    assert rep.msg_type == MessageType.KRB_AS_REP


@pytest.mark.parametrize("client,server,code", [
    ("nobody", None, ErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN),
    ("alice", "host/missing.example.test", ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN),
])
def test_unknown_principals(realm, client, server, code):
    """Unknown client or server names get MIT's codes."""
    assert error_of(realm, realm.as_req(client, server)).code == code


@pytest.mark.parametrize("who,changes,code", [
    ("alice", {"attributes": Attr.REQUIRES_PRE_AUTH | Attr.DISALLOW_ALL_TIX}, ErrorCode.KDC_ERR_CLIENT_REVOKED),
    ("alice", {"expiration": T0 - 1}, ErrorCode.KDC_ERR_NAME_EXP),
    ("alice", {"pw_expiration": T0 - 1}, ErrorCode.KDC_ERR_KEY_EXPIRED),
    ("alice", {"attributes": Attr.REQUIRES_PRE_AUTH | Attr.REQUIRES_PWCHANGE}, ErrorCode.KDC_ERR_KEY_EXPIRED),
    ("krbtgt/EXAMPLE.TEST", {"expiration": T0 - 1}, ErrorCode.KDC_ERR_SERVICE_EXP),
    ("krbtgt/EXAMPLE.TEST", {"attributes": Attr.DISALLOW_ALL_TIX}, ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN),
    ("krbtgt/EXAMPLE.TEST", {"attributes": Attr.DISALLOW_SVR}, ErrorCode.KDC_ERR_MUST_USE_USER2USER),
])
def test_policy_refusals_before_preauth(realm, who, changes, code):
    """validate_as_request's refusals (MIT codes) come before pre-authentication is even looked at."""
    realm.update(who, **changes)
    assert error_of(realm, realm.as_req("alice")).code == code


def test_expired_password_may_still_reach_changepw(realm):
    """An expired password still gets a ticket for kadmin/changepw (PWCHANGE_SERVICE), as MIT allows."""
    realm.add_service("kadmin/changepw", attrs=Attr.PWCHANGE_SERVICE)
    realm.update("alice", pw_expiration=T0 - 1)
    creds = realm.kinit("alice", server="kadmin/changepw")
    assert creds.enc.sname.name_string == ("kadmin", "changepw")
    assert creds.enc.key_expiration == T0 - 1


def test_principal_without_preauth_gets_a_ticket_and_the_salt(realm):
    """-requires_preauth: a padata-less AS-REQ is answered, with PA-ETYPE-INFO2 for the reply key."""
    realm.add_user("bob", "pw", attrs=0)
    rep = realm.exchange(realm.as_req("bob", etypes=(17, 18)))
    enc = realm.read_as_rep(rep, realm.user_key("bob", 17))
    assert not enc.flags & TicketFlag.PRE_AUTHENT
    assert [p.padata_type for p in rep.padata] == [PADataType.PA_ETYPE_INFO2]
    assert [e.etype for e in decode_etype_info2(rep.padata[0].padata_value)] == [17]
    assert realm.store.successes == []  # last_success only for pre-authenticating principals (MIT)


def test_no_common_enctype_is_etype_nosupp(realm):
    """A client listing only enctypes it has no key of gets KDC_ERR_ETYPE_NOSUPP."""
    realm.add_user("carol", etypes=(17,))
    assert error_of(realm, realm.as_req("carol", etypes=(19,))).code == ErrorCode.KDC_ERR_ETYPE_NOSUPP


def test_weak_enctype_refused_unless_allowed(realm):
    """rc4-hmac is never chosen while allow_weak_crypto is off, even if the client asks only for it."""
    realm.add_user("old", etypes=(23, 18))
    assert error_of(realm, realm.as_req("old", etypes=(23,))).code == ErrorCode.KDC_ERR_ETYPE_NOSUPP


class _CountingKey:
    """Wraps the fake master key and records the enctype of every key it unseals."""

    def __init__(self, inner):
        self.inner, self.enctypes = inner, []

    def unseal(self, principal, stored):
        self.enctypes.append(stored.enctype)
        return self.inner.unseal(principal, stored)


@pytest.mark.parametrize("password", ["pw", "wrong"])
def test_timestamp_in_a_weak_enctype_is_never_decrypted(password):
    """With allow_weak_crypto off, a PA-ENC-TIMESTAMP in rc4-hmac is ETYPE_NOSUPP whether the
    password is right or wrong (no rc4 password oracle), the rc4 key is never unsealed, and no
    failure is counted: the request says nothing about the password."""
    import dataclasses

    from kdc.config import CryptoConfig

    crypto = CryptoConfig(permitted_enctypes=(18, 17, 23), allow_weak_crypto=False)
    realm = CoreRealm(config=Config(realm="EXAMPLE.TEST", crypto=crypto))
    realm.add_user("weak", "pw", etypes=(18, 23))
    counting = _CountingKey(realm.master_key)
    realm.ctx = dataclasses.replace(realm.ctx, master_key=counting)
    pa = realm.enc_timestamp(realm.user_key("weak", 23, password=password))
    err = error_of(realm, realm.as_req("weak", etypes=(18,), padata=(pa,)))
    assert err.code == ErrorCode.KDC_ERR_ETYPE_NOSUPP
    assert 23 not in counting.enctypes
    assert realm.store.failures == [] and realm.store.successes == []


def test_timestamp_in_rc4_works_when_weak_crypto_is_allowed():
    """The same rc4 timestamp is verified once allow_weak_crypto is on: the filter is the realm's policy."""
    from kdc.config import CryptoConfig

    crypto = CryptoConfig(permitted_enctypes=(18, 17, 23), allow_weak_crypto=True)
    realm = CoreRealm(config=Config(realm="EXAMPLE.TEST", crypto=crypto))
    realm.add_user("weak", "pw", etypes=(18, 23))
    pa = realm.enc_timestamp(realm.user_key("weak", 23))
    rep = realm.exchange(realm.as_req("weak", etypes=(18,), padata=(pa,)))
    assert rep.msg_type == MessageType.KRB_AS_REP and rep.enc_part.etype == 18


def test_req_enc_pa_rep_checksums_the_request_as_sent(realm):
    """RFC 6806: with padata 149 the reply carries a checksum (usage 56) over the AS-REQ bytes and ENC_PA_REP."""
    key = realm.user_key("alice", 18)
    padata = (realm.enc_timestamp(key), PAData(PADataType.PA_REQ_ENC_PA_REP, b""))
    data = realm.as_req("alice", padata=padata)
    enc = realm.read_as_rep(realm.exchange(data), key)
    assert enc.flags & TicketFlag.ENC_PA_REP
    (pa,) = enc.encrypted_pa_data
    assert pa.padata_type == PADataType.PA_REQ_ENC_PA_REP
    verify_checksum(key, KeyUsage.AS_REQ, data, decode(pa.padata_value, Checksum))


def test_without_149_no_enc_pa_rep(realm):
    """Without padata 149 there is neither the flag nor encrypted padata (MIT clients would reject the flag alone)."""
    creds = realm.kinit("alice")
    assert not creds.enc.flags & TicketFlag.ENC_PA_REP and creds.enc.encrypted_pa_data is None


def test_canonicalize_returns_the_stored_name(realm):
    """With CANONICALIZE the reply names the principal as stored (here: an enterprise name resolved)."""
    from protocol.constants import NameType
    from protocol.messages import PrincipalName

    ent = PrincipalName(NameType.NT_ENTERPRISE, ("alice@EXAMPLE.TEST",))
    key = realm.user_key("alice", 18)
    rep = realm.exchange(realm.as_req("alice", cname=ent, options=KDCOption.CANONICALIZE,
                                      padata=(realm.enc_timestamp(key),)))
    assert rep.cname.name_string == ("alice",) and rep.crealm == "EXAMPLE.TEST"


def test_tgs_options_in_an_as_req_are_bad_options(realm):
    """RENEW/VALIDATE/FORWARDED/PROXY/ENC-TKT-IN-SKEY are TGS-only: KDC_ERR_BADOPTION."""
    assert error_of(realm, realm.as_req("alice", options=KDCOption.RENEW)).code == ErrorCode.KDC_ERR_BADOPTION


def test_addresses_are_copied_into_the_ticket(realm):
    """caddr of ticket and enc-part are the request's addresses."""
    from protocol.messages import HostAddress

    addrs = (HostAddress(2, bytes([127, 0, 0, 1])),)
    creds = realm.kinit("alice", addresses=addrs)
    assert creds.enc.caddr == addrs and realm.open_ticket(creds.ticket).caddr == addrs


def test_ticket_uses_the_servers_strongest_key(realm):
    """The ticket is encrypted in the server's strongest permitted key (permitted_enctypes order)."""
    creds = realm.kinit("alice")
    assert creds.ticket.enc_part.etype == realm.config.crypto.permitted_enctypes[0] == 20


def test_first_round_trip_unseals_nothing(realm):
    """The padata-less first request of a pre-authenticating client costs no unseal."""
    before = realm.master_key.unseals
    error_of(realm, realm.as_req("alice"))
    assert realm.master_key.unseals == before


def test_postdating_refused_when_disallowed(realm):
    """ALLOW_POSTDATE for a client with DISALLOW_POSTDATED: KDC_ERR_CANNOT_POSTDATE."""
    realm.update("alice", attributes=Attr.REQUIRES_PRE_AUTH | Attr.DISALLOW_POSTDATED)
    assert error_of(realm, realm.as_req("alice", options=KDCOption.ALLOW_POSTDATE)).code == ErrorCode.KDC_ERR_CANNOT_POSTDATE


def test_renewable_ok_turns_a_long_till_into_renewable(realm):
    """RENEWABLE-OK with till beyond max_life: endtime at max_life, RENEWABLE with renew-till = till (RFC 4120 3.1.3)."""
    till = T0 + 2 * 86400
    creds = realm.kinit("alice", options=KDCOption.RENEWABLE_OK, till=till)
    assert creds.enc.endtime == T0 + 10 * 3600
    assert creds.enc.flags & TicketFlag.RENEWABLE and creds.enc.renew_till == till


def test_disallow_renewable_means_no_renew_till(realm):
    """A client with DISALLOW_RENEWABLE asking RENEWABLE gets a plain ticket (MIT drops the flag)."""
    realm.update("alice", attributes=Attr.REQUIRES_PRE_AUTH | Attr.DISALLOW_RENEWABLE)
    creds = realm.kinit("alice", options=KDCOption.RENEWABLE, rtime=T0 + 86400)
    assert not creds.enc.flags & TicketFlag.RENEWABLE and creds.enc.renew_till is None
