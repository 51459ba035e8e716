"""One exception type per KRB-ERROR code (DESIGN.md "One error type per wire code").

Deep code raises e.g. ``PreauthFailed("PREAUTH_FAILED", detail="wrong key")``; only
``kdc.exchange.reply.build_krb_error`` turns one into KRB-ERROR bytes (RFC 4120 section 5.9.1).
``e_text`` goes on the wire (short, MIT-style status such as ``NEEDED_PREAUTH``); ``detail``
is for operators (the audit record) and never leaves the KDC.
"""

from __future__ import annotations

from protocol.constants import ErrorCode
from protocol.messages.types import PAData
from protocol.principal import Principal

EData = tuple[PAData, ...] | bytes | None


class KDCError(Exception):
    """A request refused with a KRB-ERROR (RFC 4120 section 7.5.9 codes); raise a subclass below.

    Each subclass's ``code`` is its wire code. ``e_data`` is METHOD-DATA (a tuple of PAData,
    encoded when rendered) or raw bytes. ``client``/``server`` name the principals for the
    KRB-ERROR's cname/sname when they differ from the request's (e.g. the TGT's client in
    a TGS exchange).
    """

    code: ErrorCode = ErrorCode.KRB_ERR_GENERIC

    def __init__(
        self,
        e_text: str | None = None,
        e_data: EData = None,
        client: Principal | None = None,
        server: Principal | None = None,
        detail: str | None = None,
    ) -> None:
        self.e_text = e_text
        self.e_data = e_data
        self.client = client
        self.server = server
        self.detail = detail or e_text
        super().__init__(f"{self.code.name}: {self.detail or ''}")


def _define(name: str, code: ErrorCode) -> type[KDCError]:
    return type(name, (KDCError,), {"code": code, "__doc__": f"KRB-ERROR {code.name} ({int(code)})."})


Generic = _define("Generic", ErrorCode.KRB_ERR_GENERIC)
NameExpired = _define("NameExpired", ErrorCode.KDC_ERR_NAME_EXP)
ServiceExpired = _define("ServiceExpired", ErrorCode.KDC_ERR_SERVICE_EXP)
PrincipalUnknown = _define("PrincipalUnknown", ErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN)
ServerUnknown = _define("ServerUnknown", ErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN)
CannotPostdate = _define("CannotPostdate", ErrorCode.KDC_ERR_CANNOT_POSTDATE)
NeverValid = _define("NeverValid", ErrorCode.KDC_ERR_NEVER_VALID)
Policy = _define("Policy", ErrorCode.KDC_ERR_POLICY)
BadOption = _define("BadOption", ErrorCode.KDC_ERR_BADOPTION)
EtypeNoSupp = _define("EtypeNoSupp", ErrorCode.KDC_ERR_ETYPE_NOSUPP)
SumtypeNoSupp = _define("SumtypeNoSupp", ErrorCode.KDC_ERR_SUMTYPE_NOSUPP)
PadataTypeNoSupp = _define("PadataTypeNoSupp", ErrorCode.KDC_ERR_PADATA_TYPE_NOSUPP)
ClientRevoked = _define("ClientRevoked", ErrorCode.KDC_ERR_CLIENT_REVOKED)
KeyExpired = _define("KeyExpired", ErrorCode.KDC_ERR_KEY_EXPIRED)
PreauthFailed = _define("PreauthFailed", ErrorCode.KDC_ERR_PREAUTH_FAILED)
PreauthRequired = _define("PreauthRequired", ErrorCode.KDC_ERR_PREAUTH_REQUIRED)
ServerNoMatch = _define("ServerNoMatch", ErrorCode.KDC_ERR_SERVER_NOMATCH)
MustUseUser2User = _define("MustUseUser2User", ErrorCode.KDC_ERR_MUST_USE_USER2USER)
SvcUnavailable = _define("SvcUnavailable", ErrorCode.KDC_ERR_SVC_UNAVAILABLE)
BadIntegrity = _define("BadIntegrity", ErrorCode.KRB_AP_ERR_BAD_INTEGRITY)
TktExpired = _define("TktExpired", ErrorCode.KRB_AP_ERR_TKT_EXPIRED)
TktNotYetValid = _define("TktNotYetValid", ErrorCode.KRB_AP_ERR_TKT_NYV)
NotUs = _define("NotUs", ErrorCode.KRB_AP_ERR_NOT_US)
BadMatch = _define("BadMatch", ErrorCode.KRB_AP_ERR_BADMATCH)
Skew = _define("Skew", ErrorCode.KRB_AP_ERR_SKEW)
Modified = _define("Modified", ErrorCode.KRB_AP_ERR_MODIFIED)
BadKeyVer = _define("BadKeyVer", ErrorCode.KRB_AP_ERR_BADKEYVER)
NoKey = _define("NoKey", ErrorCode.KRB_AP_ERR_NOKEY)
InappCksum = _define("InappCksum", ErrorCode.KRB_AP_ERR_INAPP_CKSUM)
WrongRealm = _define("WrongRealm", ErrorCode.KDC_ERR_WRONG_REALM)
