"""The password-change service: MIT ``kpasswd`` and RFC 3244 set-password against this realm.

``handle_kpasswd(data, ctx)`` answers one framed request (``wire``): it verifies the
AP-REQ for ``kadmin/changepw@REALM`` and the request KRB-PRIV (``session``), decides
whether the change is allowed and the password good enough (``handler``, ``policy``),
writes the new keys through ``kdc.keys.change_password`` and returns the AP-REP +
KRB-PRIV reply, or a framed KRB-ERROR. ``kdc.service.kpasswd`` puts it on UDP and TCP.
"""

from kdc.kpasswd.errors import KpasswdError, ResultCode
from kdc.kpasswd.handler import KpasswdAudit, KpasswdContext, build_error_reply, changepw_principal, handle_kpasswd
from kdc.kpasswd.policy import DEFAULT_POLICY, PasswordPolicy

__all__ = [
    "DEFAULT_POLICY", "KpasswdAudit", "KpasswdContext", "KpasswdError", "PasswordPolicy", "ResultCode",
    "build_error_reply", "changepw_principal", "handle_kpasswd",
]
