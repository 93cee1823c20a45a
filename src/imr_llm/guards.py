"""What keeps a run from losing what it did not make: an output is never one of its inputs, and two
runs never write one output at once.

Both are checked before anything is opened for writing. The lock is an advisory lock (``flock``)
on a file beside the output, ``.NAME.lock``, holding the running process's id; the operating
system releases it however the process ends, and a clean end removes the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence

from .errors import OutputError
from .reading import SUFFIXES


def _same(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # a hard link: another name, the same inode
    except OSError:
        return False


def refuse_inputs(output: Optional[str], inputs: Sequence[str], *, letters: bool = True) -> None:
    """OutputError when ``output`` is one of ``inputs`` (by resolved path or inode), or, with
    ``letters``, a ``.pdf``/``.txt`` file inside an input folder (the run would read it as a letter)."""
    if not output or output == "-":
        return
    for given in inputs:
        if os.path.isdir(given):
            inside = Path(os.path.realpath(output)).is_relative_to(os.path.realpath(given))
            if letters and inside and Path(output).suffix.lower() in SUFFIXES:
                raise OutputError(f"{output} lies in the input folder {given} and would be read as a letter: "
                                  "write it elsewhere, or give it another extension")
        elif _same(output, given):
            raise OutputError(f"{output} is also an input: writing it would destroy what is to be read; "
                              "choose another output")


# The lock descriptors this process holds. A forked child (a `--workers` process) must not hold
# them too: killed with its parent, it would keep the output locked until it exits.
_HELD: set[int] = set()


def _close_held_in_child() -> None:
    for fd in _HELD:
        try:
            os.close(fd)  # the child's copy only: the parent's lock stands
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


class OutputLock:
    """An exclusive lock on writing ``path``, taken at once or refused (OutputError naming the holder)."""

    def __init__(self, path: str) -> None:
        folder, name = os.path.split(os.path.abspath(path))
        self.path, self.lock_path, self.fd = path, os.path.join(folder, f".{name}.lock"), -1

    def acquire(self) -> "OutputLock":
        try:
            import fcntl
        except ModuleNotFoundError:  # Windows: no flock; runs are not guarded there
            return self
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise OutputError(f"{self.path} is being written by another imr-llm run (pid {holder}): wait for "
                                  "it to end, or choose another output") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a lock file that its holder removed while this process opened it
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        _HELD.add(fd)
        return self

    def release(self) -> None:
        if self.fd < 0:
            return
        try:
            os.unlink(self.lock_path)  # removed while still held: a newcomer then locks a new file
        except OSError:
            pass
        _HELD.discard(self.fd)
        os.close(self.fd)  # closing the descriptor releases the flock
        self.fd = -1
