"""The service-side dispatcher: request bytes in, reply bytes out, one log event each.

Transports hand every whole request here. The dispatcher answers retransmissions from the
lookaside cache, otherwise runs the pure exchange (``handle_request`` of
``kdc.exchange.dispatch``, passed in as ``handler``), then logs one structlog event per
request (``kdc.as_req``, ``kdc.tgs_req`` or ``kdc.request``). It never raises: a handler
that does anyway gets KRB_ERR_GENERIC on the wire and an error event in the log (DESIGN.md
principle 5), never a traceback and never a dead daemon.
"""

from __future__ import annotations

import asyncio
import time
import types
from collections.abc import Awaitable, Callable, Generator
from enum import Enum
from typing import Any

from kdc.logging import info_filtered, info_writer
from kdc.service.lookaside import LookasideCache, request_digest
from protocol.constants import EncType, ErrorCode, MessageType

_perf_counter = time.perf_counter
_CoroutineType = types.CoroutineType

Handler = Callable[[bytes], Awaitable[tuple[bytes | None, Any]]]
ErrorReply = Callable[[ErrorCode, bytes | None], bytes]

# A request may list a thousand enctypes; the log keeps the first few and the count.
MAX_LOGGED_ETYPES = 16

_EVENT_BY_TYPE = {MessageType.KRB_AS_REQ: "kdc.as_req", MessageType.KRB_TGS_REQ: "kdc.tgs_req"}
_EVENT_BY_TEXT = {"AS": "kdc.as_req", "TGS": "kdc.tgs_req"}


_EVENT_BY_REQUEST_TYPE: dict[Any, str] = {}  # event_name's answers, a bounded table


def event_name(request_type: Any) -> str:
    """``kdc.as_req``, ``kdc.tgs_req`` or ``kdc.request`` for an audit's request type.

    Accepts the exchange's "AS"/"TGS", RFC spellings ("AS-REQ") and MessageType values.
    """
    name = _EVENT_BY_REQUEST_TYPE.get(request_type) if type(request_type) in (str, int) else None
    if name is None:
        name = _event_name(request_type)
        if type(request_type) in (str, int) and len(_EVENT_BY_REQUEST_TYPE) < 256:
            _EVENT_BY_REQUEST_TYPE[request_type] = name
    return name


def _event_name(request_type: Any) -> str:
    if isinstance(request_type, int):
        try:
            return _EVENT_BY_TYPE.get(MessageType(request_type), "kdc.request")
        except ValueError:
            return "kdc.request"
    text = str(request_type or "").upper().replace("-", "_").removeprefix("KRB_")
    return _EVENT_BY_TEXT.get(text.removesuffix("_REQ"), "kdc.request")


_ETYPE_NAMES = {int(e): e.name.lower().replace("_", "-") for e in EncType}
_ERROR_NAMES = {int(c): c.name for c in ErrorCode}


def _etype_name(etype: Any) -> Any:
    return _ETYPE_NAMES.get(etype, etype)


_ETYPE_LISTS: dict[tuple[Any, ...], list[Any]] = {}  # the few lists clients send, bounded


def _etype_list(etypes: Any) -> list[Any]:
    if type(etypes) is tuple:
        shown = _ETYPE_LISTS.get(etypes)
        if shown is not None:
            return list(shown)
    etypes = list(etypes)
    shown = [_ETYPE_NAMES.get(e, e) for e in etypes[:MAX_LOGGED_ETYPES]]
    if len(etypes) > MAX_LOGGED_ETYPES:
        shown.append(f"... {len(etypes)} in all")
    elif len(_ETYPE_LISTS) < 256 and all(type(e) is int for e in etypes):
        _ETYPE_LISTS[tuple(etypes)] = list(shown)
    return shown


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar: enums by name, principals and the like as text."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, Enum):
        return value.name
    return str(value)


def audit_fields(audit: Any) -> dict[str, Any]:
    """The event fields of an Audit record (any object with Audit's attribute names)."""
    etypes = getattr(audit, "requested_etypes", None)
    code = getattr(audit, "error_code", None)
    names = _ETYPE_NAMES
    return {
        "request_type": _text(getattr(audit, "request_type", None)),
        "client": _text(getattr(audit, "client", None)),
        "service": _text(getattr(audit, "service", None)),
        "requested_etypes": _etype_list(etypes) if etypes is not None else None,
        "reply_etype": _name_of(names, getattr(audit, "reply_etype", None)),
        "ticket_etype": _name_of(names, getattr(audit, "ticket_etype", None)),
        "session_etype": _name_of(names, getattr(audit, "session_etype", None)),
        "result": _text(getattr(audit, "result", None)),
        "error_code": None if code is None else _ERROR_NAMES.get(code) or _plain(code),
        "detail": _text(getattr(audit, "detail", None)),
    }


