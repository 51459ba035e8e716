"""The kpasswd exchange: request bytes in, reply bytes (or None) and an audit record out.

RFC 3244 section 2 and MIT's kadmind (kadmin/server/schpw.c), as a pipeline of small steps:

1. ``parse_request``: the framing. Bytes whose length field does not match are dropped
   (None), as MIT drops them; an unknown version or a truncated AP-REQ is answered.
2. gather the ``kadmin/changepw`` keys from the store, then ``session.accept``: the AP-REQ.
   Until it is accepted, every refusal is a KRB-ERROR (service ``kadmin/changepw``) whose
   e-data holds the result code and string, framed with an empty AP-REP.
3. ``open_priv``: the request KRB-PRIV; for version 0xff80 its user-data is RFC 3244
   ChangePasswdData naming the target.
4. decide: the target must be the client itself (setting another principal's password is
   an administrator's operation, refused with ACCESSDENIED); changing one's own password
   needs an INITIAL ticket (MIT: "Ticket must be derived from a password"); the password
   must pass ``policy.check_password``.
5. apply: ``kdc.keys.change_password`` builds the new record, one ``store.put`` writes it.
6. reply: AP-REP plus KRB-PRIV with the result code and string, for success and for every
   refusal after step 2.

Nothing here reads the clock or the RNG (``ctx.clock``/``ctx.rng``) or logs: the audit
record says what happened, never the password.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kdc.config import Config
from kdc.db.errors import StoreError
from kdc.db.model import StoredKey
from kdc.db.store import PrincipalStore
from kdc.exchange.context import MasterKey
from kdc.exchange.reply import build_krb_error
from kdc.keys import BOOKKEEPING_SET, KeySealer, NoKeysToChange, change_password
from kdc.kpasswd import session as sess
from kdc.kpasswd.errors import (
    AccessDenied,
    AuthError,
    HardError,
    InitialFlagNeeded,
    KpasswdError,
    Malformed,
    NotKpasswd,
    ResultCode,
)
from kdc.kpasswd.policy import DEFAULT_POLICY, PasswordPolicy, check_password
from kdc.kpasswd.wire import VERSION_SETPW, KpasswdRequest, build_reply, encode_result, parse_request
from protocol.client.ap import ServiceKey
from protocol.client.replay import ReplayCache
from protocol.constants import KRB5_CHANGEPW_NAME, NameType, TicketFlag
from protocol.crypto import Rng
from protocol.errors import DecodeError
from protocol.messages import codec
from protocol.messages.ext_types import ChangePasswdData
from protocol.messages.types import APReq, HostAddress
from protocol.principal import Principal

__all__ = ["KpasswdContext", "KpasswdAudit", "handle_kpasswd", "changepw_principal", "build_error_reply"]


class KeyStore(MasterKey, KeySealer, Protocol):
    """The part of ``kdc.masterkey.MasterKey`` kpasswd uses: the exchange's unseal and the key change's seal."""


Offload = Callable[[Callable[[], Any]], Awaitable[Any]]


@dataclass(frozen=True)
class KpasswdContext:
    """Per-process dependencies; ``replay_cache`` is the one mutable piece (RFC 4120 3.2.3).

    ``offload(fn)`` runs the key derivation (string-to-key is PBKDF2: 20-30 ms of CPU for
    the four default enctypes) away from the event loop, so the KDC sharing the process
    keeps answering meanwhile; None runs it inline.
    """

    config: Config
    store: PrincipalStore
    master_key: KeyStore
    rng: Rng
    clock: Callable[[], float]
    replay_cache: ReplayCache = field(default_factory=ReplayCache)
    policy: PasswordPolicy = DEFAULT_POLICY
    offload: Offload | None = None


@dataclass
class KpasswdAudit:
    """What happened to one request, with the attribute names the service's log event reads."""

    request_type: str = "KPASSWD"  # "KPASSWD" (version 1) or "SETPW" (0xff80)
    client: str | None = None
    service: str | None = None
    target: str | None = None
    result: str = "ok"  # "ok", "dropped" or the ResultCode name
    error_code: int | None = None  # the KRB-ERROR code, when one was sent
    detail: str | None = None


