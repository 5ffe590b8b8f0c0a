"""A small filesystem the tests can fill up or make read-only: a tmpfs mounted in a private mount
namespace (a user namespace too when the tests do not run as root), kept alive by a sleeping
holder process.

Processes that must use it (the bot, the CLI) run under `wrapper` (nsenter into the namespace)
and name files by `inside(...)`; the test itself reaches the same files through the holder's
/proc/<pid>/root. `available()` says whether this machine allows it (Linux with unshare and
nsenter, and either root or unprivileged user namespaces); where it does not, the tests that need
a real full disk are skipped and the write errors are injected at the store instead
(tests/test_full_store.py).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class SmallFS:
    def __init__(self, size_bytes: int) -> None:
        self.size = size_bytes
        self.mountpoint = Path(tempfile.mkdtemp(prefix="duban-smallfs-"))
        self.userns = os.geteuid() != 0
        self.holder: subprocess.Popen | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> SmallFS:
        flags = ["-U", "-r"] if self.userns else []
        script = (f"mount -t tmpfs -o size={self.size} tmpfs '{self.mountpoint}' "
                  "&& echo ready && exec sleep 100000")
        self.holder = subprocess.Popen(
            ["unshare", *flags, "-m", "--propagation", "private", "sh", "-c", script],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline().strip()
        if line != "ready":
            err = self.holder.stderr.read() if self.holder.poll() is not None else ""
            self.stop()
            raise OSError(f"cannot mount a tmpfs in a namespace: {err.strip() or line}")
        return self

    def stop(self) -> None:
        if self.holder is not None and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait()
        shutil.rmtree(self.mountpoint, ignore_errors=True)

    def __enter__(self) -> SmallFS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ paths
    @property
    def wrapper(self) -> list[str]:
        """Prefix of a command that must see the filesystem."""
        assert self.holder is not None
        userns = ["-U", "--preserve-credentials"] if self.userns else []
        return ["nsenter", "-t", str(self.holder.pid), *userns, "-m"]

    def inside(self, *parts: str) -> Path:
        """A path as the processes under `wrapper` name it."""
        return self.mountpoint.joinpath(*parts)

    def outside(self, *parts: str) -> Path:
        """The same path as this process reaches it."""
        assert self.holder is not None
        return Path(f"/proc/{self.holder.pid}/root{self.mountpoint}").joinpath(*parts)

    # ------------------------------------------------------------ faults
    def fill(self) -> int:
        """Take every free byte (a filler file); returns how many bytes it took."""
        fd = os.open(self.outside(".filler"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        written = 0
        try:
            for size in (1 << 16, 4096, 512, 1):
                while True:
                    try:
                        written += os.write(fd, b"\0" * size)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        return written

    def free(self) -> None:
        self.outside(".filler").unlink(missing_ok=True)

    def read_only(self, on: bool = True) -> None:
        mode = f"remount,{'ro' if on else 'rw'},size={self.size}"
        subprocess.run([*self.wrapper, "mount", "-t", "tmpfs", "-o", mode, "tmpfs",
                        str(self.mountpoint)], check=True, capture_output=True)


def available() -> str | None:
    """None if a SmallFS can be made here, else why not."""
    if not (shutil.which("unshare") and shutil.which("nsenter")):
        return "unshare/nsenter not installed"
    try:
        with SmallFS(1 << 20) as fs:
            (fs.outside("probe")).write_bytes(b"x")
            subprocess.run([*fs.wrapper, "true"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        return str(exc)
    return None
