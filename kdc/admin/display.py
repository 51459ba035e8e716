"""getprinc output in MIT kadmin's layout, so an admin's eyes (and scripts) carry over."""

from __future__ import annotations

from collections.abc import Callable

from kdc.admin.flags import attribute_names
from kdc.admin.keys import describe_key
from kdc.db.model import PrincipalEntry
from kdc.timefmt import format_duration, format_time


def format_principal(entry: PrincipalEntry, policy_exists: Callable[[str], bool] = lambda name: False) -> str:
    """The lines kadmin's getprinc prints for ``entry`` (times in UTC).

    A policy name that names no policy object is marked ``[does not exist]``, as MIT does.
    """
    mkvnos = sorted({k.mkvno for k in entry.keys})
    lines = [
        f"Principal: {entry.principal}",
        f"Expiration date: {format_time(entry.expiration)}",
        f"Last password change: {format_time(entry.last_pwd_change)}",
        f"Password expiration date: {format_time(entry.pw_expiration)}",
        f"Maximum ticket life: {format_duration(entry.max_life or 0)}",
        f"Maximum renewable life: {format_duration(entry.max_renewable_life or 0)}",
        f"Last modified: {format_time(entry.mod_time)} ({entry.mod_princ or 'unknown'})",
        f"Last successful authentication: {format_time(entry.last_success)}",
        f"Last failed authentication: {format_time(entry.last_failed)}",
        f"Failed password attempts: {entry.fail_auth_count}",
        f"Number of keys: {len(entry.keys)}",
        *(f"Key: vno {k.kvno}, {describe_key(k)}" for k in entry.keys),
        f"MKey: vno {', '.join(map(str, mkvnos)) if mkvnos else '[none]'}",
        f"Attributes: {' '.join(attribute_names(entry.attributes))}".rstrip(),
        _policy_line(entry.policy, policy_exists),
    ]
    return "\n".join(lines)


def _policy_line(policy: str | None, policy_exists: Callable[[str], bool]) -> str:
    if policy is None:
        return "Policy: [none]"
    return f"Policy: {policy}" + ("" if policy_exists(policy) else " [does not exist]")
