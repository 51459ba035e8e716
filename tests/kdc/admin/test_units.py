"""Pure parts of kdcadmin: the flag table, kadmin-style word parsing, -e lists, getprinc layout."""

from __future__ import annotations

import pytest

from kdc.admin.args import parse_words, split_line
from kdc.admin.display import format_principal
from kdc.admin.errors import UsageError
from kdc.admin.flags import FLAGS, attribute_names, lookup_flag
from kdc.admin.keys import KeySalt, parse_keysalts, salt_string
from kdc.admin.ops import _glob_escape
from kdc.config import Config
from kdc.db.model import Attr, PrincipalEntry, SaltType, StoredKey
from protocol.principal import Principal

CONTRACT_FLAGS = ["requires_preauth", "allow_tix", "allow_forwardable", "allow_renewable", "allow_proxiable",
                  "allow_svr", "allow_tgs_req", "allow_dup_skey", "allow_postdated", "needchange",
                  "password_changing_service", "ok_as_delegate", "ok_to_auth_as_delegate",
                  "no_auth_data_required", "lockdown_keys"]


@pytest.mark.parametrize("name", CONTRACT_FLAGS)
def test_every_contract_flag_round_trips(name):
    """Each CONTRACT.md flag: +name then -name restores the attributes; exactly one bit moves."""
    (flag, on), (_, off) = lookup_flag("+" + name), lookup_flag("-" + name)
    assert on and not off
    start = int(Attr.REQUIRES_PRE_AUTH)
    turned_on = flag.apply(start, True)
    assert bin(turned_on ^ start).count("1") <= 1
    assert flag.apply(flag.apply(start, True), False) == flag.apply(start, False)
    assert flag.apply(flag.apply(start, False), True) == turned_on


def test_allow_flags_are_inverted_disallow_bits():
    """+allow_tix clears DISALLOW_ALL_TIX; -allow_tix sets it (MIT's meaning)."""
    flag, _ = lookup_flag("-allow_tix")
    assert flag.apply(0, False) == Attr.DISALLOW_ALL_TIX
    assert flag.apply(Attr.DISALLOW_ALL_TIX, True) == 0
    assert all(f.inverted == f.name.startswith("allow_") for f in FLAGS)
    assert len({f.bit for f in FLAGS}) == len(FLAGS)  # no two names share a bit


def test_lookup_flag_rejects_non_flags():
    """Words that are not +/-flag are not flags."""
    assert lookup_flag("alice") is None and lookup_flag("-pw") is None and lookup_flag("+") is None


def test_attribute_names_include_unknown_bits():
    """getprinc names every set bit, unknown ones as UNKNOWN_0x..."""
    assert attribute_names(Attr.REQUIRES_PRE_AUTH | 0x400) == ["REQUIRES_PRE_AUTH", "UNKNOWN_0x00000400"]


def test_parse_words_sorts_options_flags_positionals():
    """Options with values, bare options, flags and names may come in any order."""
    p = parse_words("addprinc", ["+allow_tix", "-pw", "-x-", "alice", "-randkey"],
                    {"-pw": True, "-randkey": False}, {}, True)
    assert p.options == {"-pw": "-x-", "-randkey": True}
    assert [(f.name, on) for f, on in p.flags] == [("allow_tix", True)]
    assert p.positionals == ["alice"]


def test_parse_words_option_alias():
    """ktadd -keytab is -k."""
    assert parse_words("ktadd", ["-keytab", "f"], {"-k": True}, {"-keytab": "-k"}, False).value("-k") == "f"


def test_split_line_quotes():
    """Quoted words stay whole; an unbalanced quote is a UsageError."""
    assert split_line("addprinc -pw 'a b' -e \"x y\" p") == ["addprinc", "-pw", "a b", "-e", "x y", "p"]
    with pytest.raises(UsageError):
        split_line("addprinc 'a")


def test_parse_keysalts():
    """-e lists: MIT names and aliases, comma or space separated, salts, duplicates dropped."""
    cfg = Config(realm="EXAMPLE.TEST")
    assert parse_keysalts("aes256-cts-hmac-sha1-96:normal, aes128-sha2 aes256-cts:norealm aes256-cts", cfg) == (
        KeySalt(18), KeySalt(19), KeySalt(18, SaltType.NOREALM))
    with pytest.raises(UsageError, match="no enctypes"):
        parse_keysalts(" , ", cfg)


def test_salt_strings():
    """normal = realm + components, norealm = components, onlyrealm = realm (MIT)."""
    p = Principal.parse("host/h.test@EX.TEST")
    assert [salt_string(p, t) for t in (SaltType.NORMAL, SaltType.NOREALM, SaltType.ONLYREALM)] == [
        "EX.TESThosth.test", "hosth.test", "EX.TEST"]


def test_glob_escape_realm():
    """A realm is matched literally when appended to a glob."""
    assert _glob_escape("A*B?[C") == "A[*]B[?][[]C"


def test_format_principal_exact():
    """The full getprinc text for a known record, line by line as MIT prints it."""
    entry = PrincipalEntry(
        principal=Principal.parse("alice@EXAMPLE.TEST"), attributes=int(Attr.REQUIRES_PRE_AUTH), kvno=2,
        keys=(StoredKey(2, 18, b"x", 1), StoredKey(2, 17, b"y", 1, SaltType.NOREALM, b"alice")),
        max_life=36000, max_renewable_life=86400 * 7, last_pwd_change=1800000000, mod_time=1800000000,
        mod_princ="root/admin@EXAMPLE.TEST", fail_auth_count=2, last_failed=1800000100)
    assert format_principal(entry).splitlines() == [
        "Principal: alice@EXAMPLE.TEST",
        "Expiration date: [never]",
        "Last password change: Fri Jan 15 08:00:00 UTC 2027",
        "Password expiration date: [never]",
        "Maximum ticket life: 0 days 10:00:00",
        "Maximum renewable life: 7 days 00:00:00",
        "Last modified: Fri Jan 15 08:00:00 UTC 2027 (root/admin@EXAMPLE.TEST)",
        "Last successful authentication: [never]",
        "Last failed authentication: Fri Jan 15 08:01:40 UTC 2027",
        "Failed password attempts: 2",
        "Number of keys: 2",
        "Key: vno 2, aes256-cts-hmac-sha1-96",
        "Key: vno 2, aes128-cts-hmac-sha1-96:norealm",
        "MKey: vno 1",
        "Attributes: REQUIRES_PRE_AUTH",
        "Policy: [none]",
    ]


def test_format_principal_policy_line():
    """The Policy line: the name alone when the policy exists, MIT's ' [does not exist]' mark when not."""
    entry = PrincipalEntry(principal=Principal.parse("alice@EXAMPLE.TEST"), attributes=0, kvno=1, keys=(),
                           policy="users")
    assert format_principal(entry).splitlines()[-1] == "Policy: users [does not exist]"
    assert format_principal(entry, lambda name: name == "users").splitlines()[-1] == "Policy: users"
