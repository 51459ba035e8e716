"""The dispatcher: the one place requests become replies and exceptions become KRB-ERRORs."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kdc.exchange.dispatch import build_error_reply, handle_request
from protocol.constants import ErrorCode, MessageType
from protocol.messages import APRep, EncryptedData, KDCRep, KRBError, decode, encode
from tests.support.kdccore import T0, CoreRealm, FakeStore


def run(realm, data):
    return asyncio.run(handle_request(data, realm.ctx))


def krb_error(reply: bytes) -> KRBError:
    return decode(reply, KRBError)


def test_garbage_is_dropped():
    """Bytes that are not a Kerberos message get no answer (RFC 4120 7.2.1), and an audit saying so."""
    reply, audit = run(CoreRealm(), b"GET / HTTP/1.0\r\n\r\n")
    assert reply is None and audit.result == "dropped"


def test_other_kerberos_message_is_msg_type():
    """A well-formed Kerberos message that is not a KDC request: KRB_AP_ERR_MSG_TYPE."""
    realm = CoreRealm()
    reply, audit = run(realm, encode(APRep(EncryptedData(18, b"x" * 40))))
    err = krb_error(reply)
    assert err.error_code == ErrorCode.KRB_AP_ERR_MSG_TYPE and audit.request_type == "unknown"
    assert err.realm == "EXAMPLE.TEST" and err.sname.name_string == ("krbtgt", "EXAMPLE.TEST") and err.stime == T0


def test_truncated_request_is_generic():
    """An AS-REQ cut short does not decode: KRB_ERR_GENERIC, request type still known."""
    realm = CoreRealm()
    data = realm.as_req("alice")
    reply, audit = run(realm, data[:-5])
    assert krb_error(reply).error_code == ErrorCode.KRB_ERR_GENERIC
    assert audit.request_type == "AS" and audit.error_code == ErrorCode.KRB_ERR_GENERIC


def test_other_pvno_is_bad_pvno():
    """A request claiming protocol version 4 gets KDC_ERR_BAD_PVNO, as MIT's decoder reports."""
    realm = CoreRealm()
    data = bytearray(realm.as_req("alice"))
    i = data.index(bytes([0xA1, 0x03, 0x02, 0x01, 0x05]))
    data[i + 4] = 4
    reply, _ = run(realm, bytes(data))
    assert krb_error(reply).error_code == ErrorCode.KDC_ERR_BAD_PVNO


def test_wrong_realm():
    """A request for a realm we do not serve: KDC_ERR_WRONG_REALM (no referrals yet)."""
    realm = CoreRealm()
    other = CoreRealm(realm="OTHER.TEST")
    reply, _ = run(realm, other.as_req("alice"))
    assert krb_error(reply).error_code == ErrorCode.KDC_ERR_WRONG_REALM


class ExplodingStore(FakeStore):
    async def get(self, principal):
        raise RuntimeError("database on fire")


def test_unexpected_exception_becomes_generic_with_audit_detail():
    """A bug below the dispatcher is KRB_ERR_GENERIC on the wire and the reason in the audit, never raised."""
    realm = CoreRealm()
    realm.ctx = dataclasses.replace(realm.ctx, store=ExplodingStore())
    reply, audit = run(realm, realm.as_req("alice"))
    err = krb_error(reply)
    assert err.error_code == ErrorCode.KRB_ERR_GENERIC and "database on fire" not in (err.e_text or "")
    assert audit.result == "KRB_ERR_GENERIC" and "database on fire" in audit.detail


def test_audit_of_a_success_names_enctypes():
    """A successful AS exchange is audited with client, service and the chosen enctypes, no key material."""
    realm = CoreRealm()
    realm.add_user("alice", "secret")
    key = realm.user_key("alice", 17)
    reply, audit = run(realm, realm.as_req("alice", etypes=(17, 18), padata=(realm.enc_timestamp(key),)))
    assert decode(reply, KDCRep).msg_type == MessageType.KRB_AS_REP
    assert (audit.request_type, audit.client, audit.service) == ("AS", "alice@EXAMPLE.TEST", "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST")
    assert (audit.requested_etypes, audit.reply_etype, audit.session_etype, audit.ticket_etype) == ((17, 18), 17, 17, 20)
    assert audit.result == "ok" and audit.error_code is None
    assert "secret" not in repr(audit)


