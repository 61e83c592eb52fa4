"""The score store: a content-addressed on-disk cache of maps and scores.

An entry's address is the sha256 of its key (a JSON-able dict naming everything the
value depends on: weights hash, method and its parameters, metric and its
parameters, data hash, seed, device type, package version). Each file starts with
a header carrying the payload's length and sha256; an entry that fails the check
(truncated, corrupt, foreign) is deleted and recomputed, never trusted. Writers
take a per-entry file lock and publish with an atomic rename, so concurrent
pytest-xdist workers never compute the same entry twice nor read half a file.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock

MAGIC = b"pytest-xai-store/1"


def key_digest(key: dict[str, Any]) -> str:
    """The sha256 of a key's canonical JSON."""
    return hashlib.sha256(json.dumps(key, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@functools.lru_cache(maxsize=None)
def source_digest(target: Any) -> str:
    """sha256 of a function's or class's source (of its bytecode when there is no source),
    so that editing an explainer or metric invalidates what it computed. Cached per process
    (every cell asks, and ``inspect.getsource`` reads the file each time)."""
    try:
        text = inspect.getsource(target).encode()
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)
        text = code.co_code + repr(code.co_consts).encode() if code is not None else repr(target).encode()
    return hashlib.sha256(text).hexdigest()


class ScoreStore:
    """Bytes by key under ``root/<kind>/<ab>/<digest>``, computed at most once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, key: dict[str, Any]) -> Path:
        return self.path_of(kind, key_digest(key))

    def path_of(self, kind: str, digest: str) -> Path:
        return self.root / kind / digest[:2] / digest

    def read(self, kind: str, digest: str) -> bytes | None:
        """An entry by its digest (as the report records them), or None if absent or corrupt."""
        return self._read(self.path_of(kind, digest))

    def get_or_compute(self, kind: str, key: dict[str, Any], compute: Callable[[], bytes]
                       ) -> tuple[bytes, bool]:
        """The entry's bytes and whether they came from disk (True) or ``compute``."""
        path = self.path(kind, key)
        payload = self._read(path)
        if payload is not None:
            return payload, True
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            payload = self._read(path)  # another worker may have written it meanwhile
            if payload is not None:
                return payload, True
            payload = compute()
            self._write(path, payload)
        return payload, False

    def _read(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        header, _, payload = data.partition(b"\n")
        parts = header.split(b" ")
        valid = (len(parts) == 3 and parts[0] == MAGIC and parts[1] == str(len(payload)).encode()
                 and parts[2] == hashlib.sha256(payload).hexdigest().encode())
        if valid:
            return payload
        warnings.warn(f"pytest-xai: corrupt score-store entry {path} removed; recomputing", stacklevel=2)
        path.unlink(missing_ok=True)
        return None

    def _write(self, path: Path, payload: bytes) -> None:
        header = b"%s %d %s\n" % (MAGIC, len(payload), hashlib.sha256(payload).hexdigest().encode())
        write_atomic(path, header + payload)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
