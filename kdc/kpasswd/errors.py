"""kpasswd result codes and the one exception type per code (RFC 3244 section 2, MIT's kpasswd).

Deep code raises, e.g. ``SoftError("New password is too short ...")``; the handler turns
the exception into the reply once: inside a KRB-PRIV when the AP-REQ was accepted, else
inside a KRB-ERROR whose e-data carries the result code and string (as MIT's kadmind does).
"""

from __future__ import annotations

from enum import IntEnum

from protocol.constants import ErrorCode


class ResultCode(IntEnum):
    """Result codes of RFC 3244 section 2 (RFC 3244 numbers 0..7; MIT's KRB5_KPASSWD_*)."""

    KRB5_KPASSWD_SUCCESS = 0
    KRB5_KPASSWD_MALFORMED = 1
    KRB5_KPASSWD_HARDERROR = 2
    KRB5_KPASSWD_AUTHERROR = 3
    KRB5_KPASSWD_SOFTERROR = 4
    KRB5_KPASSWD_ACCESSDENIED = 5
    KRB5_KPASSWD_BAD_VERSION = 6
    KRB5_KPASSWD_INITIAL_FLAG_NEEDED = 7


class NotKpasswd(Exception):
    """Bytes that are not a kpasswd request at all (too short, inconsistent length): dropped."""


class KpasswdError(Exception):
    """A request the server refuses; ``result`` and ``text`` go to the client.

    ``krb_code`` is the KRB-ERROR error-code used when no AP-REP can be sent (the AP-REQ
    itself failed or never arrived). ``text`` must never contain the password.
    """

    result: ResultCode = ResultCode.KRB5_KPASSWD_HARDERROR
    default_krb_code: ErrorCode = ErrorCode.KRB_ERR_GENERIC

    def __init__(self, text: str, krb_code: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.krb_code = int(krb_code if krb_code is not None else self.default_krb_code)


def _define(name: str, result: ResultCode, krb_code: ErrorCode = ErrorCode.KRB_ERR_GENERIC) -> type[KpasswdError]:
    return type(name, (KpasswdError,), {"result": result, "default_krb_code": krb_code,
                                        "__doc__": f"Result {result.name} ({int(result)})."})


Malformed = _define("Malformed", ResultCode.KRB5_KPASSWD_MALFORMED, ErrorCode.KRB_AP_ERR_MODIFIED)
HardError = _define("HardError", ResultCode.KRB5_KPASSWD_HARDERROR)
AuthError = _define("AuthError", ResultCode.KRB5_KPASSWD_AUTHERROR, ErrorCode.KRB_AP_ERR_MODIFIED)
SoftError = _define("SoftError", ResultCode.KRB5_KPASSWD_SOFTERROR)
AccessDenied = _define("AccessDenied", ResultCode.KRB5_KPASSWD_ACCESSDENIED)
BadVersion = _define("BadVersion", ResultCode.KRB5_KPASSWD_BAD_VERSION, ErrorCode.KDC_ERR_BAD_PVNO)
InitialFlagNeeded = _define("InitialFlagNeeded", ResultCode.KRB5_KPASSWD_INITIAL_FLAG_NEEDED)
