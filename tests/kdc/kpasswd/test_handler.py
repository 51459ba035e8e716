"""The whole kpasswd exchange in process: a real AS exchange for kadmin/changepw (the KDC core),
then handle_kpasswd with real bytes, over the same store; the test client checks replies as MIT's does."""

from __future__ import annotations

import dataclasses

import pytest

from kdc.db.errors import StoreError
from kdc.db.model import Attr
from kdc.kpasswd.errors import ResultCode
from kdc.kpasswd.session import DIRECTIONAL_ACCEPT
from kdc.kpasswd.wire import VERSION_SETPW, build_request
from protocol.constants import AddressType, ErrorCode, TicketFlag
from protocol.principal import Principal
from tests.support.kdccore import KDCErrorReply

SUCCESS = ResultCode.KRB5_KPASSWD_SUCCESS
NEW = b"alice-new-pw"


def test_change_rekeys_and_only_the_new_password_works(realm):
    """Success: result 0 in a KRB-PRIV; kvno + 1 with the same enctypes; kinit takes the new
    password and refuses the old; bookkeeping as MIT's chpass (last change, modifier)."""
    before = realm.entry("alice")
    reply = realm.change(realm.client("alice"), NEW)
    assert (reply.code, reply.text) == (SUCCESS, "")
    after = realm.entry("alice")
    assert after.kvno == before.kvno + 1
    assert [k.enctype for k in after.keys] == [k.enctype for k in before.keys]
    assert {k.kvno for k in after.keys} == {after.kvno}
    assert (after.last_pwd_change, after.mod_princ) == (int(realm.core.now), "alice@EXAMPLE.TEST")
    assert realm.can_kinit("alice", NEW.decode())
    assert not realm.can_kinit("alice", "alice-old-pw")


def test_reply_ap_rep_echoes_subkey_and_matches_priv_seq(realm):
    """The AP-REP carries the client's subkey and our seq-number, which the reply KRB-PRIV repeats
    (what MIT's client needs to read it); its sender address is MIT's directional one by default."""
    client = realm.client("alice")
    reply = realm.change(client, NEW)
    assert reply.ap_rep.subkey == client.subkey
    assert reply.ap_rep.seq_number is not None and reply.ap_rep.seq_number < 1 << 30
    assert reply.s_address == DIRECTIONAL_ACCEPT


def test_local_address_becomes_the_reply_sender_address(realm):
    """With the listener's address known, the reply KRB-PRIV names it as s-address (as MIT's kadmind)."""
    import asyncio

    from kdc.kpasswd import handle_kpasswd
    from kdc.kpasswd.session import host_address

    client = realm.client("alice")
    local = host_address("127.0.0.1")
    reply, _ = asyncio.run(handle_kpasswd(client.request(NEW), realm.ctx, local_address=local))
    assert client.read(reply).s_address == local
    assert local.addr_type == AddressType.IPV4 and host_address("0.0.0.0") is None
    assert host_address("::1").addr_type == AddressType.IPV6


def test_expired_or_needchange_password_can_be_changed_and_is_then_cleared(realm):
    """kinit to krbtgt is refused with KEY_EXPIRED; kadmin/changepw is still reachable; the change
    clears REQUIRES_PWCHANGE and the past password expiration, so kinit works again."""
    realm.core.update("alice", attributes=Attr.REQUIRES_PRE_AUTH | Attr.REQUIRES_PWCHANGE,
                      pw_expiration=int(realm.core.now) - 86400)
    with pytest.raises(KDCErrorReply) as info:
        realm.core.kinit("alice")
    assert info.value.code == ErrorCode.KDC_ERR_KEY_EXPIRED
    assert realm.change(realm.client("alice"), NEW).code == SUCCESS
    entry = realm.entry("alice")
    assert not entry.attributes & Attr.REQUIRES_PWCHANGE and entry.pw_expiration is None
    assert realm.can_kinit("alice", NEW.decode())


