"""kdcadmin addprinc and getprinc: defaults, options, flags, keys, and no clear key in the database file."""

from __future__ import annotations

from kdc.db.model import Attr, SaltType
from kdc.masterkey import open_master_key
from protocol import crypto
from protocol.principal import Principal

ALICE = Principal.parse("alice@EXAMPLE.TEST")
DEFAULT_ENCTYPES = [18, 17, 20, 19]


def expected_keys(password: str, principal: Principal = ALICE, enctypes=DEFAULT_ENCTYPES):
    return [crypto.string_to_key(e, password, principal.default_salt()) for e in enctypes]


def test_addprinc_pw_defaults(realm):
    """addprinc -pw: +requires_preauth, realm lifetimes, kvno 1, the four default AES keys from the password."""
    assert realm.ok("addprinc", "-pw", "correct horse", "alice") == 'Principal "alice@EXAMPLE.TEST" created.\n'
    e = realm.entry("alice")
    assert e.attributes == Attr.REQUIRES_PRE_AUTH
    assert (e.kvno, e.max_life, e.max_renewable_life, e.expiration) == (1, 36000, 604800, None)
    assert e.last_pwd_change is not None and e.mod_princ.endswith("/admin@EXAMPLE.TEST")
    assert realm.clear_keys("alice") == expected_keys("correct horse")


def test_database_file_holds_no_clear_key(realm):
    """The known keys of a -pw principal appear nowhere in the database file or its WAL."""
    realm.ok("addprinc", "-pw", "correct horse", "alice")
    keys = expected_keys("correct horse")
    blob = database_bytes(realm)
    assert len(blob) > 4096 and b"alice@EXAMPLE.TEST" in blob  # we are looking at the right bytes
    for key in keys:
        assert key.keyvalue not in blob
        assert key.keyvalue[:8] not in blob  # not even a fragment


def database_bytes(realm) -> bytes:
    """The database file and its -wal/-shm companions, as they are on disk now."""
    files = [p for p in realm.db_path.parent.iterdir() if p.name.startswith(realm.db_path.name)]
    return b"".join(p.read_bytes() for p in files)


def windows(data: bytes, size: int = 8) -> set[bytes]:
    return {data[i:i + size] for i in range(len(data) - size + 1)}


def test_database_file_holds_no_random_key(realm, tmp_path):
    """The random keys of krbtgt, the kadmin principals and a -randkey principal (two kvnos, after ktadd),
    unsealed through the real master key, appear nowhere in the database file or its WAL, not even
    as an 8-byte window."""
    realm.ok("addprinc", "-randkey", "host/web.example.test")
    realm.ok("ktadd", "-q", "-k", str(tmp_path / "web.keytab"), "host/web.example.test")
    names = ["krbtgt/EXAMPLE.TEST", "kadmin/admin", "kadmin/changepw", "host/web.example.test"]
    entries = [realm.entry(n) for n in names]
    mk = open_master_key(realm.config.master_key)
    try:
        clear = [mk.unseal(e.principal, k).keyvalue for e in entries for k in e.keys]
    finally:
        mk.close()
    assert len(clear) == 4 * 5 and len(set(clear)) == len(clear)  # kvnos 1 and 2 of the -randkey one
    blob = database_bytes(realm)
    sealed = [k.sealed for e in entries for k in e.keys]
    assert all(s in blob for s in sealed)  # the sealed blobs are here: we are looking at the right bytes
    for key in clear:
        assert key not in blob
    for window in set().union(*map(windows, clear)):
        assert window not in blob


def test_addprinc_randkey_and_nokey(realm):
    """-randkey gives random keys (distinct per principal); -nokey gives a principal without keys."""
    realm.ok("addprinc", "-randkey", "svc1")
    realm.ok("addprinc", "-randkey", "svc2")
    realm.ok("addprinc", "-nokey", "empty")
    k1, k2 = realm.clear_keys("svc1"), realm.clear_keys("svc2")
    assert [k.keytype for k in k1] == DEFAULT_ENCTYPES and k1 != k2
    assert realm.entry("empty").keys == ()
    assert "Number of keys: 0" in realm.ok("getprinc", "empty")


def test_addprinc_prompts_on_stdin(realm):
    """Without -pw the password is read twice (from stdin when it is not a terminal)."""
    realm.ok("addprinc", "alice", stdin="s3cret pass\ns3cret pass\n")
    assert realm.clear_keys("alice") == expected_keys("s3cret pass")


def test_addprinc_password_mismatch_creates_nothing(realm):
    """Two different passwords: exit 1, one line, no principal."""
    r = realm.run("addprinc", "alice", stdin="one\ntwo\n")
    assert r.code == 1 and "do not match" in r.err and r.err.count("\n") == 1
    assert realm.entry("alice") is None


def test_addprinc_without_password_input(realm):
    """No -pw and nothing on stdin: a usage error, nothing created."""
    r = realm.run("addprinc", "alice", stdin="")
    assert r.code == 2 and "no password" in r.err
    assert realm.entry("alice") is None