def test_audit_of_a_wrong_password():
    """A failed pre-authentication is audited with its code and a short operator reason."""
    realm = CoreRealm()
    realm.add_user("alice", "secret")
    bad = realm.user_key("alice", 18, password="nope")
    _, audit = run(realm, realm.as_req("alice", padata=(realm.enc_timestamp(bad),)))
    assert audit.result == "KDC_ERR_PREAUTH_FAILED" and audit.error_code == 24 and "wrong key" in audit.detail


def test_build_error_reply_echoes_the_request():
    """build_error_reply (for RESPONSE_TOO_BIG) names the request's realm, service and client."""
    realm = CoreRealm()
    data = realm.as_req("alice", "host/x.example.test")
    err = krb_error(build_error_reply(ErrorCode.KRB_ERR_RESPONSE_TOO_BIG, realm.ctx, data))
    assert err.error_code == ErrorCode.KRB_ERR_RESPONSE_TOO_BIG and err.stime == T0
    assert err.sname.name_string == ("host", "x.example.test") and err.cname.name_string == ("alice",)
    bare = krb_error(build_error_reply(ErrorCode.KRB_ERR_FIELD_TOOLONG, realm.ctx, b"junk", e_text="too long"))
    assert bare.realm == "EXAMPLE.TEST" and bare.e_text == "too long"


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data):
    """For arbitrary bytes: a reply that is a KRB-ERROR or nothing, and an audit; never an exception."""
    realm = _FUZZ_REALM
    reply, audit = asyncio.run(handle_request(data, realm.ctx))
    assert audit.result != "ok"
    if reply is not None:
        assert krb_error(reply).error_code > 0
    _assert_no_internal_error(audit)


def _assert_no_internal_error(audit):
    """The catch-all is for bugs: every refusal a request can provoke has its own KDCError."""
    assert not (audit.detail or "").startswith("internal error"), audit.detail


@settings(max_examples=200)
@given(st.data())
def test_mutated_requests_never_raise(data):
    """Valid AS and TGS requests with bytes flipped, cut or inserted: a reply or nothing, never an exception."""
    base = data.draw(st.sampled_from(_FUZZ_REQUESTS))
    pos = data.draw(st.integers(0, len(base) - 1))
    op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
    byte = data.draw(st.integers(0, 255))
    if op == "flip":
        mutated = base[:pos] + bytes([base[pos] ^ (byte or 1)]) + base[pos + 1:]
    elif op == "cut":
        mutated = base[:pos]
    else:
        mutated = base[:pos] + bytes([byte]) + base[pos:]
    reply, audit = asyncio.run(handle_request(mutated, _FUZZ_REALM.ctx))
    assert reply is None or isinstance(reply, bytes)
    assert audit.request_type in ("AS", "TGS", "unknown")
    _assert_no_internal_error(audit)