def changepw_principal(realm: str) -> Principal:
    """``kadmin/changepw@REALM``, the service kpasswd tickets are for (MIT's KRB5_CHANGEPW_NAME)."""
    return Principal(NameType.NT_SRV_INST, KRB5_CHANGEPW_NAME, realm)


async def handle_kpasswd(data: bytes, ctx: KpasswdContext, *,
                         local_address: HostAddress | None = None) -> tuple[bytes | None, KpasswdAudit]:
    """Answer one kpasswd request (RFC 3244 section 2); never raises.

    ``local_address`` is the address the request arrived on, sent as the reply KRB-PRIV's
    s-address (MIT's kadmind does the same); None sends a directional address instead.
    """
    now = ctx.clock()
    audit = KpasswdAudit(service=str(changepw_principal(ctx.config.realm)))
    try:
        return await _handle(bytes(data), ctx, now, audit, local_address), audit
    except Exception as exc:  # the one catch-all: a bug is never a traceback on the wire
        error = HardError("Internal error")
        _note(audit, error, f"internal error: {type(exc).__name__}")
        return build_error_reply(error, ctx.config.realm, now), audit


async def _handle(data: bytes, ctx: KpasswdContext, now: float, audit: KpasswdAudit,
                  local_address: HostAddress | None) -> bytes | None:
    try:
        request = parse_request(data)
    except NotKpasswd as exc:
        audit.result, audit.detail = "dropped", str(exc)
        return None
    except KpasswdError as err:
        return _refuse(err, ctx, now, audit)
    audit.request_type = "SETPW" if request.version == VERSION_SETPW else "KPASSWD"
    try:
        session = await _authenticate(request, ctx, now)
    except KpasswdError as err:
        return _refuse(err, ctx, now, audit)
    audit.client = str(session.client)
    code, text = await _change_or_refuse(request, session, ctx, now, audit)
    ap_rep = sess.build_ap_rep(session, ctx.rng)
    return build_reply(ap_rep, sess.seal_priv(session, encode_result(code, text), ctx.rng, local_address))


def _refuse(err: KpasswdError, ctx: KpasswdContext, now: float, audit: KpasswdAudit) -> bytes:
    _note(audit, err)
    audit.error_code = err.krb_code
    return build_error_reply(err, ctx.config.realm, now)


def _note(audit: KpasswdAudit, err: KpasswdError, detail: str | None = None) -> None:
    audit.result = err.result.name
    audit.detail = detail or err.text


def build_error_reply(err: KpasswdError, realm: str, now: float) -> bytes:
    """A framed KRB-ERROR (empty AP-REP): e-data = result code + string, as MIT's kadmind sends."""
    error = build_krb_error(err.krb_code, now, realm, changepw_principal(realm).name,
                            e_data=encode_result(err.result, err.text))
    return build_reply(b"", error)


async def _authenticate(request: KpasswdRequest, ctx: KpasswdContext, now: float) -> sess.Session:
    """Gather the kadmin/changepw keys the ticket may be under, then verify the AP-REQ."""
    server = changepw_principal(ctx.config.realm)
    entry = await ctx.store.get(server)
    if entry is None:
        raise AuthError(f"Failed reading application request: {server} is not in the database")
    wanted = _ticket_key_id(request.ap_req)
    keys = [ServiceKey(server, k.kvno, ctx.master_key.unseal(server, k))
            for k in entry.keys if wanted is not None and _matches(k, *wanted)]
    return sess.accept(request.ap_req, keys, server=server, now=now, skew=ctx.config.tickets.clock_skew,
                       replay_cache=ctx.replay_cache, rng=ctx.rng)


def _ticket_key_id(ap_req: bytes) -> tuple[int, int | None] | None:
    """(enctype, kvno) of the ticket: only that key is unsealed (a token call, when not cached)."""
    try:
        enc = codec.decode(ap_req, APReq).ticket.enc_part
    except DecodeError:
        return None  # accept() reports the undecodable AP-REQ
    return enc.etype, enc.kvno