@pytest.mark.parametrize("target", [None, "alice"])
def test_set_password_for_oneself(realm, target):
    """RFC 3244 set-password (0xff80) with no target, or naming oneself, changes one's own password."""
    who = realm.core.principal(target) if target else None
    reply = realm.change(realm.client("alice"), NEW, version=VERSION_SETPW, target=who)
    assert reply.code == SUCCESS
    assert realm.can_kinit("alice", NEW.decode())


def test_set_password_for_someone_else_is_access_denied(realm):
    """alice naming bob is an administrator's operation: ACCESSDENIED, bob untouched, audit names bob."""
    client = realm.client("alice")
    data = client.request(NEW, version=VERSION_SETPW, target=realm.core.principal("bob"))
    raw, audit = realm.send(data)
    reply = client.read(raw)
    assert (reply.code, reply.text) == (ResultCode.KRB5_KPASSWD_ACCESSDENIED, "Unauthorized request")
    assert realm.entry("bob").kvno == 1 and realm.can_kinit("bob", "bob-old-pw")
    assert (audit.request_type, audit.target, audit.result) == ("SETPW", "bob@EXAMPLE.TEST",
                                                                 "KRB5_KPASSWD_ACCESSDENIED")
    assert audit.detail == "Unauthorized request (target bob@EXAMPLE.TEST)"


def test_target_in_another_realm_is_access_denied(realm):
    """Naming oneself in another realm is not oneself."""
    who = Principal.parse("alice@OTHER.TEST")
    reply = realm.change(realm.client("alice"), NEW, version=VERSION_SETPW, target=who)
    assert reply.code == ResultCode.KRB5_KPASSWD_ACCESSDENIED


def test_client_of_another_realm_is_access_denied(realm):
    """A ticket whose client is from another realm (cross-realm) cannot change passwords here."""
    client = realm.forge(realm.client("alice"), crealm="OTHER.TEST")
    assert realm.change(client, NEW).code == ResultCode.KRB5_KPASSWD_ACCESSDENIED
    assert realm.entry("alice").kvno == 1


def test_ticket_without_initial_flag_is_refused(realm):
    """Changing one's own password needs an INITIAL ticket (MIT: "Ticket must be derived from a password")."""
    client = realm.client("alice")
    flags = realm.core.open_ticket(client.ticket).flags
    assert flags & TicketFlag.INITIAL
    client = realm.forge(client, flags=flags & ~TicketFlag.INITIAL)
    reply = realm.change(client, NEW)
    assert (reply.code, reply.text) == (ResultCode.KRB5_KPASSWD_INITIAL_FLAG_NEEDED,
                                        "Ticket must be derived from a password")
    assert realm.entry("alice").kvno == 1


def test_client_without_subkey_uses_the_session_key(realm):
    """With no authenticator subkey, both KRB-PRIVs are in the ticket session key."""
    client = realm.client("alice", with_subkey=False)
    reply = realm.change(client, NEW)
    assert reply.code == SUCCESS and reply.ap_rep.subkey is None


def test_weak_password_is_soft_error_and_nothing_changes(realm):
    """The quality check refuses with SOFTERROR inside the KRB-PRIV; the record is untouched."""
    client = realm.client("alice")
    before = realm.entry("alice")
    reply = realm.change(client, b"Qz7!")
    assert reply.code == ResultCode.KRB5_KPASSWD_SOFTERROR and "too short" in reply.text
    assert realm.entry("alice") == before


def _ap_error(realm, client, data: bytes):
    raw, audit = realm.send(data)
    reply = client.read(raw)
    assert reply.error is not None, "expected a KRB-ERROR without AP-REP"
    assert reply.error.sname.name_string == ("kadmin", "changepw")
    return reply, audit


def test_ticket_for_another_service_is_auth_error(realm):
    """A TGT is not a kadmin/changepw ticket: KRB-ERROR NOT_US carrying AUTHERROR in its e-data."""
    tgt = realm.core.kinit("alice")
    client = dataclasses.replace(realm.client("alice"), ticket=tgt.ticket, session_key=tgt.session_key)
    reply, audit = _ap_error(realm, client, client.request(NEW))
    assert reply.error.error_code == ErrorCode.KRB_AP_ERR_NOT_US
    assert reply.code == ResultCode.KRB5_KPASSWD_AUTHERROR
    assert audit.error_code == ErrorCode.KRB_AP_ERR_NOT_US


