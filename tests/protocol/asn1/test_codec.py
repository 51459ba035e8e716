"""protocol.asn1.codec: the structural pre-scan and the strict DER wrapper around pyasn1."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.type import univ

from protocol.asn1 import codec, mskkdcp, mspac, mssfu, rfc3244, rfc4120, rfc6113, rfc6806
from protocol.errors import DecodeError, EncodeError
from protocol.messages import ext_types as x
from protocol.messages import reference as ref
from protocol.messages import types as t


@pytest.mark.parametrize(
    ("hexdata", "reason"),
    [
        ("", "empty"),
        ("3080020105 0000", "indefinite"),
        ("3081 03020105", "non-minimal length"),
        ("3082 0003020105", "non-minimal length"),
        ("04 85 0000000001 00", "length field too long"),
        ("3005 020105", "runs past"),
        ("30 03 020105 00", "trailing"),
        ("020105 020105", "trailing"),
        ("0000", "end-of-contents"),
        ("1f", "truncated long-form tag"),
        ("1f 80 01 00", "leading 0x80"),
        ("1f 1e 00", "below 31"),
        ("1f ffffffff7f 00", "tag number too long"),
        ("30", "truncated length"),
        ("3081", "truncated length"),
    ],
)
def test_structure_refusals(hexdata: str, reason: str) -> None:
    """check_der_structure refuses each malformed TLV shape with a reason naming it."""
    with pytest.raises(DecodeError, match=reason):
        codec.check_der_structure(bytes.fromhex(hexdata.replace(" ", "")))


@pytest.mark.parametrize(
    "hexdata", ["3000", "020105", "3003020105", "1f1f00", "9f8100 00".replace(" ", ""), "0481800" + "0" * 255]
)
def test_structure_accepts_well_formed(hexdata: str) -> None:
    """Definite, minimal, single TLVs pass the pre-scan (including a 128-octet string and
    high tag numbers in minimal long form)."""
    assert codec.check_der_structure(bytes.fromhex(hexdata)) is None


def test_depth_limit_is_exact() -> None:
    """max_depth constructed levels pass; one more is refused."""
    def nested(depth: int) -> bytes:
        data = b""
        for _ in range(depth):
            data = bytes([0x30, len(data)]) + data
        return data

    codec.check_der_structure(nested(8), max_depth=8)
    with pytest.raises(DecodeError, match="nesting"):
        codec.check_der_structure(nested(9), max_depth=8)


def test_non_bytes_input_refused() -> None:
    """A str (or anything not bytes-like) is DecodeError, never a TypeError."""
    with pytest.raises(DecodeError):
        codec.der_decode("3000", univ.Sequence())


def test_library_errors_become_decode_error() -> None:
    """A well-formed TLV that does not fit the spec (pyasn1 raises PyAsn1Error inside) is
    DecodeError, with the library's exception chained for debugging."""
    with pytest.raises(DecodeError) as info:
        codec.der_decode(bytes.fromhex("020105"), rfc4120.PrincipalName())
    assert info.value.__cause__ is not None


def test_der_encode_maps_library_errors() -> None:
    """Encoding an incomplete pyasn1 value is EncodeError, not PyAsn1Error."""
    with pytest.raises(EncodeError):
        codec.der_encode(rfc4120.PrincipalName())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_structure_scan_total(data: bytes) -> None:
    """For arbitrary bytes the pre-scan returns None or raises DecodeError, nothing else."""
    try:
        codec.check_der_structure(data)
    except DecodeError:
        pass


_SCHEMA_MODULES = (rfc4120, rfc6113, rfc6806, rfc3244, mskkdcp, mssfu, mspac)
_BOOKKEEPING = {"raw", "tag"}


@pytest.mark.parametrize("cls", list(ref._SPEC) + list(ref._TAGGED), ids=lambda c: c.__name__)
def test_dataclass_fields_mirror_the_asn1_components(cls: type) -> None:
    """Each dataclass has exactly one field per ASN.1 component of its schema (names mapped
    by the documented rule), so no component is silently dropped or invented."""
    specs = [ref._SPEC[cls]] if cls in ref._SPEC else list(ref._TAGGED[cls][1].values())
    fields = {f.name for f in dataclasses.fields(cls)} - _BOOKKEEPING
    for spec in specs:
        assert spec.__module__ in {m.__name__ for m in _SCHEMA_MODULES}
        assert {ref.python_name(n.name) for n in spec.componentType.namedTypes} == fields


@pytest.mark.parametrize("module", _SCHEMA_MODULES, ids=lambda m: m.__name__)
def test_schema_classes_quote_their_production(module: object) -> None:
    """Every schema class's docstring quotes its ASN.1 production (contains '::=')."""
    classes = [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__]
    assert classes
    for cls in classes:
        assert cls.__doc__ and ("::=" in cls.__doc__ or "padata-value" in cls.__doc__), cls.__name__


def test_application_tags_match_rfc4120() -> None:
    """The APPLICATION tag of each message (RFC 4120 section 5.10 table) is what we emit."""
    expected = {
        rfc4120.Ticket: 1, rfc4120.Authenticator: 2, rfc4120.EncTicketPart: 3, rfc4120.ASReq: 10,
        rfc4120.ASRep: 11, rfc4120.TGSReq: 12, rfc4120.TGSRep: 13, rfc4120.APReq: 14, rfc4120.APRep: 15,
        rfc4120.KRBSafe: 20, rfc4120.KRBPriv: 21, rfc4120.KRBCred: 22, rfc4120.EncASRepPart: 25,
        rfc4120.EncTGSRepPart: 26, rfc4120.EncAPRepPart: 27, rfc4120.EncKrbPrivPart: 28,
        rfc4120.EncKrbCredPart: 29, rfc4120.KRBError: 30,
    }
    for spec, number in expected.items():
        outer = spec.tagSet.superTags[-1]
        assert (outer.tagClass, outer.tagId) == (0x40, number), spec.__name__


def test_python_name_rule() -> None:
    """ASN.1 names map to snake_case fields: hyphens, camelCase and the keyword 'from'."""
    assert ref.python_name("renew-till") == "renew_till"
    assert ref.python_name("userName") == "user_name"
    assert ref.python_name("from") == "from_"
    assert ref.python_name("encrypted-pa-data") == "encrypted_pa_data"


def test_ext_dataclasses_are_frozen() -> None:
    """The extension views are immutable, like the hot ones."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        x.PAPacRequest(True).include_pac = False  # type: ignore[misc]
    assert t.PAData(1, b"") == ref.decode(ref.encode(t.PAData(1, b"")), t.PAData)