_ODD_ETYPES = st.sampled_from([1, 3, 16, 17, 18, 19, 20, 23, 24, 25, 26, 0, -1, 9999, 2**31 - 1])
# Mostly ordinary values, so that requests often get past the early checks to the odd part.
_ODD_TIMES = st.sampled_from([None] * 8 + [0, T0 - 86400, T0, T0 + 600, T0 + 30 * 86400, 2**31 - 1, 253402300799])
_ODD_OPTIONS = st.sampled_from([0] * 6 + [0x40000000, 0x10000000, 0x00800000, 0x8, 0x2, 0x1, 0x10, 0x00000020])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_well_formed_requests_with_odd_fields_never_hit_the_catch_all(data):
    """Requests that decode and authenticate but carry odd values (subkeys of any enctype and
    length, timestamps or enc-authorization-data in any enctype, any options, times and
    enctype lists, a service ticket or a TGT as second ticket) always get a specific
    KRB-ERROR or a reply, never the internal-error catch-all."""
    from protocol.messages import EncryptionKey, PAData

    realm, tgt, svc, bob_tgt = _ODD_REALM
    etypes = tuple(data.draw(st.lists(_ODD_ETYPES, max_size=3))) + data.draw(st.sampled_from([(18,), ()]))
    etypes = etypes or (18,)
    options = data.draw(_ODD_OPTIONS) if data.draw(st.integers(0, 9)) else data.draw(st.integers(0, 2**32 - 1))
    times = dict(till=data.draw(_ODD_TIMES), rtime=data.draw(_ODD_TIMES), from_=data.draw(_ODD_TIMES))
    if data.draw(st.booleans()):
        etype = data.draw(_ODD_ETYPES)
        cipher = data.draw(st.binary(max_size=80))
        pa = PAData(2, encode(EncryptedData(etype, cipher)))
        request = realm.as_req(data.draw(st.sampled_from(["alice", "host/server.example.test"])),
                               etypes=etypes, options=options, padata=(pa,), **times)
    else:
        subkey = None
        if data.draw(st.booleans()):
            subkey = EncryptionKey(data.draw(_ODD_ETYPES), data.draw(st.binary(max_size=40)))
        ead = None
        if data.draw(st.integers(0, 3)) == 0:
            ead = EncryptedData(data.draw(_ODD_ETYPES), data.draw(st.binary(max_size=60)))
        second = data.draw(st.sampled_from([None, None, (bob_tgt.ticket,), (svc.ticket,)]))
        server = data.draw(st.sampled_from(["host/server.example.test", "krbtgt/EXAMPLE.TEST", "bob"]))
        request = realm.tgs_req(data.draw(st.sampled_from([tgt, svc])), server, options=options, etypes=etypes,
                                subkey=subkey, enc_authorization_data=ead, additional_tickets=second, **times)
    reply, audit = asyncio.run(handle_request(request, realm.ctx))
    assert reply is not None
    _assert_no_internal_error(audit)


def _odd_realm():
    realm = CoreRealm()
    realm.add_user("alice", "secret")
    realm.add_user("bob", "pw")
    realm.add_service("host/server.example.test")
    tgt = realm.kinit("alice", options=0x40000000 | 0x10000000 | 0x00800000 | 0x04000000, rtime=T0 + 3 * 86400)
    return realm, tgt, realm.tgs(tgt, "host/server.example.test"), realm.kinit("bob", "pw")


_ODD_REALM = _odd_realm()


def _fuzz_realm():
    realm = CoreRealm()
    realm.add_user("alice", "secret")
    realm.add_service("host/server.example.test")
    tgt = realm.kinit("alice")
    requests = [
        realm.as_req("alice"),
        realm.as_req("alice", padata=(realm.enc_timestamp(realm.user_key("alice", 18)),)),
        realm.tgs_req(tgt, "host/server.example.test"),
    ]
    return realm, requests


_FUZZ_REALM, _FUZZ_REQUESTS = _fuzz_realm()


class LockedStore(FakeStore):
    async def record_success(self, principal, when):
        from kdc.db.errors import DatabaseLocked

        raise DatabaseLocked("database is locked")


def test_a_failed_bookkeeping_write_does_not_refuse_a_login():
    """If recording last_success fails (database locked), the AS-REP is still sent and the audit says why."""
    realm = CoreRealm(store=LockedStore())
    realm.add_user("alice", "secret")
    reply, audit = run(realm, realm.as_req("alice", padata=(realm.enc_timestamp(realm.user_key("alice", 18)),)))
    assert decode(reply, KDCRep).msg_type == MessageType.KRB_AS_REP
    assert audit.result == "ok" and "locked" in audit.detail


def test_error_for_a_request_with_an_empty_client_name():
    """A client name with no components is C_PRINCIPAL_UNKNOWN, not an internal error."""
    from protocol.messages import PrincipalName

    realm = CoreRealm()
    reply, audit = run(realm, realm.as_req("alice", cname=PrincipalName(1, ())))
    err = krb_error(reply)
    assert err.error_code == ErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN and err.cname is None


def test_every_lookup_of_a_request_happens_in_one_store_request_scope():
    """handle_request opens one request_scope around the whole exchange: every get of a TGS
    request (header TGT server, service, client) runs inside it, and it is closed afterwards."""
    import contextlib

    class ScopedStore(FakeStore):
        def __init__(self):
            super().__init__()
            self.depth, self.scopes, self.gets_in_scope = 0, 0, []

        @contextlib.contextmanager
        def request_scope(self):
            self.depth += 1
            self.scopes += 1
            try:
                yield
            finally:
                self.depth -= 1

        async def get(self, principal):
            self.gets_in_scope.append(self.depth)
            return await super().get(principal)

    realm = CoreRealm(store=ScopedStore())
    realm.add_user("alice", "secret")
    realm.add_service("host/a.test")
    tgt = realm.kinit("alice")
    store = realm.store
    store.scopes, store.gets_in_scope = 0, []
    reply, audit = run(realm, realm.tgs_req(tgt, "host/a.test"))
    assert audit.result == "ok" and store.scopes == 1 and store.depth == 0
    assert store.gets_in_scope == [1, 1, 1]


