"""TGS exchange (RFC 4120 section 3.3) through the real dispatcher, with MIT's error codes."""

from __future__ import annotations

import pytest

from kdc.db.model import Attr
from protocol.constants import ErrorCode, KDCOption, KeyUsage, TicketFlag
from protocol.crypto import encrypt, random_key
from protocol.messages import (
    AuthorizationDataEntry,
    Checksum,
    EncryptedData,
    EncryptionKey,
    HostAddress,
    KDCReqBody,
    encode_authorization_data,
)
from tests.support.kdccore import T0, CoreRealm, Creds, KDCErrorReply

SVC = "host/server.example.test"
O = KDCOption


@pytest.fixture
def realm():
    r = CoreRealm()
    r.add_user("alice", "secret")
    r.add_service(SVC)
    return r


@pytest.fixture
def tgt(realm):
    return realm.kinit("alice", options=O.FORWARDABLE | O.PROXIABLE | O.RENEWABLE | O.ALLOW_POSTDATE,
                       rtime=T0 + 3 * 86400)


def error_of(realm, data) -> KDCErrorReply:
    with pytest.raises(KDCErrorReply) as info:
        realm.exchange(data)
    return info.value


def test_service_ticket(realm, tgt):
    """A TGS-REQ gets a ticket in the service's key, for the TGT's client, inheriting PRE_AUTHENT."""
    svc = realm.tgs(tgt, SVC, nonce=99)
    part = realm.open_ticket(svc.ticket)
    assert svc.enc.nonce == 99 and svc.enc.tag == 26
    assert part.cname.name_string == ("alice",) and part.key == svc.enc.key
    assert part.authtime == tgt.enc.authtime
    assert part.flags & TicketFlag.PRE_AUTHENT and not part.flags & TicketFlag.INITIAL
    assert svc.ticket.sname.name_string == ("host", "server.example.test")
    assert part.endtime <= tgt.enc.endtime


def test_reply_in_subkey(realm, tgt):
    """With an authenticator subkey the reply enc-part uses it (usage 9)."""
    sub = random_key(17, realm.rng)
    svc = realm.tgs(tgt, SVC, subkey=sub)
    assert svc.reply.enc_part.etype == 17


def test_session_key_enctype_is_first_requested_the_service_has(realm, tgt):
    """The service key enctypes bound the session key: the first requested one it holds."""
    realm.add_service("http/web.example.test", etypes=(17,))
    svc = realm.tgs(tgt, "http/web.example.test", etypes=(20, 17, 18))
    assert svc.enc.key.keytype == 17 and svc.ticket.enc_part.etype == 17


def test_forwardable_flags_follow_the_tgt(realm, tgt):
    """FORWARDABLE requested on a forwardable TGT is granted; OK_AS_DELEGATE comes from the service."""
    realm.update(SVC, attributes=Attr.OK_AS_DELEGATE)
    svc = realm.tgs(tgt, SVC, options=O.FORWARDABLE)
    assert svc.enc.flags & TicketFlag.FORWARDABLE and svc.enc.flags & TicketFlag.OK_AS_DELEGATE


def test_forwarded_tgt_takes_requested_addresses(realm, tgt):
    """FORWARDED on a FORWARDABLE TGT for krbtgt gives a FORWARDED TGT with the new addresses."""
    addrs = (HostAddress(2, bytes([10, 0, 0, 1])),)
    fwd = realm.tgs(tgt, "krbtgt/EXAMPLE.TEST", options=O.FORWARDED | O.FORWARDABLE, addresses=addrs)
    assert fwd.enc.flags & TicketFlag.FORWARDED and fwd.enc.caddr == addrs
    assert realm.open_ticket(fwd.ticket).caddr == addrs


@pytest.mark.parametrize("option,flag", [(O.FORWARDED, O.FORWARDABLE), (O.PROXY, O.PROXIABLE)])
def test_forwarded_and_proxy_need_the_tgt_flag(realm, option, flag):
    """FORWARDED/PROXY on a TGT without FORWARDABLE/PROXIABLE: KDC_ERR_BADOPTION (MIT tgsflagrules)."""
    plain = realm.kinit("alice")
    assert error_of(realm, realm.tgs_req(plain, "krbtgt/EXAMPLE.TEST", options=option)).code == ErrorCode.KDC_ERR_BADOPTION


def test_proxy_of_a_tgt_is_refused(realm, tgt):
    """A TGT cannot be proxied: KDC_ERR_BADOPTION."""
    assert error_of(realm, realm.tgs_req(tgt, "krbtgt/EXAMPLE.TEST", options=O.PROXY)).code == ErrorCode.KDC_ERR_BADOPTION


