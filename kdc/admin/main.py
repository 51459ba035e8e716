"""Entry point of ``kdcadmin``: global options, one command, ``-q QUERY`` or an interactive prompt.

    kdcadmin --config FILE COMMAND [ARGS...]
    kdcadmin --config FILE -q "addprinc -pw secret alice"
    kdcadmin --config FILE                  # prompt, as kadmin; history via readline

Without ``--config`` the file named by the environment variable KDCD_CONFIG is used.
Exit status (CONTRACT.md): 0 ok, 1 refused operation, 2 usage or configuration error.
Every failure is one line on stderr naming what was wrong, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass, field

from kdc.admin.args import split_line
from kdc.admin.commands import Context, run_words, who_am_i
from kdc.admin.errors import AdminError, UsageError
from kdc.admin.ops import Admin
from kdc.config import ConfigError, load_config
from kdc.db import DatabaseLocked, NoSuchPrincipal, PrincipalExists, StoreError
from kdc.masterkey import MasterKeyError, SealedKeyIntegrityError

PROMPT = "kdcadmin:  "
USAGE = 'usage: kdcadmin --config FILE [-q "COMMAND ..." | COMMAND [ARGS...]]'
QUIT = {"quit", "exit", "q"}
HISTORY_ENV = "KDCADMIN_HISTORY"

# Exception type -> exit status, most specific first (CONTRACT.md: 1 refused, 2 usage/config).
_EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (PrincipalExists, 1),
    (NoSuchPrincipal, 1),
    (DatabaseLocked, 1),
    (SealedKeyIntegrityError, 1),
    (StoreError, 2),
    (MasterKeyError, 2),
    (ConfigError, 2),
)


@dataclass
class Options:
    config: str | None = None
    query: str | None = None
    words: list[str] = field(default_factory=list)
    help: bool = False


def parse_options(argv: list[str]) -> Options:
    """Global options come before the command; the first other word starts the command."""
    opts = Options()
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in ("-h", "--help"):
            opts.help = True
        elif word in ("--config", "-q"):
            if i + 1 >= len(argv):
                raise UsageError(f"{word} needs a value")
            i += 1
            setattr(opts, "config" if word == "--config" else "query", argv[i])
        elif word.startswith("--config="):
            opts.config = word.split("=", 1)[1]
        elif word.startswith("-") and word != "-":
            raise UsageError(f"unknown option {word!r}; {USAGE}")
        else:
            opts.words = argv[i:]
            break
        i += 1
    if opts.query is not None and opts.words:
        raise UsageError(f"give either -q or a command, not both; {USAGE}")
    return opts


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        opts = parse_options(argv)
        if opts.help:
            print(USAGE)
            return 0
        path = opts.config or os.environ.get("KDCD_CONFIG")
        if not path:
            raise UsageError(f"--config FILE is required; {USAGE}")
        config = load_config(path)
    except (UsageError, ConfigError) as exc:
        return report(exc, None)
    try:
        return asyncio.run(_session(config, opts))
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130


async def _session(config, opts: Options) -> int:
    admin = Admin(config, who=who_am_i(config.realm), warn=_warn)
    ctx = Context(admin, sys.stdout, sys.stderr, sys.stdin)
    try:
        if opts.query is not None:
            return await run_line(ctx, opts.query)
        if opts.words:
            return await run_command(ctx, opts.words)
        return await interactive(ctx)
    finally:
        try:
            await admin.close()
        except Exception as exc:  # closing must not hide the command's own status
            report(exc, None)


async def run_line(ctx: Context, line: str) -> int:
    try:
        words = split_line(line)
    except UsageError as exc:
        return report(exc, None)
    return await run_command(ctx, words) if words else 0


async def run_command(ctx: Context, words: list[str]) -> int:
    """Run one command; any failure becomes one stderr line and its exit status."""
    try:
        return await run_words(ctx, words)
    except Exception as exc:
        return report(exc, words[0])


def _warn(line: str) -> None:
    print(f"kdcadmin: warning: {line}", file=sys.stderr, flush=True)


def report(exc: BaseException, command: str | None) -> int:
    """Print ``exc`` as one line on stderr; return its exit status."""
    where = f"kdcadmin: {command}: " if command else "kdcadmin: "
    if isinstance(exc, AdminError):
        code = exc.exit_code
        text = str(exc)
    else:
        code = next((c for t, c in _EXIT_CODES if isinstance(exc, t)), None)
        text = str(exc) if code is not None else f"internal error: {type(exc).__name__}: {exc}"
        code = 1 if code is None else code
    print(where + " ".join(text.split()), file=sys.stderr, flush=True)
    return code


async def interactive(ctx: Context) -> int:
    """kadmin's prompt. On a terminal: readline editing and history; from a pipe: one command a line.

    From a pipe, the exit status is the worst status of the commands, so scripts notice.
    """
    tty = ctx.stdin is not None and ctx.stdin.isatty()
    history = _History() if tty else None
    worst = 0
    while True:
        if tty:
            try:
                line = input(PROMPT)
            except EOFError:
                print()
                break
        else:
            line = ctx.stdin.readline() if ctx.stdin is not None else ""
            if line == "":
                break
        try:
            words = split_line(line)
        except UsageError as exc:
            worst = max(worst, report(exc, None))
            continue
        if history is not None:
            history.forget_secret(words)
        if not words:
            continue
        if words[0] in QUIT:
            break
        worst = max(worst, await run_command(ctx, words))
    if history is not None:
        history.save()
    return 0 if tty else worst


class _History:
    """readline history in ~/.kdcadmin_history (or $KDCADMIN_HISTORY); lines with -pw are not kept."""

    def __init__(self) -> None:
        try:
            import readline
        except ImportError:  # no readline on this Python: plain input() still works
            self.readline = None
            return
        self.readline = readline
        self.path = os.environ.get(HISTORY_ENV) or os.path.expanduser("~/.kdcadmin_history")
        readline.set_history_length(1000)
        try:
            readline.read_history_file(self.path)
        except OSError:
            pass

    def forget_secret(self, words: list[str]) -> None:
        if self.readline is not None and "-pw" in words:
            n = self.readline.get_current_history_length()
            if n:
                self.readline.remove_history_item(n - 1)

    def save(self) -> None:
        if self.readline is None:
            return
        try:
            self.readline.write_history_file(self.path)
            os.chmod(self.path, 0o600)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
