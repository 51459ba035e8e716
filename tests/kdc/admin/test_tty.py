"""kdcadmin on a terminal (a pty): the kadmin-style prompt, password prompts via getpass, readline history."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from protocol import crypto

SCRIPT = Path(sys.executable).parent / "kdcadmin"


class Terminal:
    def __init__(self, args, env):
        self.fd, slave = pty.openpty()
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.seen = ""
        self.transcript = ""

    def expect(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"did not see {text!r}; got {self.seen!r}"
            if select.select([self.fd], [], [], left)[0]:
                try:
                    chunk = os.read(self.fd, 4096).decode(errors="replace")
                    self.seen += chunk
                    self.transcript += chunk
                except OSError:  # the child closed the terminal
                    break
        assert text in self.seen, self.seen
        before, _, self.seen = self.seen.partition(text)
        return before

    def send(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def close(self) -> int:
        code = self.proc.wait(timeout=30)
        os.close(self.fd)
        return code


def test_interactive_terminal_session(realm, tmp_path):
    """Prompt, getpass prompts for a password twice, errors shown, history saved without -pw lines."""
    history = tmp_path / "history"
    env = dict(os.environ, **realm.token.env, KDCADMIN_HISTORY=str(history))
    term = Terminal([str(SCRIPT), "--config", str(realm.config_path)], env)
    try:
        term.expect("kdcadmin:  ")
        term.send("addprinc alice")
        term.expect('Enter password for principal "alice@EXAMPLE.TEST": ')
        term.send("typed secret")
        term.expect('Re-enter password for principal "alice@EXAMPLE.TEST": ')
        term.send("typed secret")
        term.expect('Principal "alice@EXAMPLE.TEST" created.')
        term.expect("kdcadmin:  ")
        term.send("addprinc -pw hidden-pw bob")
        term.expect('Principal "bob@EXAMPLE.TEST" created.')
        term.send("getprinc nobody")
        term.expect("principal nobody@EXAMPLE.TEST does not exist")
        term.expect("kdcadmin:  ")
        term.send("quit")
        assert term.close() == 0
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
    assert "bob@EXAMPLE.TEST" in term.transcript
    assert "typed secret" not in term.transcript  # getpass does not echo
    assert realm.clear_keys("alice")[0] == crypto.string_to_key(18, "typed secret", "EXAMPLE.TESTalice")
    saved = history.read_text()
    assert "addprinc alice" in saved and "getprinc nobody" in saved
    assert "hidden-pw" not in saved
    assert history.stat().st_mode & 0o777 == 0o600