def test_proxy_ticket_for_a_service(realm, tgt):
    """PROXY with the service ticket itself: a PROXY ticket (the header ticket names the service)."""
    svc = realm.tgs(tgt, SVC, options=O.PROXIABLE)
    proxy = realm.tgs(svc, SVC, options=O.PROXY)
    assert proxy.enc.flags & TicketFlag.PROXY


@pytest.mark.parametrize("subkey,code", [
    (EncryptionKey(23, bytes(16)), ErrorCode.KDC_ERR_ETYPE_NOSUPP),  # rc4: weak, allow_weak_crypto off
    (EncryptionKey(9999, bytes(16)), ErrorCode.KDC_ERR_ETYPE_NOSUPP),  # no such enctype
    (EncryptionKey(1, bytes(8)), ErrorCode.KDC_ERR_ETYPE_NOSUPP),  # single DES
    (EncryptionKey(18, bytes(5)), ErrorCode.KRB_ERR_GENERIC),  # aes256 needs 32 bytes
])
def test_unusable_or_malformed_subkey_is_refused(realm, tgt, subkey, code):
    """An authenticator subkey (which would encrypt the reply) of an unusable enctype is
    ETYPE_NOSUPP, one of the wrong length KRB_ERR_GENERIC with its own reason; never a reply
    in a weak key, never the internal-error catch-all."""
    reply, audit = realm.send(realm.tgs_req(tgt, SVC, subkey=subkey))
    assert audit.error_code == code
    assert audit.detail.startswith("authenticator subkey")


def test_renew_extends_within_renew_till(realm, tgt):
    """RENEW 2 hours later: same lifetime from now, RENEWABLE kept, renew-till unchanged."""
    realm.now += 7200
    new = realm.tgs(tgt, "krbtgt/EXAMPLE.TEST", options=O.RENEW | O.RENEWABLE)
    life = tgt.enc.endtime - tgt.enc.authtime
    assert new.enc.endtime == T0 + 7200 + life
    assert new.enc.renew_till == tgt.enc.renew_till and new.enc.flags & TicketFlag.RENEWABLE
    assert new.enc.starttime == T0 + 7200 and new.enc.authtime == T0


def test_renew_near_renew_till_is_clipped(realm):
    """Renewing 9 hours into a TGT renewable for 12: the new ticket ends at renew-till, no later."""
    short = realm.kinit("alice", options=O.RENEWABLE, rtime=T0 + 12 * 3600)
    assert short.enc.renew_till == T0 + 12 * 3600
    realm.now = T0 + 9 * 3600
    new = realm.tgs(short, "krbtgt/EXAMPLE.TEST", options=O.RENEW | O.RENEWABLE)
    assert new.enc.endtime == short.enc.renew_till == new.enc.renew_till


def test_renew_after_renew_till_is_tkt_expired(realm):
    """RENEW after the renew-till, while the TGT's endtime is still within the clock skew:
    KRB_AP_ERR_TKT_EXPIRED, as MIT's check_tgs_times ("TKT_EXPIRED")."""
    short = realm.kinit("alice", options=O.RENEWABLE, till=T0 + 3600, rtime=T0 + 3600)
    assert short.enc.endtime == short.enc.renew_till == T0 + 3600
    realm.now = T0 + 3600 + 100
    err = error_of(realm, realm.tgs_req(short, "krbtgt/EXAMPLE.TEST", options=O.RENEW | O.RENEWABLE))
    assert err.code == ErrorCode.KRB_AP_ERR_TKT_EXPIRED and err.error.e_text == "TKT_EXPIRED"


def test_renew_needs_a_renewable_ticket(realm):
    """RENEW of a ticket without RENEWABLE: KDC_ERR_BADOPTION."""
    plain = realm.kinit("alice")
    assert error_of(realm, realm.tgs_req(plain, "krbtgt/EXAMPLE.TEST", options=O.RENEW)).code == ErrorCode.KDC_ERR_BADOPTION


def test_renew_for_another_server_is_server_nomatch(realm, tgt):
    """RENEW names the ticket's own server; another name is KDC_ERR_SERVER_NOMATCH."""
    assert error_of(realm, realm.tgs_req(tgt, SVC, options=O.RENEW)).code == ErrorCode.KDC_ERR_SERVER_NOMATCH