@pytest.mark.parametrize("shift, code", [(1000, ErrorCode.KRB_AP_ERR_SKEW),
                                         (3 * 86400, ErrorCode.KRB_AP_ERR_TKT_EXPIRED)])
def test_authenticator_outside_skew_or_expired_ticket(realm, shift, code):
    """A client clock off by more than the skew, or a ticket past its end: the AP-REQ error code."""
    client = realm.client("alice")
    if code == ErrorCode.KRB_AP_ERR_TKT_EXPIRED:
        realm.core.now += shift
    client.now += shift
    reply, _ = _ap_error(realm, client, client.request(NEW))
    assert reply.error.error_code == code
    assert realm.entry("alice").kvno == 1


def test_replayed_request_is_refused(realm):
    """The same request twice: the second is KRB_AP_ERR_REPEAT, and the password changed once."""
    client = realm.client("alice")
    data = client.request(NEW)
    assert client.read(realm.send(data)[0]).code == SUCCESS
    reply, _ = _ap_error(realm, client, data)
    assert reply.error.error_code == ErrorCode.KRB_AP_ERR_REPEAT
    assert realm.entry("alice").kvno == 2


def test_tampered_priv_is_hard_error_after_the_ap_rep(realm):
    """A flipped KRB-PRIV ciphertext byte: HARDERROR, still inside an AP-REP + KRB-PRIV reply."""
    client = realm.client("alice")
    data = bytearray(client.request(NEW))
    data[-3] ^= 1
    reply = client.read(realm.send(bytes(data))[0])
    assert reply.code == ResultCode.KRB5_KPASSWD_HARDERROR and reply.ap_rep is not None
    assert realm.entry("alice").kvno == 1


def test_priv_with_wrong_sequence_number_is_hard_error(realm):
    """The request KRB-PRIV must carry the authenticator's seq-number (MIT's DO_SEQUENCE)."""
    client = realm.client("alice")
    reply = client.read(realm.send(client.request(NEW, priv_seq=client.seq + 1))[0])
    assert reply.code == ResultCode.KRB5_KPASSWD_HARDERROR and "sequence" in reply.text


def test_undecodable_change_passwd_data_is_malformed(realm):
    """0xff80 whose KRB-PRIV user-data is not ChangePasswdData: MALFORMED."""
    client = realm.client("alice")
    reply = client.read(realm.send(client.request(NEW, version=VERSION_SETPW, setpw_data=b"\x30\x00junk"))[0])
    assert reply.code == ResultCode.KRB5_KPASSWD_MALFORMED


def test_bad_version_gets_a_framed_krb_error(realm):
    """An unknown version with a consistent length: KRB-ERROR with BAD_VERSION in its e-data."""
    client = realm.client("alice")
    good = client.request(NEW)
    bad = build_request(0x0002, good[6:6 + int.from_bytes(good[4:6], "big")], b"x")
    reply, audit = _ap_error(realm, client, bad)
    assert reply.code == ResultCode.KRB5_KPASSWD_BAD_VERSION
    assert reply.error.error_code == ErrorCode.KDC_ERR_BAD_PVNO
    assert audit.result == "KRB5_KPASSWD_BAD_VERSION"


def test_garbage_is_dropped(realm):
    """Bytes that are not framed as kpasswd get no answer at all (no reflection), and the audit says so."""
    reply, audit = realm.send(b"\x00\x10 hello there!")
    assert reply is None and audit.result == "dropped"


def test_principal_deleted_after_its_ticket_is_hard_error(realm):
    """The client vanished between kinit and kpasswd: HARDERROR, nothing is written."""
    client = realm.client("alice")
    del realm.core.store.entries[realm.core.principal("alice")]
    reply = realm.change(client, NEW)
    assert (reply.code, reply.text) == (ResultCode.KRB5_KPASSWD_HARDERROR, "Principal does not exist")


