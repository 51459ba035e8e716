"""Principal names with MIT's parse/unparse rules (krb5_parse_name, krb5_unparse_name).

Contract: ``Principal(name_type, components, realm)``, frozen and hashable;
``Principal.parse(text, default_realm=None)`` raises PrincipalParseError;
``str(p)`` unparses with MIT escaping (``\\/``, ``\\@``, ``\\n``, ``\\t``, ``\\b``, ``\\0``, ``\\\\``);
``p.name`` is the wire ``PrincipalName``; ``Principal.from_name(name, realm)``;
``p.default_salt()`` is MIT's default salt (realm + components, no separators);
``Principal.krbtgt(realm, remote_realm=None)``; ``p.is_krbtgt``.
"""
