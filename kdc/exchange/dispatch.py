"""The dispatcher: request bytes in, reply bytes (or None) and an Audit out; never raises.

RFC 4120 section 7.2 and MIT krb5kdc's dispatch(): the APPLICATION tag picks the exchange;
a Kerberos message that is not a KDC request gets KRB_AP_ERR_MSG_TYPE; bytes that are not
Kerberos at all are dropped (None); an undecodable request gets KRB_ERR_GENERIC (or
KDC_ERR_BAD_PVNO for a protocol version other than 5, as MIT's decoder reports); and any
unexpected exception becomes KRB_ERR_GENERIC with the reason in the audit record, never a
traceback on the wire. Only here do exceptions become KRB-ERROR bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from protocol.constants import PVNO, ApplicationTag, ErrorCode, MessageType
from protocol.errors import DecodeError
from protocol.messages import KDCReq, decode, peek_application_tag
from protocol.principal import Principal

from kdc.exchange.as_req import handle_as
from kdc.exchange.audit import Audit
from kdc.exchange.context import KDCContext, MasterKey
from kdc.exchange.errors import KDCError, WrongRealm
from kdc.exchange.names import name_text
from kdc.exchange.reply import build_krb_error, render_error
from kdc.exchange.tgs_req import handle_tgs

__all__ = ["KDCContext", "MasterKey", "Audit", "handle_request", "build_error_reply"]

Handler = Callable[[KDCReq, bytes, KDCContext, float, Audit], Awaitable[bytes]]

_KERBEROS_TAGS = frozenset(int(t) for t in ApplicationTag)

# APPLICATION tag -> (audit request_type, handler); the decoder makes msg-type equal the tag.
_HANDLERS: dict[int, tuple[str, Handler]] = {
    int(MessageType.KRB_AS_REQ): ("AS", handle_as),
    int(MessageType.KRB_TGS_REQ): ("TGS", handle_tgs),
}


async def handle_request(data: bytes, ctx: KDCContext) -> tuple[bytes | None, Audit]:
    """Process one KDC request (RFC 4120 sections 3.1, 3.3); returns (reply or None, audit)."""
    now = ctx.clock()
    audit = Audit()
    try:
        with ctx.store.request_scope():
            return await _dispatch(data, ctx, now, audit), audit
    except Exception as exc:  # the one catch-all: a bug must never become a traceback on the wire
        _fail(audit, ErrorCode.KRB_ERR_GENERIC, f"internal error: {type(exc).__name__}: {exc}"[:200])
        return _safe_error(ErrorCode.KRB_ERR_GENERIC, ctx, now), audit


async def _dispatch(data: bytes, ctx: KDCContext, now: float, audit: Audit) -> bytes | None:
    try:
        tag = peek_application_tag(data)
    except DecodeError:
        tag = None
    found = _HANDLERS.get(tag)  # type: ignore[arg-type]
    if found is None:
        return _not_a_request(tag, ctx, now, audit)
    audit.request_type, handler = found
    try:
        req = decode(data, KDCReq)
    except DecodeError as exc:
        # The decoder refuses pvno != 5; _undecodable tells that case apart (BAD_PVNO).
        return _undecodable(data, exc, ctx, now, audit)
    return await _run(handler, req, data, ctx, now, audit)


async def _run(handler: Handler, req: KDCReq, data: bytes, ctx: KDCContext, now: float, audit: Audit) -> bytes:
    body = req.req_body
    audit.requested_etypes = tuple(body.etype)
    audit.service = _name_text(body.sname, body.realm)
    audit.client = _name_text(body.cname, body.realm)
    try:
        if body.realm != ctx.config.realm:
            # No cross-realm referrals yet: MIT's dispatch() answers WRONG_REALM too.
            raise WrongRealm("WRONG_REALM", detail=f"realm {body.realm!r} is not served here")
        return await handler(req, data, ctx, now, audit)
    except KDCError as err:
        _fail(audit, err.code, err.detail)
        sname = body.sname if body.sname is not None else Principal.krbtgt(ctx.config.realm).name
        return render_error(err, now, body.realm, sname, _client_of(body))


def _client_of(body) -> Principal | None:
    """The request's client for the KRB-ERROR's cname, when it names one that parses."""
    try:
        return Principal.from_name(body.cname, body.realm) if body.cname is not None else None
    except ValueError:  # PrincipalParseError: an empty name-string
        return None


def _not_a_request(tag: int | None, ctx: KDCContext, now: float, audit: Audit) -> bytes | None:
    """RFC 4120 7.2.1: non-Kerberos bytes are dropped; other Kerberos messages get MSG_TYPE."""
    if tag is None or tag not in _KERBEROS_TAGS:
        _fail(audit, None, "not a Kerberos message; dropped")
        return None
    _fail(audit, ErrorCode.KRB_AP_ERR_MSG_TYPE, f"APPLICATION {tag} is not a KDC request")
    return _safe_error(ErrorCode.KRB_AP_ERR_MSG_TYPE, ctx, now)


def _undecodable(data: bytes, exc: DecodeError, ctx: KDCContext, now: float, audit: Audit) -> bytes:
    code = ErrorCode.KDC_ERR_BAD_PVNO if _claims_other_pvno(data) else ErrorCode.KRB_ERR_GENERIC
    _fail(audit, code, f"undecodable request: {exc}"[:200])
    return _safe_error(code, ctx, now)


def _claims_other_pvno(data: bytes) -> bool:
    """True when the request's first field is ``pvno [1] INTEGER`` with a value other than 5.

    MIT's decoder reports KDC_ERR_BAD_PVNO for such requests; ours only sees a DecodeError.
    Looks at the fixed prefix only: [APPLICATION n] len SEQUENCE len [1] len INTEGER 1 v.
    """
    try:
        i = _skip_header(data, 0)
        i = _skip_header(data, i)
        if data[i] != 0xA1:
            return False
        i = _skip_header(data, i)
        return data[i] == 0x02 and data[i + 1] == 1 and data[i + 2] != PVNO
    except IndexError:
        return False


def _skip_header(data: bytes, i: int) -> int:
    length = data[i + 1]
    return i + 2 + (length & 0x7F if length & 0x80 else 0)


def _fail(audit: Audit, code: ErrorCode | int | None, detail: str | None) -> None:
    audit.result = ErrorCode(code).name if code is not None else "dropped"
    audit.error_code = int(code) if code is not None else None
    audit.detail = detail


def _name_text(name, realm: str) -> str | None:
    if name is None:
        return None
    try:
        return name_text(name.name_string, realm, name.name_type)
    except Exception:  # an empty name-string in a hostile request: audit what we can
        return repr(tuple(name.name_string))[:200]


def _safe_error(code: ErrorCode, ctx: KDCContext, now: float) -> bytes | None:
    try:
        return build_error_reply(code, ctx, now=now)
    except Exception:
        return None


def build_error_reply(
    code: ErrorCode,
    ctx: KDCContext,
    request: bytes | None = None,
    e_text: str | None = None,
    *,
    now: float | None = None,
) -> bytes:
    """A KRB-ERROR for the transport (e.g. KRB_ERR_RESPONSE_TOO_BIG, RFC 4120 section 7.2.1).

    When ``request`` decodes as a KDC request, its realm, sname and cname are echoed, as
    MIT does; otherwise the realm's krbtgt is named as the service.
    """
    when = ctx.clock() if now is None else now
    realm, sname, client = ctx.config.realm, Principal.krbtgt(ctx.config.realm).name, None
    if request is not None:
        try:
            body = decode(request, KDCReq).req_body
            realm = body.realm
            sname = body.sname or sname
            client = _client_of(body)
        except Exception:
            pass
    return build_krb_error(code, when, realm, sname, client=client, e_text=e_text)