class FailingStore(FakeStore):
    """A store whose get raises ``error`` from the ``fail_from``-th call on (earlier ones answer)."""

    def __init__(self, error, fail_from=1):
        super().__init__()
        self.error, self.fail_from = error, fail_from
        self.armed = False

    async def get(self, principal):
        if self.armed and self.gets + 1 >= self.fail_from:
            self.gets += 1
            raise self.error
        return await super().get(principal)


def _store_errors():
    from kdc.db.errors import DatabaseCorrupt, DatabaseLocked, StoreError

    return [DatabaseLocked("database /x is locked by another process (database is locked)"),
            DatabaseCorrupt("database /x is damaged or not a database"), StoreError("database /x: disk I/O error")]


@pytest.mark.parametrize("error", _store_errors(), ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("fail_from", [1, 2])
def test_store_failure_in_as_is_svc_unavailable(error, fail_from):
    """A store that cannot answer the client (1st get) or server (2nd get) lookup of an AS-REQ:
    KDC_ERR_SVC_UNAVAILABLE (MIT's answer to KRB5_KDB_CANTLOCK_DB, on which clients try the
    next KDC), with the store's reason in the audit, not the internal-error catch-all."""
    realm = CoreRealm(store=FailingStore(error, fail_from))
    realm.add_user("alice", "secret")
    data = realm.as_req("alice", padata=(realm.enc_timestamp(realm.user_key("alice", 18)),))
    realm.store.armed = True
    reply, audit = run(realm, data)
    assert krb_error(reply).error_code == ErrorCode.KDC_ERR_SVC_UNAVAILABLE
    assert audit.result == "KDC_ERR_SVC_UNAVAILABLE" and audit.detail == f"principal store: {error}"


@pytest.mark.parametrize("fail_from", [1, 2, 3])
def test_store_failure_in_tgs_is_svc_unavailable(fail_from):
    """Each lookup of a TGS-REQ (TGT server, service, client) failing in the store: SVC_UNAVAILABLE."""
    from kdc.db.errors import DatabaseLocked

    realm = CoreRealm(store=FailingStore(DatabaseLocked("database /x is locked"), fail_from))
    realm.add_user("alice", "secret")
    realm.add_service("host/a.test")
    tgt = realm.kinit("alice")
    data = realm.tgs_req(tgt, "host/a.test")
    realm.store.gets, realm.store.armed = 0, True
    reply, audit = run(realm, data)
    assert krb_error(reply).error_code == ErrorCode.KDC_ERR_SVC_UNAVAILABLE
    assert "locked" in audit.detail


class BrokenMasterKey:
    def __init__(self, error):
        self.error = error

    def unseal(self, principal, stored):
        raise self.error


def test_master_key_failure_is_svc_unavailable():
    """A master key that cannot unseal (token gone, key version missing, blob failing its tag):
    SVC_UNAVAILABLE in AS and TGS, the reason (and its type) in the audit, no key material."""
    from kdc.masterkey import MasterKeyError, SealedKeyIntegrityError

    realm = CoreRealm()
    realm.add_user("alice", "secret")
    tgt = realm.kinit("alice")
    as_data = realm.as_req("alice", padata=(realm.enc_timestamp(realm.user_key("alice", 18)),))
    tgs_data = realm.tgs_req(tgt, "krbtgt/EXAMPLE.TEST")
    for error in (MasterKeyError("master key version 2 (used by alice) is not in the token"),
                  SealedKeyIntegrityError("sealed key of alice kvno 1 failed authentication")):
        realm.ctx = dataclasses.replace(realm.ctx, master_key=BrokenMasterKey(error))
        for data in (as_data, tgs_data):
            reply, audit = run(realm, data)
            assert krb_error(reply).error_code == ErrorCode.KDC_ERR_SVC_UNAVAILABLE
            assert audit.detail == f"master key: {type(error).__name__}: {error}"
