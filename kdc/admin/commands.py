"""The kdcadmin command table: one row per kadmin command, with its options and handler.

Names, aliases, options and output lines follow MIT kadmin (kadmin(1)); CONTRACT.md fixes
the set. A handler raises AdminError (or a store/token error) on failure; ``None`` or an
int it returns is the command's exit status.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from kdc.admin import keys as keymod
from kdc.admin.args import Parsed, parse_words
from kdc.admin.display import format_principal
from kdc.admin.errors import AdminError, Refused, UsageError
from kdc.admin.keytab import export_keys, keytab_path
from kdc.admin.ops import Admin, Changes
from kdc.timefmt import parse_duration, parse_time
from protocol.errors import PrincipalParseError
from protocol.principal import Principal


@dataclass
class Context:
    """What a handler works with: the session and the three standard streams."""

    admin: Admin
    out: TextIO
    err: TextIO
    stdin: TextIO | None

    def principal(self, text: str) -> Principal:
        """Parse a principal name (default realm: the config's); UsageError naming a bad one."""
        try:
            p = Principal.parse(text, self.admin.realm)
        except PrincipalParseError as exc:
            raise UsageError(f"invalid principal name {text!r}: {exc}") from None
        if not p.realm or any(c == "" for c in p.components):
            raise UsageError(f"invalid principal name {text!r}: empty component or realm")
        return p

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


Handler = Callable[[Context, Parsed], Awaitable[int | None]]


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    usage: str
    handler: Handler
    options: dict[str, bool] = field(default_factory=dict)  # option -> takes a value
    option_aliases: dict[str, str] = field(default_factory=dict)
    takes_flags: bool = False
    positionals: tuple[int, int | None] = (1, 1)

    def parse(self, words: list[str]) -> Parsed:
        parsed = parse_words(self.name, words, self.options, self.option_aliases, self.takes_flags)
        low, high = self.positionals
        n = len(parsed.positionals)
        if n < low or (high is not None and n > high):
            raise UsageError(f"usage: {self.usage}")
        return parsed


# -- shared option handling ----------------------------------------------------------------

_ENTRY_OPTIONS = {"-maxlife": True, "-maxrenewlife": True, "-expire": True, "-pwexpire": True,
                  "-policy": True, "-clearpolicy": False}
# option -> (record field, parser of its text given the current time)
_VALUE_FIELDS = {
    "-maxlife": ("max_life", lambda text, now: parse_duration(text)),
    "-maxrenewlife": ("max_renewable_life", lambda text, now: parse_duration(text)),
    "-expire": ("expiration", parse_time),
    "-pwexpire": ("pw_expiration", parse_time),
}


def _changes(ctx: Context, parsed: Parsed) -> Changes:
    """The record fields and flags that addprinc/modprinc options ask for; UsageError on a bad value."""
    changes = Changes(flags=list(parsed.flags))
    for opt, (fname, parse) in _VALUE_FIELDS.items():
        if (text := parsed.value(opt)) is not None:
            try:
                changes.fields[fname] = parse(text, ctx.admin.now())
            except ValueError as exc:
                raise UsageError(f"{opt}: {exc}") from None
    if parsed.has("-policy") and parsed.has("-clearpolicy"):
        raise UsageError("-policy and -clearpolicy are exclusive")
    if (policy := parsed.value("-policy")) is not None:
        changes.fields["policy"] = policy
    if parsed.has("-clearpolicy"):
        changes.fields["policy"] = None
    return changes


def _warn_missing_policy(ctx: Context, changes: Changes) -> None:
    """MIT kadmin's warning for ``-policy`` naming no policy; the name is recorded anyway."""
    policy = changes.fields.get("policy")
    if policy is not None and not ctx.admin.policy_exists(policy):
        print(f'WARNING: policy "{policy}" does not exist', file=ctx.err, flush=True)


def _kvno(parsed: Parsed, option: str) -> int | None:
    """The key version number given to ``option``; UsageError unless 1 .. 2**32-1."""
    text = parsed.value(option)
    if text is None:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 2**32 - 1:
        raise UsageError(f"{option}: not a key version number: {text!r}")
    return int(text)


def _keysalts(ctx: Context, parsed: Parsed) -> tuple[keymod.KeySalt, ...] | None:
    text = parsed.value("-e")
    return None if text is None else keymod.parse_keysalts(text, ctx.admin.config)


def _exclusive(parsed: Parsed, *names: str) -> None:
    given = [n for n in names if parsed.has(n)]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} are exclusive")