def test_missing_changepw_principal_is_auth_error(realm):
    """Without kadmin/changepw in the database no ticket can be verified: AUTHERROR KRB-ERROR."""
    client = realm.client("alice")
    del realm.core.store.entries[realm.core.principal("kadmin/changepw")]
    reply, _ = _ap_error(realm, client, client.request(NEW))
    assert reply.code == ResultCode.KRB5_KPASSWD_AUTHERROR


def test_store_failure_is_hard_error(realm, monkeypatch):
    """A database that refuses the write: HARDERROR naming the failure, for the client to retry."""
    async def refuse(entry, **kw):
        raise StoreError("database is locked")

    client = realm.client("alice")
    monkeypatch.setattr(realm.core.store, "put", refuse)
    reply = realm.change(client, NEW)
    assert reply.code == ResultCode.KRB5_KPASSWD_HARDERROR and "database is locked" in reply.text


def test_unexpected_failure_is_hard_error_without_details(realm, monkeypatch):
    """A bug (here: sealing raises) is HARDERROR to the client, the exception type only in the audit."""
    def broken(*args, **kwargs):
        raise RuntimeError("token exploded")

    client = realm.client("alice")
    monkeypatch.setattr(realm.ctx.master_key, "seal", broken)
    raw, audit = realm.send(client.request(NEW))
    reply = client.read(raw)
    assert (reply.code, reply.text) == (ResultCode.KRB5_KPASSWD_HARDERROR, "Password change failed")
    assert audit.detail == "internal error: RuntimeError"
    assert realm.entry("alice").kvno == 1


def test_audit_never_holds_the_password(realm):
    """Success and refusal audits name client, service and outcome, never the password."""
    for password in (b"Qz7!", NEW):
        client = realm.client("bob")
        _, audit = realm.send(client.request(password))
        assert audit.client == "bob@EXAMPLE.TEST" and audit.service == "kadmin/changepw@EXAMPLE.TEST"
        assert password.decode() not in repr(audit)


def test_key_derivation_goes_through_offload(realm):
    """With ``offload`` set, the key derivation runs through it (kdcd: an executor thread), once."""
    calls = []

    async def offload(fn):
        calls.append(fn)
        return fn()

    realm.ctx = dataclasses.replace(realm.ctx, offload=offload)
    assert realm.change(realm.client("alice"), NEW).code == SUCCESS
    assert len(calls) == 1 and realm.entry("alice").kvno == 2


def test_concurrent_change_is_not_lost_silently(realm):
    """If the keys change while the new ones are derived, this request is HARDERROR (try again)
    and the other change stands."""
    async def meanwhile(fn):
        result = fn()
        realm.core.rotate("alice", keep_old=False)
        return result

    realm.ctx = dataclasses.replace(realm.ctx, offload=meanwhile)
    client = realm.client("alice")
    reply = realm.change(client, NEW)
    assert reply.code == ResultCode.KRB5_KPASSWD_HARDERROR and "try again" in reply.text
    assert realm.entry("alice").kvno == 2 and not realm.can_kinit("alice", NEW.decode())


def test_logins_recorded_during_the_change_are_kept(realm):
    """kdcd records a login and a failure while the new keys are derived: the change keeps
    last_success and last_failed and clears the failure count, as kadm5_chpass_principal."""
    async def meanwhile(fn):
        result = fn()
        alice = realm.core.principal("alice")
        await realm.core.store.record_failure(alice, 1_700_000_100)
        await realm.core.store.record_success(alice, 1_700_000_200)
        return result

    realm.ctx = dataclasses.replace(realm.ctx, offload=meanwhile)
    assert realm.change(realm.client("alice"), NEW).code == SUCCESS
    e = realm.entry("alice")
    assert (e.kvno, e.fail_auth_count, e.last_failed, e.last_success) == (2, 0, 1_700_000_100, 1_700_000_200)