def _matches(key: StoredKey, etype: int, kvno: int | None) -> bool:
    return key.enctype == etype and (kvno is None or key.kvno == kvno)


async def _change_or_refuse(request: KpasswdRequest, session: sess.Session, ctx: KpasswdContext,
                            now: float, audit: KpasswdAudit) -> tuple[ResultCode, str]:
    """Run steps 3-5; a refusal becomes its result code and string for the KRB-PRIV."""
    try:
        await _change(request, session, ctx, now, audit)
    except KpasswdError as err:
        _note(audit, err)
        if audit.target is not None and audit.target != audit.client:
            audit.detail = f"{err.text} (target {audit.target})"  # the service log shows whose
        return err.result, err.text
    except Exception as exc:  # sealing, the store: the client learns only that it failed
        _note(audit, HardError("Internal error"), f"internal error: {type(exc).__name__}")
        return ResultCode.KRB5_KPASSWD_HARDERROR, "Password change failed"
    audit.detail = "password changed"
    return ResultCode.KRB5_KPASSWD_SUCCESS, ""


async def _change(request: KpasswdRequest, session: sess.Session, ctx: KpasswdContext, now: float,
                  audit: KpasswdAudit) -> None:
    user_data = sess.open_priv(session, request.priv)
    target, password = parse_user_data(request.version, user_data, session.client)
    audit.target = str(target)
    check_authorised(session, target, ctx.config.realm)
    text = check_password(password, ctx.policy)
    entry = await ctx.store.get(target)
    if entry is None:
        raise HardError("Principal does not exist")
    try:
        new = await _run(ctx, lambda: change_password(entry, text, ctx.master_key, now=int(now),
                                                      by=str(session.client)))
        await _put_unless_changed(ctx, entry, new)
    except NoKeysToChange:
        raise HardError("Principal has no keys to change") from None
    except StoreError as exc:
        raise HardError(f"Password change failed: {exc}") from None


async def _run(ctx: KpasswdContext, fn: Callable[[], Any]) -> Any:
    return await ctx.offload(fn) if ctx.offload is not None else fn()


async def _put_unless_changed(ctx: KpasswdContext, old: Any, new: Any) -> None:
    """Write ``new`` unless the keys changed while it was derived (another kpasswd or kdcadmin):
    then the client is told to retry rather than have one of two changes silently lost."""
    current = await ctx.store.get(old.principal)
    if current is None or (current.kvno, current.keys) != (old.kvno, old.keys):
        raise HardError("The password was changed at the same time by another request; try again")
    await ctx.store.put(new, bookkeeping=BOOKKEEPING_SET)


def parse_user_data(version: int, user_data: bytes, client: Principal) -> tuple[Principal, bytes]:
    """(target, new password) of the KRB-PRIV user-data (RFC 3244 section 2).

    Version 1: the user-data is the password and the target the client. Version 0xff80:
    ChangePasswdData; no targname means the client; targrealm defaults to the client's.
    """
    if version != VERSION_SETPW:
        return client, user_data
    try:
        data = codec.decode(user_data, ChangePasswdData)
    except DecodeError:
        raise Malformed("Failed decoding ChangePasswdData") from None
    if data.targname is None:
        return client, data.newpasswd
    try:
        target = Principal.from_name(data.targname, data.targrealm or client.realm)
    except ValueError:
        raise Malformed("ChangePasswdData names no principal") from None
    return target, data.newpasswd


def check_authorised(session: sess.Session, target: Principal, realm: str) -> None:
    """Only one's own password, in this realm, with an INITIAL ticket (MIT's schpw_util_wrapper).

    Setting another principal's password needs kadmin rights, which kpasswd never grants.
    """
    if target != session.client or session.client.realm != realm:
        raise AccessDenied("Unauthorized request")
    if not session.ticket_flags & TicketFlag.INITIAL:
        raise InitialFlagNeeded("Ticket must be derived from a password")
