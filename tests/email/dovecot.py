"""A private Dovecot IMAP server on a free loopback port, as in the shared recipe.

The config is the recipe's template with the temp dir and port filled in. Mail is
delivered with IMAP APPEND (stdlib ``imaplib``), so messages get real UIDs, a real
UIDVALIDITY and real IDLE notifications.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = @ROOT@/run
state_dir = @ROOT@/state
log_path = @ROOT@/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:@ROOT@/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
default_internal_group = dovecot
first_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @ROOT@/passwd
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=@ROOT@/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @PORT@
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
"""

USER = "support@example.test"
PASSWORD = "secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    def __init__(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="cc-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        (self.root / "dovecot.conf").write_text(
            CONFIG.replace("@ROOT@", str(self.root)).replace("@PORT@", str(self.port))
        )
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        mail = self.root / "mail"
        mail.mkdir()
        dovecot = pwd.getpwnam("dovecot")
        os.chown(mail, dovecot.pw_uid, dovecot.pw_gid)
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.root / "dovecot.conf"), "-F"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen on {self.port}; see {self.root / 'dovecot.log'}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None
        # Child processes (imap, imap-login) hold the port until they exit.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.05)
            except OSError:
                return

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def imap_url(self) -> str:
        return f"imap://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def add_user(self, user: str, password: str) -> None:
        """Another account; Dovecot re-reads its passwd-file when it changes."""
        with (self.root / "passwd").open("a") as passwd:
            passwd.write(f"{user}:{{PLAIN}}{password}::::::\n")

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(USER, PASSWORD)
        return client

    def append(self, messages: list[bytes], folder: str = "INBOX") -> None:
        client = self.client()
        try:
            for raw in messages:
                typ, data = client.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            client.logout()

    def recreate(self, folder: str = "INBOX") -> None:
        """Delete and re-create ``folder``'s storage so it gets a new UIDVALIDITY."""
        client = self.client()
        try:
            client.select(folder)
            client.store("1:*", "+FLAGS", "\\Deleted")
            client.expunge()
            client.close()
        finally:
            client.logout()
        # Dovecot keeps INBOX's UIDVALIDITY across expunge; removing its index and
        # uidlist files makes it assign a fresh one, as a rebuilt mailbox would.
        maildir = self.root / "mail" / USER
        for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.log", "dovecot.index.cache"):
            (maildir / name).unlink(missing_ok=True)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            typ, data = client.status(folder, "(UIDVALIDITY)")
            text = data[0].decode()
            return int(text.split("UIDVALIDITY")[1].strip(" )"))
        finally:
            client.logout()
