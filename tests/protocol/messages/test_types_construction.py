"""protocol.messages.types: the fast constructors keep every dataclass behaviour."""

import copy
import dataclasses
import inspect
import pickle

import pytest

from protocol.messages import types as t

CLASSES = [c for c in vars(t).values() if isinstance(c, type) and dataclasses.is_dataclass(c)]


def sample(cls):
    """An instance of ``cls`` with every field set to a value of its kind."""
    values = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            continue
        values[f.name] = {"int": 7, "str": "x", "bytes": b"k" * 16}.get(str(f.type), (1,))
    return cls(**values)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_instances_are_frozen_exact_type_and_equal_to_the_field_values(cls):
    """Objects built by the fast __new__ are of the class itself, refuse assignment, and
    compare, hash, copy, pickle and replace as the dataclass did."""
    obj = sample(cls)
    assert type(obj) is cls
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, first, getattr(obj, first))
    again = cls(*(getattr(obj, f.name) for f in dataclasses.fields(cls)))
    assert again == obj and hash(again) == hash(obj)
    assert copy.copy(obj) == obj and copy.deepcopy(obj) == obj
    assert pickle.loads(pickle.dumps(obj)) == obj
    assert dataclasses.replace(obj) == obj
    assert list(inspect.signature(cls).parameters) == [f.name for f in dataclasses.fields(cls)]


def test_defaults_keywords_and_missing_arguments():
    """Defaults apply, keywords work, and a missing or extra argument is a TypeError."""
    ticket = t.Ticket(realm="R", sname=t.PrincipalName(1, ("a",)), enc_part=t.EncryptedData(18, b"c"))
    assert ticket.tkt_vno == 5 and ticket.raw == b"" and ticket.enc_part.kvno is None
    with pytest.raises(TypeError):
        t.PAData(2)
    with pytest.raises(TypeError):
        t.PAData(2, b"", 3)
    with pytest.raises(TypeError):
        t.PAData(2, padata_valu=b"")


def test_repr_still_hides_key_material():
    """EncryptionKey's repr leaves the key out, as before."""
    assert "keyvalue" not in repr(t.EncryptionKey(18, b"\x01" * 32))


def test_classes_are_final():
    """Subclassing is refused at once (a subclass could not be built correctly)."""
    with pytest.raises(TypeError, match="final"):

        class Tagged(t.PAData):
            pass


def test_ticket_start_is_starttime_else_authtime():
    """EncTicketPart.start: starttime when present (even 0), authtime when absent (RFC 4120 5.3)."""
    from protocol.messages import EncryptionKey, EncTicketPart, PrincipalName, TransitedEncoding

    def part(starttime):
        return EncTicketPart(flags=0, key=EncryptionKey(18, bytes(32)), crealm="R", cname=PrincipalName(1, ("a",)),
                             transited=TransitedEncoding(1, b""), authtime=100, endtime=200, starttime=starttime)

    assert part(None).start == 100
    assert part(150).start == 150
    assert part(0).start == 0