def test_postdated_then_validate(realm):
    """A postdated TGT is INVALID; VALIDATE before its start is TKT_NYV, after it a valid ticket."""
    start = T0 + 3600
    pd = realm.kinit("alice", options=O.ALLOW_POSTDATE | O.POSTDATED, from_=start)
    assert pd.enc.flags & TicketFlag.INVALID and pd.enc.starttime == start
    realm.now = start - 600
    assert error_of(realm, realm.tgs_req(pd, SVC)).code == ErrorCode.KRB_AP_ERR_TKT_NYV
    realm.now = start + 60
    assert error_of(realm, realm.tgs_req(pd, SVC)).code == ErrorCode.KRB_AP_ERR_TKT_NYV  # still INVALID
    ok = realm.tgs(pd, "krbtgt/EXAMPLE.TEST", options=O.VALIDATE)
    assert not ok.enc.flags & TicketFlag.INVALID and ok.enc.starttime == start
    assert realm.tgs(ok, SVC).enc.flags & TicketFlag.PRE_AUTHENT


def test_validate_a_valid_ticket_is_bad_option(realm, tgt):
    """VALIDATE needs an INVALID ticket (MIT: "VALIDATE VALID TICKET")."""
    assert error_of(realm, realm.tgs_req(tgt, "krbtgt/EXAMPLE.TEST", options=O.VALIDATE)).code == ErrorCode.KDC_ERR_BADOPTION


def test_user_to_user(realm, tgt):
    """ENC-TKT-IN-SKEY: the ticket is encrypted in the session key of the server's own TGT."""
    realm.add_user("bob", "pw")
    bob_tgt = realm.kinit("bob", "pw")
    u2u = realm.tgs(tgt, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(bob_tgt.ticket,))
    part = realm.open_ticket(u2u.ticket, key=bob_tgt.session_key)
    assert part.cname.name_string == ("alice",) and u2u.ticket.enc_part.kvno is None


def test_user_to_user_with_someone_elses_tgt(realm, tgt):
    """The second ticket must belong to the requested server: KDC_ERR_SERVER_NOMATCH."""
    realm.add_user("bob", "pw")
    data = realm.tgs_req(tgt, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(tgt.ticket,))
    assert error_of(realm, data).code == ErrorCode.KDC_ERR_SERVER_NOMATCH


def test_user_to_user_with_an_expired_second_tgt(realm):
    """The second TGT must still be valid: one that ended beyond the skew is KRB_AP_ERR_TKT_EXPIRED
    (the requester's own TGT being fresh), one inside the skew still works."""
    realm.add_user("bob", "pw")
    bob_tgt = realm.kinit("bob", "pw", till=T0 + 600)
    realm.now = T0 + 600 + 200  # within the 300 s skew of bob's endtime
    alice = realm.kinit("alice")
    realm.tgs(alice, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(bob_tgt.ticket,))
    realm.now = T0 + 600 + 301
    alice = realm.kinit("alice")
    data = realm.tgs_req(alice, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(bob_tgt.ticket,))
    assert error_of(realm, data).code == ErrorCode.KRB_AP_ERR_TKT_EXPIRED


def test_user_to_user_with_an_invalid_second_tgt(realm, tgt):
    """A postdated (INVALID) second TGT, even after its start, is KRB_AP_ERR_TKT_NYV until validated."""
    realm.add_user("bob", "pw")
    pd = realm.kinit("bob", "pw", options=O.ALLOW_POSTDATE | O.POSTDATED, from_=T0 + 60)
    realm.now = T0 + 120
    data = realm.tgs_req(tgt, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(pd.ticket,))
    assert error_of(realm, data).code == ErrorCode.KRB_AP_ERR_TKT_NYV
    valid = realm.tgs(pd, "krbtgt/EXAMPLE.TEST", options=O.VALIDATE)
    realm.tgs(tgt, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(valid.ticket,))


def test_user_to_user_second_ticket_of_a_disabled_server(realm, tgt):
    """The second ticket's server is looked up as the header's is (MIT kdc_get_server_key):
    a disabled one is KDC_ERR_S_PRINCIPAL_UNKNOWN."""
    realm.add_user("bob", "pw")
    bob_svc = realm.tgs(realm.kinit("bob", "pw"), SVC)
    realm.update(SVC, attributes=Attr.DISALLOW_ALL_TIX)
    data = realm.tgs_req(tgt, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(bob_svc.ticket,))
    assert error_of(realm, data).code == ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN


