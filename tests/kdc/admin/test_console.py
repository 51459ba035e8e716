"""kdcadmin's ways in: -q, long command names, the prompt fed from a pipe, help."""

from __future__ import annotations


def test_query_option(realm):
    """-q runs one kadmin command line, quoting as a shell would."""
    realm.ok("-q", "addprinc -pw 'two words' -e \"aes256-cts aes128-cts\" alice")
    e = realm.entry("alice")
    assert [k.enctype for k in e.keys] == [18, 17]


def test_long_names(realm):
    """add_principal, get_principal, list_principals, modify_principal, change_password, delete_principal."""
    realm.ok("add_principal", "-randkey", "alice")
    assert "Principal: alice@EXAMPLE.TEST" in realm.ok("get_principal", "alice")
    assert "alice@EXAMPLE.TEST" in realm.ok("list_principals").split()
    realm.ok("modify_principal", "-maxlife", "1h", "alice")
    realm.ok("change_password", "-randkey", "alice")
    assert realm.entry("alice").kvno == 2
    realm.ok("delete_principal", "-force", "alice")
    assert realm.entry("alice") is None


def test_prompt_from_pipe(realm):
    """Without a command, lines from stdin are commands; passwords follow on the next lines; quit ends."""
    script = "addprinc alice\npw one\npw one\n\ngetprinc alice\nquit\naddprinc -randkey never\n"
    r = realm.run(stdin=script)
    assert r.code == 0, r.err
    assert 'Principal "alice@EXAMPLE.TEST" created.' in r.out and "Principal: alice@EXAMPLE.TEST" in r.out
    assert realm.entry("never") is None


def test_prompt_reports_worst_status(realm):
    """Fed from a pipe, the prompt keeps going after an error and exits with the worst status."""
    r = realm.run(stdin="getprinc nobody\naddprinc -randkey alice\n")
    assert r.code == 1 and "nobody@EXAMPLE.TEST does not exist" in r.err
    assert realm.entry("alice") is not None


def test_help_lists_every_command(realm):
    """list_requests (?) names every command of CONTRACT.md."""
    out = realm.ok("?")
    for name in ("init", "addprinc", "getprinc", "listprincs", "modprinc", "delprinc", "cpw", "ktadd"):
        assert name in out


def test_usage_errors_of_global_options(realm):
    """An unknown global option or -q together with a command is a usage error (exit 2)."""
    assert realm.run("--frob").code == 2
    assert realm.run("-q", "listprincs", "getprinc", "x").code == 2