def read_new_password(ctx: Context, principal: Principal) -> str:
    """Ask twice, as kadmin does: getpass on a terminal, two lines from a pipe; refuse a mismatch."""
    first_prompt = f'Enter password for principal "{principal}": '
    second_prompt = f'Re-enter password for principal "{principal}": '
    if ctx.stdin is not None and ctx.stdin.isatty():
        first, second = getpass.getpass(first_prompt), getpass.getpass(second_prompt)
    else:
        first, second = _read_line(ctx.stdin), _read_line(ctx.stdin)
        if first is None or second is None:
            raise UsageError(f"no password for {principal} on standard input (give -pw, -randkey or two lines)")
    if first != second:
        raise Refused(f"passwords for {principal} do not match")
    if not first:
        raise Refused(f"empty password for {principal}")
    return first


def _read_line(stream: TextIO | None) -> str | None:
    line = stream.readline() if stream is not None else ""
    return None if line == "" else line.rstrip("\r\n")


# -- handlers ------------------------------------------------------------------------------

async def _addprinc(ctx: Context, parsed: Parsed) -> None:
    principal = ctx.principal(parsed.positionals[0])
    _exclusive(parsed, "-pw", "-randkey", "-nokey")
    changes, keysalts = _changes(ctx, parsed), _keysalts(ctx, parsed)
    if parsed.has("-nokey") and keysalts is not None:
        raise UsageError("-e makes no sense with -nokey")
    _warn_missing_policy(ctx, changes)
    password = parsed.value("-pw")
    if not (password is not None or parsed.has("-randkey") or parsed.has("-nokey")):
        if await ctx.admin.store().get(principal) is not None:
            raise Refused(f"principal {principal} already exists")
        password = read_new_password(ctx, principal)
    await ctx.admin.add(principal, changes, password, parsed.has("-randkey"), keysalts)
    ctx.say(f'Principal "{principal}" created.')


async def _modprinc(ctx: Context, parsed: Parsed) -> None:
    principal = ctx.principal(parsed.positionals[0])
    changes = _changes(ctx, parsed)
    kvno = _kvno(parsed, "-kvno")
    _warn_missing_policy(ctx, changes)
    await ctx.admin.modify(principal, changes, parsed.has("-unlock"), kvno)
    ctx.say(f'Principal "{principal}" modified.')


async def _getprinc(ctx: Context, parsed: Parsed) -> None:
    entry = await ctx.admin.get(ctx.principal(parsed.positionals[0]))
    ctx.say(format_principal(entry, ctx.admin.policy_exists))


async def _listprincs(ctx: Context, parsed: Parsed) -> None:
    pattern = parsed.positionals[0] if parsed.positionals else None
    for p in await ctx.admin.list(pattern):
        ctx.say(str(p))


async def _delprinc(ctx: Context, parsed: Parsed) -> int | None:
    principal = ctx.principal(parsed.positionals[0])
    await ctx.admin.get(principal)
    if not parsed.has("-force"):
        ctx.out.write(f'Are you sure you want to delete the principal "{principal}"? (yes/no): ')
        ctx.out.flush()
        answer = _read_line(ctx.stdin)
        if answer is None or answer.strip().lower() != "yes":
            if answer is None:
                ctx.out.write("\n")
            ctx.say(f'Principal "{principal}" not deleted.')
            return 1
    await ctx.admin.delete(principal)
    ctx.say(f'Principal "{principal}" deleted.')
    return None


async def _cpw(ctx: Context, parsed: Parsed) -> None:
    principal = ctx.principal(parsed.positionals[0])
    _exclusive(parsed, "-pw", "-randkey")
    keysalts = _keysalts(ctx, parsed)
    password = parsed.value("-pw")
    if password is None and not parsed.has("-randkey"):
        await ctx.admin.get(principal)
        password = read_new_password(ctx, principal)
    await ctx.admin.change_keys(principal, password, parsed.has("-keepold"), keysalts)
    if password is None:
        ctx.say(f'Key for "{principal}" randomized.')
    else:
        ctx.say(f'Password for "{principal}" changed.')


async def _purgekeys(ctx: Context, parsed: Parsed) -> None:
    principal = ctx.principal(parsed.positionals[0])
    _exclusive(parsed, "-all", "-keepkvno")
    all_keys = parsed.has("-all")
    await ctx.admin.purge_keys(principal, _kvno(parsed, "-keepkvno"), all_keys=all_keys)
    if all_keys:
        ctx.say(f'All keys for principal "{principal}" removed.')
    else:
        ctx.say(f'Old keys for principal "{principal}" purged.')


