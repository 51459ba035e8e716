"""The parts of MIT's krb5.conf (profile format) a client needs: KDC addresses and transport limits.

The profile syntax (MIT krb5 doc/admin/conf_files/krb5_conf.rst): ``[section]`` headers,
``name = value`` relations, ``name = { ... }`` subsections, comments starting with ``#``
or ``;``, and a trailing ``*`` that marks a section final. Unknown sections and relations
are kept and ignored; nothing here touches DNS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Krb5Conf", "KDCAddr", "parse_krb5_conf", "load_krb5_conf", "Krb5ConfError"]

DEFAULT_KDC_PORT = 88
DEFAULT_UDP_PREFERENCE_LIMIT = 1465  # MIT's default: larger requests go over TCP first


class Krb5ConfError(ValueError):
    """A krb5.conf that does not parse; the message names the line."""


@dataclass(frozen=True)
class KDCAddr:
    """A KDC address ``host:port``; IPv6 hosts are written ``[::1]:88`` and kept unbracketed."""

    host: str
    port: int = DEFAULT_KDC_PORT

    @classmethod
    def parse(cls, text: str, default_port: int = DEFAULT_KDC_PORT) -> KDCAddr:
        text = text.strip()
        for prefix in ("udp/", "tcp/"):  # MIT allows a transport prefix; we choose ourselves
            if text.lower().startswith(prefix):
                text = text[len(prefix):]
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        elif text.count(":") == 1:
            host, _, port = text.partition(":")
        else:
            host, port = text, ""
        if not host or (port and not port.isdigit()):
            raise Krb5ConfError(f"not a KDC address: {text!r}")
        return cls(host, int(port) if port else default_port)

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Krb5Conf:
    """The relations we use: default realm, per-realm KDCs, UDP preference limit, clock skew."""

    sections: dict = field(default_factory=dict, repr=False)

    def _libdefault(self, name: str) -> str | None:
        values = self.sections.get("libdefaults", {}).get(name)
        return values[0] if values and isinstance(values[0], str) else None

    @property
    def default_realm(self) -> str | None:
        return self._libdefault("default_realm")

    @property
    def udp_preference_limit(self) -> int:
        value = self._libdefault("udp_preference_limit")
        return int(value) if value and value.isdigit() else DEFAULT_UDP_PREFERENCE_LIMIT

    @property
    def clockskew(self) -> int:
        value = self._libdefault("clockskew")
        return int(value) if value and value.isdigit() else 300

    def kdcs(self, realm: str) -> tuple[KDCAddr, ...]:
        """The ``kdc`` relations of ``[realms] REALM = { ... }``, in file order."""
        subs = self.sections.get("realms", {}).get(realm, [])
        return tuple(KDCAddr.parse(v) for sub in subs if isinstance(sub, dict)
                     for v in sub.get("kdc", []) if isinstance(v, str))


def parse_krb5_conf(text: str) -> Krb5Conf:
    """Parse profile-format text into nested dicts of name -> list of values or subsections."""
    sections: dict[str, dict] = {}
    stack: list[dict] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and not stack[1:]:
            name = line[1:].partition("]")[0].strip()
            stack = [sections.setdefault(name, {})]
        elif line.startswith("}"):
            if len(stack) < 2:
                raise Krb5ConfError(f"line {lineno}: unmatched }}")
            stack.pop()
        elif "=" in line and stack:
            _relation(stack, line)
        elif not line.startswith(("include", "module")):
            raise Krb5ConfError(f"line {lineno}: cannot parse {line!r}")
    if len(stack) > 1:
        raise Krb5ConfError("unterminated { at end of file")
    return Krb5Conf(sections)


def _relation(stack: list[dict], line: str) -> None:
    name, _, value = line.partition("=")
    name, value = name.strip(), value.strip()
    if value.startswith("{"):
        sub: dict = {}
        stack[-1].setdefault(name, []).append(sub)
        stack.append(sub)
        return
    if value.endswith("*") and len(value) > 1 and value[-2] == " ":
        value = value[:-1].rstrip()
    stack[-1].setdefault(name, []).append(value)


def load_krb5_conf(path: str | os.PathLike | None = None) -> Krb5Conf:
    """Read ``path``, else the first file of $KRB5_CONFIG (colon-separated), else /etc/krb5.conf."""
    if path is None:
        candidates = os.environ.get("KRB5_CONFIG", "/etc/krb5.conf").split(":")
        path = next((p for p in candidates if p and Path(p).is_file()), None)
        if path is None:
            return Krb5Conf({})
    return parse_krb5_conf(Path(path).read_text())