def request_fields(audit: Any, peer: str, transport: str, source: str, request_bytes: int,
                   reply: bytes | None, duration_ms: float) -> dict[str, Any]:
    """A request event's fields: ``audit_fields(audit)`` (result "dropped" when there is no
    reply and the audit names no result) followed by the service's own.
    ``plain_request_fields`` is the same event in one step, for the usual audit."""
    fields = audit_fields(audit)
    if reply is None and fields["result"] is None:
        fields["result"] = "dropped"
    fields["peer"] = peer
    fields["transport"] = transport
    fields["source"] = source
    fields["request_bytes"] = request_bytes
    fields["reply_bytes"] = 0 if reply is None else len(reply)
    fields["duration_ms"] = duration_ms
    return fields


_TEXT_TYPES = frozenset({str, type(None)})


def plain_request_fields(audit: Any, peer: str, transport: str, source: str, request_bytes: int,
                         reply: bytes | None, duration_ms: float) -> dict[str, Any] | None:
    """``request_fields`` built in one dict display, for the usual audit: all of Audit's
    attributes, its text exactly ``str`` or None, its enctype lists, enctypes and error code
    ones the tables name. None for any other audit.

    Every value of the fields returned is then an exact str, int, float or None, or a list
    of str and int, which lets the log renderer skip its per-value walk.
    """
    try:
        request_type, client, service = audit.request_type, audit.client, audit.service
        result, code, detail = audit.result, audit.error_code, audit.detail
        etypes = list(_ETYPE_LISTS[audit.requested_etypes])
        reply_etype = _ETYPE_NAMES[audit.reply_etype] if audit.reply_etype is not None else None
        ticket_etype = _ETYPE_NAMES[audit.ticket_etype] if audit.ticket_etype is not None else None
        session_etype = _ETYPE_NAMES[audit.session_etype] if audit.session_etype is not None else None
        error_code = _ERROR_NAMES[code] if code is not None else None
    except (AttributeError, KeyError, TypeError):  # TypeError: an unhashable value
        return None
    if not (_TEXT_TYPES.issuperset(map(type, (request_type, client, service, result, detail,
                                               peer, transport, source)))
            and type(request_bytes) is int and type(duration_ms) is float):
        return None
    return {
        "request_type": request_type, "client": client, "service": service,
        "requested_etypes": etypes, "reply_etype": reply_etype, "ticket_etype": ticket_etype,
        "session_etype": session_etype,
        "result": "dropped" if reply is None and result is None else result,
        "error_code": error_code, "detail": detail,
        "peer": peer, "transport": transport, "source": source,
        "request_bytes": request_bytes, "reply_bytes": 0 if reply is None else len(reply),
        "duration_ms": duration_ms,
    }


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else _plain(value)


def _name_of(names: dict[int, str], value: Any) -> Any:
    try:
        return names.get(value, value)
    except TypeError:  # unhashable: shown as it is, as before
        return value