def test_user_to_user_second_ticket_must_be_a_tgt(realm, tgt):
    """A service ticket as the second ticket, even one issued to the requested server, is
    KDC_ERR_POLICY (MIT "2ND_TKT_NOT_TGS"): only a TGT's session key may encrypt the ticket."""
    realm.add_user("bob", "pw")
    bob_svc = realm.tgs(realm.kinit("bob", "pw"), SVC)
    data = realm.tgs_req(tgt, "bob", options=O.ENC_TKT_IN_SKEY, additional_tickets=(bob_svc.ticket,))
    err = error_of(realm, data)
    assert err.code == ErrorCode.KDC_ERR_POLICY and err.error.e_text == "2ND_TKT_NOT_TGS"


def test_enc_authorization_data_is_carried(realm, tgt):
    """enc-authorization-data (session key, usage 4) ends up in the ticket's authorization-data."""
    ad = (AuthorizationDataEntry(1, b"opaque"),)
    enc = EncryptedData(tgt.session_key.keytype, encrypt(tgt.session_key, KeyUsage.TGS_REQ_AD_SESSKEY,
                                                         encode_authorization_data(ad), realm.rng))
    svc = realm.tgs(tgt, SVC, enc_authorization_data=enc)
    assert realm.open_ticket(svc.ticket).authorization_data == ad


def test_modified_body_is_krb_ap_err_modified(realm, tgt):
    """A body other than the one the checksum covers: KRB_AP_ERR_MODIFIED, naming the TGT's client."""
    import dataclasses

    body = KDCReqBody(kdc_options=0, realm="EXAMPLE.TEST", nonce=778, etype=(18,), till=T0 + 3600,
                      sname=realm.principal(SVC).name)
    err = error_of(realm, realm.tgs_req(tgt, SVC, body_after_cksum=dataclasses.replace(body, nonce=1)))
    assert err.code == ErrorCode.KRB_AP_ERR_MODIFIED
    assert err.error.cname.name_string == ("alice",)


@pytest.mark.parametrize("cksum,code", [
    (None, ErrorCode.KRB_AP_ERR_INAPP_CKSUM),
    (Checksum(7, bytes(16)), ErrorCode.KRB_AP_ERR_INAPP_CKSUM),  # RSA-MD5, unkeyed
    (Checksum(1, bytes(4)), ErrorCode.KRB_AP_ERR_INAPP_CKSUM),  # CRC32
    (Checksum(16, bytes(12)), ErrorCode.KRB_AP_ERR_MODIFIED),  # keyed, wrong value
])
def test_checksum_must_be_keyed_and_right(realm, tgt, cksum, code):
    """Missing or unkeyed authenticator checksums are INAPP_CKSUM; a wrong keyed one is MODIFIED."""
    assert error_of(realm, realm.tgs_req(tgt, SVC, cksum=cksum)).code == code


def test_tgt_from_a_wrong_key(realm, tgt):
    """After the krbtgt key is replaced at the same kvno, the TGT no longer decrypts: BAD_INTEGRITY."""
    entry = realm.store.entries[realm.krbtgt]
    realm.update("krbtgt/EXAMPLE.TEST", keys=tuple(realm.master_key.seal(realm.krbtgt, 1, random_key(k.enctype, realm.rng))
                                                   for k in entry.keys))
    assert error_of(realm, realm.tgs_req(tgt, SVC)).code == ErrorCode.KRB_AP_ERR_BAD_INTEGRITY


def test_unknown_kvno_is_badkeyver(realm, tgt):
    """A TGT naming a krbtgt kvno we no longer hold: KRB_AP_ERR_BADKEYVER."""
    realm.rotate("krbtgt/EXAMPLE.TEST", keep_old=False)
    assert error_of(realm, realm.tgs_req(tgt, SVC)).code == ErrorCode.KRB_AP_ERR_BADKEYVER


def test_old_kvno_still_works_after_rotation(realm, tgt):
    """With old keys kept (cpw -keepold), a TGT of the old kvno still works and new tickets use the new kvno."""
    realm.rotate("krbtgt/EXAMPLE.TEST")
    svc = realm.tgs(tgt, SVC)
    assert svc.ticket.enc_part.kvno == 1
    fresh = realm.tgs(tgt, "krbtgt/EXAMPLE.TEST", options=O.FORWARDED | O.FORWARDABLE)
    assert fresh.ticket.enc_part.kvno == 2


@pytest.mark.parametrize("changes,code", [
    ({"attributes": Attr.DISALLOW_ALL_TIX}, ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN),
    ({"attributes": Attr.DISALLOW_SVR}, ErrorCode.KDC_ERR_MUST_USE_USER2USER),
    ({"expiration": T0 - 1}, ErrorCode.KDC_ERR_SERVICE_EXP),
    ({"attributes": Attr.DISALLOW_TGT_BASED}, ErrorCode.KDC_ERR_POLICY),
])
def test_service_policy(realm, tgt, changes, code):
    """Disabled, -allow_svr, expired and -allow_tgs_req services get MIT's codes."""
    realm.update(SVC, **changes)
    assert error_of(realm, realm.tgs_req(tgt, SVC)).code == code


