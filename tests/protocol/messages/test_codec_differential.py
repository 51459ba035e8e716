"""Properties of the fast codec, and the fast codec against the pyasn1 reference (the oracle).

For generated messages of every type (tests/protocol/strategies.py):
- round trip: decode(encode(m)) == m;
- fast and reference encodings are byte-identical and both decode to the same value;
- byte mutations of valid encodings (flips, overwrites, insertions, deletions, truncation)
  are refused by the fast decoder exactly when the reference refuses them, and both agree
  on the value when both accept;
- arbitrary bytes decode to a value or raise DecodeError, nothing else.

The two places where pyasn1 itself departs from DER are documented in ``oracle.py``; the
comparisons set those messages aside, and the fast codec's handling of them is pinned by
hand-checked vectors in test_codec_vectors.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from protocol.errors import DecodeError, EncodeError
from protocol.messages import codec, reference
from protocol.messages import types as t
from tests.protocol.messages.oracle import has_quirk
from tests.protocol.strategies import MESSAGES, SEQUENCES

TYPES = list(MESSAGES)
typed_messages = st.sampled_from(TYPES).flatmap(lambda cls: st.tuples(st.just(cls), MESSAGES[cls]))
FEW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(fn: Any) -> Any:
    try:
        return fn()
    except DecodeError as exc:
        return exc


def raws(value: Any) -> list[bytes]:
    """The ``raw`` fields inside a decoded message (excluded from ==, so compared apart)."""
    found = []
    for name in ("raw", "req_body", "ticket", "additional_tickets"):
        inner = getattr(value, name, None)
        if isinstance(inner, bytes):
            found.append(inner)
        elif isinstance(inner, tuple):
            for item in inner:
                found.extend(raws(item))
        elif inner is not None:
            found.extend(raws(inner))
    return found


def test_every_message_type_has_a_strategy() -> None:
    """The strategies cover every dataclass that protocol.messages.types exports."""
    exported = {getattr(t, name) for name in t.__all__ if isinstance(getattr(t, name), type)}
    assert exported == set(MESSAGES)


@FEW
@given(typed_messages)
def test_round_trip(item: tuple[type, Any]) -> None:
    """decode(encode(m), type(m)) == m for every message type."""
    cls, message = item
    assert codec.decode(codec.encode(message), cls) == message


@FEW
@given(typed_messages)
def test_fast_and_reference_agree_on_valid_messages(item: tuple[type, Any]) -> None:
    """Byte-identical encodings, identical decoded values, identical raw octets."""
    cls, message = item
    assume(not has_quirk(message))
    octets = codec.encode(message)
    assert octets == reference.encode(message)
    fast, ref = codec.decode(octets, cls), reference.decode(octets, cls)
    assert fast == ref == message
    assert raws(fast) == raws(ref)


@FEW
@given(st.sampled_from(sorted(SEQUENCES)).flatmap(lambda n: st.tuples(st.just(n), SEQUENCES[n])))
def test_sequence_helpers_agree_with_reference(item: tuple[str, tuple]) -> None:
    """The SEQUENCE OF helpers (METHOD-DATA, ETYPE-INFO2, ...) match the reference both ways."""
    name, items = item
    assume(not has_quirk(items))
    octets = getattr(codec, f"encode_{name}")(items)
    assert octets == getattr(reference, f"encode_{name}")(items)
    assert getattr(codec, f"decode_{name}")(octets) == getattr(reference, f"decode_{name}")(octets) == items


def edit(data: bytearray, pos: int, draw: Any) -> None:
    """One random edit of ``data`` at ``pos``: flip a bit, overwrite, insert, delete or truncate."""
    kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
    if kind == "flip":
        data[pos] ^= 1 << draw(st.integers(0, 7))
    elif kind == "set":
        data[pos] = draw(st.integers(0, 255))
    elif kind == "insert":
        data[pos:pos] = draw(st.binary(min_size=1, max_size=3))
    elif kind == "delete":
        del data[pos : pos + draw(st.integers(1, 3))]
    else:
        del data[pos:]


@st.composite
def mutated(draw: Any) -> tuple[type, bytes]:
    """A valid encoding of a generated message with one to three random byte edits."""
    cls, message = draw(typed_messages)
    assume(not has_quirk(message))
    data = bytearray(codec.encode(message))
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        edit(data, draw(st.integers(0, len(data) - 1)), draw)
    return cls, bytes(data)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutated())
def test_mutations_refused_exactly_when_reference_refuses(item: tuple[type, bytes]) -> None:
    """The fast decoder accepts a mutated encoding iff the reference does, with equal values.

    The only tolerated disagreement is an input the reference refuses because of a pyasn1
    quirk (oracle.py); then the fast decoder's value must contain that case and re-encode to
    exactly the input, i.e. the input was canonical DER.
    """
    cls, data = item
    fast = outcome(lambda: codec.decode(data, cls))
    ref = outcome(lambda: reference.decode(data, cls))
    if isinstance(fast, DecodeError) and isinstance(ref, DecodeError):
        return
    if not isinstance(fast, DecodeError) and not isinstance(ref, DecodeError):
        assert fast == ref
        assert raws(fast) == raws(ref)
        return
    assert isinstance(ref, DecodeError), f"fast refused what the reference accepts: {fast}"
    assert has_quirk(fast) and codec.encode(fast) == data, f"fast accepted what the reference refuses: {ref}"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TYPES + [t.AuthorizationData]), st.binary(max_size=300))
def test_arbitrary_bytes_give_value_or_decode_error(cls: Any, data: bytes) -> None:
    """Any octets decode to a value of the asked type or raise DecodeError, nothing else."""
    result = outcome(lambda: codec.decode(data, cls))
    if isinstance(result, DecodeError):
        return
    if cls is t.AuthorizationData:
        assert codec.encode_authorization_data(result) == data
    else:
        assert isinstance(result, cls) and codec.encode(result) == data


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TYPES), st.binary(max_size=40), st.binary(max_size=40))
def test_arbitrary_bytes_with_a_plausible_prefix(cls: Any, tail: bytes, head: bytes) -> None:
    """Random bytes after a valid tag/length start go deeper into the decoders: still only a
    value or DecodeError, and an accepted value re-encodes to exactly the input (it was DER)."""
    tag = {t.Ticket: 0x61, t.EncTicketPart: 0x63, t.Authenticator: 0x62, t.KDCReq: 0x6A, t.KDCRep: 0x6B,
           t.EncKDCRepPart: 0x79, t.APReq: 0x6E, t.APRep: 0x6F, t.EncAPRepPart: 0x7B, t.KRBError: 0x7E}.get(cls, 0x30)
    body = head + tail
    data = bytes((tag, len(body))) + body if len(body) < 128 else b""
    result = outcome(lambda: codec.decode(data, cls))
    if not isinstance(result, DecodeError):
        assert codec.encode(result) == data


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([0, 1, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 246, 247, 248, 249,
                        250, 251, 252, 253, 254, 255, 256, 257, 1000, 65000, 65500]),
       st.integers(0, 255), st.integers(0, 3))
def test_length_form_boundaries_agree(size: int, fill: int, edit: int) -> None:
    """Around the short/0x81/0x82 length-form boundaries (X.690 10.1) both codecs give the
    same octets, and a length rewritten in a longer, non-minimal form is refused by both."""
    message = t.EncryptedData(18, bytes([fill]) * size, kvno=edit or None)
    octets = codec.encode(message)
    assert octets == reference.encode(message)
    assert codec.decode(octets, t.EncryptedData) == reference.decode(octets, t.EncryptedData) == message
    n = len(octets) - 2 if octets[1] < 0x80 else len(octets) - 2 - (octets[1] & 0x7F)
    padded = bytes((0x30, 0x84)) + n.to_bytes(4, "big") + octets[len(octets) - n :]
    assert isinstance(outcome(lambda: codec.decode(padded, t.EncryptedData)), DecodeError)
    assert isinstance(outcome(lambda: reference.decode(padded, t.EncryptedData)), DecodeError)


BAD_VALUES = st.sampled_from(
    [None, True, 1.5, "x", b"x", (), (1,), -1, 5, 2**31, 2**32, -(2**31) - 1, 10**6, 253402300800, "\udc80", ("\udc80",)]
)


def encode_outcome(module: Any, value: Any) -> Any:
    try:
        return module.encode(value)
    except Exception as exc:  # the assertion below names the type that escaped
        return exc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_messages, st.data())
def test_encode_refuses_exactly_what_the_reference_refuses(item: tuple[type, Any], data: Any) -> None:
    """With one field replaced by a wrong-typed or out-of-range value, both codecs raise
    EncodeError, or both encode it to the same octets (e.g. a still-valid value)."""
    import dataclasses

    cls, message = item
    names = [f.name for f in dataclasses.fields(message) if f.name != "raw"]
    name = data.draw(st.sampled_from(names))
    broken = dataclasses.replace(message, **{name: data.draw(BAD_VALUES)})
    assume(not has_quirk(broken))
    fast, ref = encode_outcome(codec, broken), encode_outcome(reference, broken)
    if isinstance(fast, bytes) or isinstance(ref, bytes):
        assert fast == ref
    else:
        assert isinstance(fast, EncodeError) and isinstance(ref, EncodeError), (fast, ref)