class Dispatcher:
    """Runs requests through the lookaside cache and the handler, and logs each one."""

    def __init__(self, handler: Handler, error_reply: ErrorReply, *, logger: Any,
                 lookaside: LookasideCache | None = None) -> None:
        self._handler = handler
        self._error_reply = error_reply
        self._log = logger
        # The request event straight to kdcd's JSON renderer and stream when ``logger`` is
        # the one configure_logging made (same line, same redaction), else logger.info.
        self._write_info = info_writer(logger)
        # At a level above info the request event is never built (nothing would be written).
        self._log_requests = not info_filtered(logger)
        self.lookaside = lookaside if lookaside is not None else LookasideCache(0)
        # Requests being answered that had to wait; a future only once a duplicate waits
        # for the answer. A request answered without waiting never appears here: no other
        # request can run meanwhile.
        self._pending: dict[bytes, asyncio.Future[tuple[bytes | None, Any]] | None] = {}
        self.in_flight = 0  # requests that had to wait and are not answered yet
        self._idle = asyncio.Event()
        self._idle.set()

    def error_reply(self, code: ErrorCode, request: bytes | None = None) -> bytes | None:
        """A KRB-ERROR with ``code`` answering ``request``, or None if none can be built."""
        try:
            return self._error_reply(code, request)
        except Exception:
            self._log.exception("kdc.error_reply_failed", error_code=code.name)
            return None

    async def dispatch(self, data: bytes, peer: str, transport: str) -> bytes | None:
        """The reply to ``data`` (None: send nothing); logs one event; never raises."""
        finished, value = self.dispatch_now(data, peer, transport)
        return value if finished else await value

    def dispatch_now(self, data: bytes, peer: str, transport: str) -> tuple[bool, Any]:
        """``dispatch`` run up to the handler's first wait: ``(True, reply)`` when the request
        was answered (and logged) without waiting, else ``(False, coroutine)`` whose result
        is the reply; awaiting that coroutine finishes the request exactly as ``dispatch``.

        With the SQLite store no request ever waits, so the usual request costs no
        coroutine of the dispatcher's own and no asyncio or Twisted machinery at all.
        Raises only what the handler raised that is not an Exception (as ``dispatch``).
        """
        started = _perf_counter()
        digest = request_digest(data)
        cached = self.lookaside.get(digest)
        if cached is not None:
            reply, audit = cached
            source = "lookaside"
        elif digest in self._pending:
            # The same bytes are being answered right now: share that answer.
            shared = self._pending[digest]
            if shared is None:
                shared = self._pending[digest] = asyncio.get_running_loop().create_future()
            self._busy()
            return False, self._answer_duplicate(shared, data, peer, transport, started)
        else:
            try:
                running = self._handler(data)
            except Exception as exc:  # failed before making its coroutine: the same error path
                running = _raising(exc)
            if type(running) is not _CoroutineType:
                running = _awaiting(running)
            try:
                waiting_on = running.send(None)
            except StopIteration as done:
                reply, audit = done.value
            except Exception as exc:
                reply, audit = self._handler_failed(exc, data)
            else:
                # The handler waits: from here on the request is in flight, and a copy of
                # it arriving meanwhile waits for this answer rather than running again.
                self._pending[digest] = None
                self._busy()
                return False, self._answer_later(running, waiting_on, digest, data, peer,
                                                 transport, started)
            if reply is not None:
                self.lookaside.put(digest, reply, audit)
            source = "kdc"
        self._log_request(audit, source, peer, transport, started, reply, len(data))
        return True, reply

    async def _answer_later(self, running: Any, waiting_on: Any, digest: bytes, data: bytes,
                            peer: str, transport: str, started: float) -> bytes | None:
        """The rest of a request whose handler waits: same steps as the answer at once."""
        answered = False
        try:
            try:
                reply, audit = await resume_coroutine(running, waiting_on)
            except Exception as exc:
                reply, audit = self._handler_failed(exc, data)
            if reply is not None:
                self.lookaside.put(digest, reply, audit)
            answered = True
        finally:
            waiting = self._pending.pop(digest)
            if waiting is not None:
                if answered:
                    waiting.set_result((reply, audit))
                else:
                    waiting.cancel()
            self._done()
        self._log_request(audit, "kdc", peer, transport, started, reply, len(data))
        return reply

    async def _answer_duplicate(self, shared: asyncio.Future[tuple[bytes | None, Any]], data: bytes,
                                peer: str, transport: str, started: float) -> bytes | None:
        """A copy of a request in flight: its answer once the first copy has it."""
        try:
            reply, audit = await asyncio.shield(shared)
        finally:
            self._done()
        self._log_request(audit, "lookaside", peer, transport, started, reply, len(data))
        return reply

    def _handler_failed(self, exc: Exception, data: bytes) -> tuple[bytes | None, Any]:
        self._log.exception("kdc.handler_failed", error=type(exc).__name__)
        audit = _FailedAudit(detail=f"internal error: {type(exc).__name__}")
        return self.error_reply(ErrorCode.KRB_ERR_GENERIC, data), audit

    def _log_request(self, audit: Any, source: str, peer: str, transport: str,
                     started: float, reply: bytes | None, size: int) -> None:
        if not self._log_requests:
            return
        # Whole microseconds as milliseconds: round(seconds * 1000, 3) without its decimal rounding.
        duration = round((_perf_counter() - started) * 1_000_000) / 1000
        fields = plain_request_fields(audit, peer, transport, source, size, reply, duration)
        plain = fields is not None
        if not plain:
            fields = request_fields(audit, peer, transport, source, size, reply, duration)
        request_type = getattr(audit, "request_type", None)
        name = _EVENT_BY_REQUEST_TYPE.get(request_type) if type(request_type) is str else None
        if name is None:
            name = event_name(request_type)
        if self._write_info is not None:
            self._write_info(name, fields, plain)
        else:
            self._log.info(name, **fields)

    def _busy(self) -> None:
        self.in_flight += 1
        self._idle.clear()

    def _done(self) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Wait until no request is in flight (at most ``timeout`` s); True if drained."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True


async def _awaiting(awaitable: Any) -> Any:
    """A coroutine for a handler that returned another kind of awaitable."""
    return await awaitable


async def _raising(exc: Exception) -> Any:
    raise exc


@types.coroutine
def resume_coroutine(coro: Any, waiting_on: Any) -> Generator[Any, Any, Any]:
    """``yield from coro`` for a coroutine already advanced to ``waiting_on`` (PEP 380's expansion)."""
    while True:
        try:
            sent = yield waiting_on
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # cancellation reaches the coroutine where it waits
            try:
                waiting_on = coro.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                waiting_on = coro.send(sent)
            except StopIteration as done:
                return done.value


class _FailedAudit:
    """The audit of a request whose handler raised (the real Audit never comes back)."""

    request_type = client = service = requested_etypes = None
    reply_etype = ticket_etype = session_etype = None
    result = "error"
    error_code = ErrorCode.KRB_ERR_GENERIC

    def __init__(self, detail: str) -> None:
        self.detail = detail