@pytest.mark.parametrize("attrs", [Attr.DISALLOW_ALL_TIX, Attr.DISALLOW_SVR])
def test_disabled_krbtgt_refuses_its_tgts(realm, tgt, attrs):
    """A TGT whose krbtgt is disabled (-allow_tix) or -allow_svr is KDC_ERR_S_PRINCIPAL_UNKNOWN
    for any request (MIT kdc_get_server_key "UNKNOWN TICKET SERVER"), though the service is fine."""
    realm.update("krbtgt/EXAMPLE.TEST", attributes=attrs)
    err = error_of(realm, realm.tgs_req(tgt, SVC))
    assert err.code == ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN and err.error.e_text == "UNKNOWN TICKET SERVER"


def test_service_requiring_preauth_refuses_a_tgt_without_it(realm):
    """A client without pre-authentication (-requires_preauth) gets a TGT lacking PRE_AUTHENT;
    a +requires_preauth service (addprinc's default) then answers KRB_ERR_GENERIC "NO PREAUTH",
    as MIT's check_tgs_svc_reqd_flags does, and the audit names the cause; a service without
    the flag still issues, and HW_AUTHENT is required the same way."""
    realm.add_user("np", "pw", attrs=0)
    realm.update(SVC, attributes=Attr.REQUIRES_PRE_AUTH)
    realm.add_service("host/open.example.test")
    rep = realm.exchange(realm.as_req("np"))
    enc = realm.read_as_rep(rep, realm.user_key("np", rep.enc_part.etype))
    tgt = Creds(realm.principal("np"), rep.ticket, enc.key, enc, rep)
    assert not enc.flags & TicketFlag.PRE_AUTHENT
    reply, audit = realm.send(realm.tgs_req(tgt, SVC))
    assert (audit.result, audit.error_code) == ("KRB_ERR_GENERIC", ErrorCode.KRB_ERR_GENERIC)
    assert "requires_preauth" in audit.detail and "not pre-authenticated" in audit.detail
    assert error_of(realm, realm.tgs_req(tgt, SVC)).error.e_text == "NO PREAUTH"
    assert realm.tgs(tgt, "host/open.example.test").enc.sname.name_string == ("host", "open.example.test")
    realm.update(SVC, attributes=Attr.REQUIRES_HW_AUTH)
    _, audit = realm.send(realm.tgs_req(tgt, SVC))
    assert audit.error_code == ErrorCode.KRB_ERR_GENERIC and "hardware" in audit.detail


def test_unknown_and_foreign_services(realm, tgt):
    """An unknown service, or one in another realm (no cross-realm yet), is S_PRINCIPAL_UNKNOWN."""
    assert error_of(realm, realm.tgs_req(tgt, "host/nowhere.example.test")).code == ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN
    assert error_of(realm, realm.tgs_req(tgt, "host/x@OTHER.TEST")).code == ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN


def test_authenticator_skew_and_mismatch(realm, tgt):
    """An authenticator 10 minutes off is SKEW; one naming another client is BADMATCH."""
    assert error_of(realm, realm.tgs_req(tgt, SVC, ctime=T0 - 600)).code == ErrorCode.KRB_AP_ERR_SKEW
    other = realm.principal("mallory").name
    assert error_of(realm, realm.tgs_req(tgt, SVC, authenticator_cname=other)).code == ErrorCode.KRB_AP_ERR_BADMATCH


def test_expired_tgt(realm, tgt):
    """A TGT past its endtime (beyond the skew) is KRB_AP_ERR_TKT_EXPIRED."""
    realm.now = tgt.enc.endtime + 301
    assert error_of(realm, realm.tgs_req(tgt, SVC)).code == ErrorCode.KRB_AP_ERR_TKT_EXPIRED


def test_service_ticket_is_not_a_tgt(realm, tgt):
    """A service ticket used as a TGT for another service: KRB_AP_ERR_NOT_US."""
    svc = realm.tgs(tgt, SVC)
    assert error_of(realm, realm.tgs_req(svc, "krbtgt/EXAMPLE.TEST")).code == ErrorCode.KRB_AP_ERR_NOT_US


def test_till_beyond_the_tgt_is_capped(realm, tgt):
    """A service ticket never outlives the TGT, whatever till asks."""
    svc = realm.tgs(tgt, SVC, till=0)
    assert svc.enc.endtime == tgt.enc.endtime
