"""kadmin-style command lines: ``-option [value]``, ``+flag``/``-flag``, then principal names.

MIT kadmin does not use getopt: options and flags may come in any order before the
principal, each option either takes the next word as its value or stands alone. Each
command declares its options in the command table (``kdc.admin.commands``); anything
else starting with ``-`` or ``+`` is a usage error naming the word.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from kdc.admin.errors import UsageError
from kdc.admin.flags import Flag, lookup_flag


@dataclass
class Parsed:
    """One command's words, sorted: option values (True for a bare option), flags, positionals."""

    options: dict[str, str | bool] = field(default_factory=dict)
    flags: list[tuple[Flag, bool]] = field(default_factory=list)
    positionals: list[str] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        v = self.options.get(name)
        return v if isinstance(v, str) else None

    def has(self, name: str) -> bool:
        return name in self.options


def split_line(line: str) -> list[str]:
    """Split a ``-q`` query or prompt line into words, with shell-like quoting."""
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"cannot parse {line!r}: {exc}") from None


def parse_words(command: str, words: list[str], options: dict[str, bool], aliases: dict[str, str],
                takes_flags: bool) -> Parsed:
    """Sort ``words`` by the command's option table (name -> takes a value) and the flag table."""
    parsed = Parsed()
    it = iter(words)
    for word in it:
        name = aliases.get(word, word)
        if name in options:
            if options[name]:
                value = next(it, None)
                if value is None:
                    raise UsageError(f"option {word} needs a value")
                parsed.options[name] = value
            else:
                parsed.options[name] = True
            continue
        flag = lookup_flag(word) if takes_flags else None
        if flag is not None:
            parsed.flags.append(flag)
        elif len(word) > 1 and word[0] in "-+":
            kind = "flag" if word[0] == "+" else "option or flag" if takes_flags else "option"
            raise UsageError(f"unknown {kind} {word!r}")
        else:
            parsed.positionals.append(word)
    return parsed
