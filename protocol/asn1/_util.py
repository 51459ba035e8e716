"""Small helpers shared by the schema modules (explicit context tags, constrained integers).

Every Kerberos module is ``DEFINITIONS EXPLICIT TAGS`` (RFC 4120 section 5.2), so a
context tag ``[n]`` wraps the inner TLV instead of replacing its tag.
"""

from __future__ import annotations

from pyasn1.type import constraint, namedtype, tag, univ


def app(n: int) -> tag.Tag:
    """The APPLICATION tag ``[APPLICATION n]`` (always explicit in Kerberos modules)."""
    return tag.Tag(tag.tagClassApplication, tag.tagFormatConstructed, n)


def ctx(n: int, asn1: object) -> object:
    """``[n] asn1`` with an explicit context tag."""
    return asn1.subtype(explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, n))


def field(name: str, n: int, asn1: object) -> namedtype.NamedType:
    """A mandatory ``name [n] Type`` component."""
    return namedtype.NamedType(name, ctx(n, asn1))


def optional(name: str, n: int, asn1: object) -> namedtype.OptionalNamedType:
    """A ``name [n] Type OPTIONAL`` component."""
    return namedtype.OptionalNamedType(name, ctx(n, asn1))


def seq_of(component: object, min_size: int = 0) -> univ.SequenceOf:
    """``SEQUENCE OF component``, with ``SIZE (min_size..MAX)`` when min_size > 0."""
    if min_size:
        return univ.SequenceOf(
            componentType=component,
            subtypeSpec=constraint.ValueSizeConstraint(min_size, 1 << 31),
        )
    return univ.SequenceOf(componentType=component)


def fixed_integer(*values: int) -> univ.Integer:
    """``INTEGER (v1 | v2 ...)``, e.g. ``pvno [0] INTEGER (5)``."""
    return univ.Integer().subtype(subtypeSpec=constraint.SingleValueConstraint(*values))