def test_addprinc_all_options_show_in_getprinc(realm):
    """Lifetimes, dates, flags, enctypes with salts and policy are stored and printed as kadmin prints them."""
    r = realm.run("addprinc", "-pw", "pw", "-maxlife", "2h", "-maxrenewlife", "1d 2h",
             "-expire", "2030-01-31 13:45:00 UTC", "-pwexpire", "2029-12-31",
             "-requires_preauth", "-allow_tix", "+allow_forwardable", "+ok_as_delegate", "+needchange",
             "-e", "aes256-sha2:normal,aes128-cts:norealm", "-policy", "users", "alice")
    assert (r.code, r.err) == (0, 'WARNING: policy "users" does not exist\n')
    out = realm.ok("getprinc", "alice").splitlines()
    assert out[0] == "Principal: alice@EXAMPLE.TEST"
    assert "Expiration date: Thu Jan 31 13:45:00 UTC 2030" in out
    assert "Password expiration date: Mon Dec 31 00:00:00 UTC 2029" in out
    assert "Maximum ticket life: 0 days 02:00:00" in out
    assert "Maximum renewable life: 1 day 02:00:00" in out
    assert "Key: vno 1, aes256-cts-hmac-sha384-192" in out
    assert "Key: vno 1, aes128-cts-hmac-sha1-96:norealm" in out
    assert "Attributes: DISALLOW_ALL_TIX REQUIRES_PWCHANGE OK_AS_DELEGATE" in out
    assert out[-1] == "Policy: users [does not exist]"
    norealm = realm.entry("alice").keys[1]
    assert (norealm.salt_type, norealm.salt) == (SaltType.NOREALM, b"alice")
    assert realm.clear_keys("alice")[1] == crypto.string_to_key(17, "pw", "alice")


def test_getprinc_layout(realm):
    """getprinc prints MIT's fields in MIT's order."""
    realm.ok("addprinc", "-pw", "pw", "alice")
    labels = [line.split(":")[0] for line in realm.ok("getprinc", "alice").splitlines()]
    assert labels == [
        "Principal", "Expiration date", "Last password change", "Password expiration date",
        "Maximum ticket life", "Maximum renewable life", "Last modified",
        "Last successful authentication", "Last failed authentication", "Failed password attempts",
        "Number of keys", "Key", "Key", "Key", "Key", "MKey", "Attributes", "Policy",
    ]


def test_addprinc_existing_refused(realm):
    """addprinc of an existing name exits 1 naming it, and leaves the record alone."""
    realm.ok("addprinc", "-pw", "first", "alice")
    before = realm.snapshot()
    r = realm.run("addprinc", "-pw", "second", "alice")
    assert r.code == 1 and r.err == "kdcadmin: addprinc: principal alice@EXAMPLE.TEST already exists\n"
    assert realm.snapshot() == before


def test_names_with_instances_and_realms(realm):
    """Service names, escaped characters and an explicit realm are kept exactly."""
    realm.ok("addprinc", "-randkey", "HTTP/www.example.test")
    realm.ok("addprinc", "-randkey", "krbtgt/OTHER.TEST@EXAMPLE.TEST")
    realm.ok("addprinc", "-randkey", r"odd\/name")
    names = realm.ok("listprincs").split()
    assert "HTTP/www.example.test@EXAMPLE.TEST" in names
    assert "krbtgt/OTHER.TEST@EXAMPLE.TEST" in names
    assert r"odd\/name@EXAMPLE.TEST" in names
    assert realm.entry(r"odd\/name").principal.components == ("odd/name",)


def test_listprincs_glob(realm):
    """listprincs takes kadmin globs; without @ the default realm is meant."""
    for n in ("alice", "alan", "bob"):
        realm.ok("addprinc", "-nokey", n)
    assert realm.ok("listprincs", "al*").split() == ["alan@EXAMPLE.TEST", "alice@EXAMPLE.TEST"]
    assert realm.ok("listprincs", "kadmin/*").split() == ["kadmin/admin@EXAMPLE.TEST", "kadmin/changepw@EXAMPLE.TEST"]
    assert realm.ok("listprincs", "*@OTHER.TEST") == ""
    assert realm.ok("listprincs", "b?b@*").split() == ["bob@EXAMPLE.TEST"]


def test_addprinc_missing_policy_warns_and_records_it(realm):
    """-policy naming no policy object: MIT's one-line warning on stderr, exit 0, the name recorded and flagged."""
    r = realm.run("-q", "addprinc -randkey -policy nosuch alice")
    assert r.code == 0
    assert r.err == 'WARNING: policy "nosuch" does not exist\n'
    assert r.out == 'Principal "alice@EXAMPLE.TEST" created.\n'
    assert realm.entry("alice").policy == "nosuch"
    assert realm.ok("getprinc", "alice").splitlines()[-1] == "Policy: nosuch [does not exist]"


def test_addprinc_without_policy_prints_no_warning(realm):
    """Without -policy nothing is printed on stderr and getprinc shows no policy."""
    assert realm.run("addprinc", "-randkey", "bob").err == ""
    assert realm.ok("getprinc", "bob").splitlines()[-1] == "Policy: [none]"