async def _ktadd(ctx: Context, parsed: Parsed) -> int | None:
    path = keytab_path(parsed.value("-k"))
    names = list(parsed.positionals)
    if (pattern := parsed.value("-glob")) is not None:
        names += [str(p) for p in await ctx.admin.list(pattern)]
    if not names:
        raise UsageError("usage: " + COMMANDS_BY_NAME["ktadd"].usage)
    keysalts = _keysalts(ctx, parsed)
    status = None
    for name in names:
        try:
            lines = await export_keys(ctx.admin, ctx.principal(name), path, keysalts,
                                      randomize=not parsed.has("-norandkey"))
        except Refused as exc:
            print(f"kdcadmin: ktadd: {exc}", file=ctx.err, flush=True)
            status = 1
            continue
        if not parsed.has("-q"):
            for kvno, enctype in lines:
                ctx.say(f"Entry for principal {name} with kvno {kvno}, encryption type {enctype} "
                        f"added to keytab WRFILE:{path}.")
    return status


async def _init(ctx: Context, parsed: Parsed) -> None:
    cfg = ctx.admin.config
    created = await ctx.admin.init()
    ctx.say(f"Initializing database '{cfg.database.url}' for realm '{cfg.realm}',")
    ctx.say(f"master key '{cfg.master_key.key_label}' (mkvno 1) generated in token '{cfg.master_key.token_label}'")
    for p in created:
        ctx.say(f'Principal "{p}" created.')


async def _help(ctx: Context, parsed: Parsed) -> None:
    for cmd in COMMANDS:
        names = ", ".join((cmd.name,) + cmd.aliases)
        ctx.say(f"{names:45} {cmd.usage}")


COMMANDS: tuple[Command, ...] = (
    Command("init", (), "init", _init, positionals=(0, 0)),
    Command("add_principal", ("addprinc", "ank"),
            "addprinc [-pw PASS|-randkey|-nokey] [-e ENCTYPES] [-maxlife DUR] [-maxrenewlife DUR] "
            "[-expire WHEN] [-pwexpire WHEN] [-policy NAME] [+/-flag ...] PRINCIPAL",
            _addprinc, {**_ENTRY_OPTIONS, "-pw": True, "-randkey": False, "-nokey": False, "-e": True},
            takes_flags=True),
    Command("modify_principal", ("modprinc", "modify_princ"),
            "modprinc [-maxlife DUR] [-maxrenewlife DUR] [-expire WHEN] [-pwexpire WHEN] "
            "[-policy NAME|-clearpolicy] [-kvno N] [-unlock] [+/-flag ...] PRINCIPAL",
            _modprinc, {**_ENTRY_OPTIONS, "-kvno": True, "-unlock": False}, takes_flags=True),
    Command("get_principal", ("getprinc",), "getprinc PRINCIPAL", _getprinc),
    Command("list_principals", ("listprincs", "get_principals", "getprincs"), "listprincs [GLOB]",
            _listprincs, positionals=(0, 1)),
    Command("delete_principal", ("delprinc",), "delprinc [-force] PRINCIPAL", _delprinc, {"-force": False}),
    Command("change_password", ("cpw",), "cpw [-pw PASS|-randkey] [-keepold] [-e ENCTYPES] PRINCIPAL",
            _cpw, {"-pw": True, "-randkey": False, "-keepold": False, "-e": True}),
    Command("ktadd", ("xst",), "ktadd -k KEYTAB [-e ENCTYPES] [-norandkey] [-q] [-glob GLOB] [PRINCIPAL ...]",
            _ktadd, {"-k": True, "-e": True, "-norandkey": False, "-q": False, "-glob": True},
            option_aliases={"-keytab": "-k"}, positionals=(0, None)),
    # MIT names it purgekeys only, no long form.
    Command("purgekeys", (), "purgekeys [-all|-keepkvno oldest_kvno_to_keep] PRINCIPAL", _purgekeys,
            {"-all": False, "-keepkvno": True}),
    Command("list_requests", ("lr", "?", "help"), "list_requests", _help, positionals=(0, 0)),
)
COMMANDS_BY_NAME = {n: c for c in COMMANDS for n in (c.name, *c.aliases)}


async def run_words(ctx: Context, words: list[str]) -> int:
    """Run one command given as words; raises AdminError and store/token errors to the caller."""
    cmd = COMMANDS_BY_NAME.get(words[0])
    if cmd is None:
        raise UsageError(f"unknown command {words[0]!r} (list_requests shows the commands)")
    status = await cmd.handler(ctx, cmd.parse(words[1:]))
    return status or 0


def who_am_i(realm: str) -> str:
    """The modifier recorded in mod_princ: ``USER/admin@REALM``, as kadmin.local records it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}/admin@{realm}"


__all__ = ["AdminError", "COMMANDS", "COMMANDS_BY_NAME", "Context", "run_words", "who_am_i"]
