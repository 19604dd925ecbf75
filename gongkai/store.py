"""What builds remember between runs: the cache folder, the code key, sealed files.

The cache lives in `.gongkai-cache/` at the repository's root (GONGKAI_CACHE names another
folder; deleting the folder drops it). Nothing in it is trusted: each file is sealed JSON (or
msgpack, for a large body), a header line naming its kind, format, the key it was made for
and the SHA-256 of its body, then the body. A file that is cut short, edited, written for another key (other code,
other catalogues, another repository) or is not ours at all reads as absent, and the work
is done again. JSON or msgpack, not pickle: a cache restored in CI from another branch must
not be able to run code.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

MAGIC = "gongkai-cache"
FORMAT = 1
# The libraries whose output ends up in what is cached (parsed YAML, rendered pages, the
# Atom feeds feedgen writes with lxml, the QR codes on kept pages, checks' findings, scans
# of attachments).
PACKAGES = ("PyYAML", "mkdocs", "mkdocs-material", "Markdown", "nh3", "Jinja2", "pymdown-extensions",
            "feedgen", "lxml", "segno", "jsonschema", "fastjsonschema", "openpyxl", "xlrd", "pypdf")


def cache_root(root: Path) -> Path:
    """The cache folder: $GONGKAI_CACHE, else .gongkai-cache/ in the repository."""
    env = os.environ.get("GONGKAI_CACHE")
    return Path(env) if env else Path(root) / ".gongkai-cache"


@functools.lru_cache(maxsize=1)
def code_key() -> str:
    """A hash of Gongkai's own code and the versions of the libraries it builds with.

    Any change to either makes every cached result a stranger (a code change invalidates
    everything), which is simpler and safer than guessing which change matters."""
    h = hashlib.sha256(f"python {sys.version_info[:3]}\n".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".yml")):
        h.update(f"{path.relative_to(package).as_posix()}\0".encode())
        h.update(path.read_bytes())
    for name in PACKAGES:
        try:
            h.update(f"{name}={version(name)}\n".encode())
        except PackageNotFoundError:
            h.update(f"{name}=none\n".encode())
    return h.hexdigest()


def digest(*parts: str | bytes) -> str:
    """SHA-256 over several parts, each length-prefixed so that no two lists collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.hexdigest()


_off = False  # `check --no-cache`: neither read nor write


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within: nothing is read from the cache or written to it (every result is worked out afresh)."""
    global _off
    was, _off = _off, True
    try:
        yield
    finally:
        _off = was


def active() -> bool:
    """False within disabled(): then no cache of any kind is to be read or written (a child
    process, such as the search indexer, is not given one either)."""
    return not _off


# No cache file is larger (the kept record pages of a county: 90 MB at 10,000 records).
MAX_FILE = 1 << 30


def read_file(path: Path, limit: int = MAX_FILE) -> bytes:
    """A cache file's bytes. Raises OSError for anything but a regular file of at most
    `limit` bytes: a cache folder restored or shared from elsewhere may hold a named pipe
    (reading it would wait for ever), a device such as /dev/zero or a huge file (reading it
    would fill the memory), and none of them is ours."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe opens at once, and is refused below
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file: {path}")
        if st.st_size > limit:
            raise OSError(f"larger than {limit} bytes: {path}")
        data = f.read(min(st.st_size, limit) + 1)  # not limit + 1: read() reserves what it is asked for
        if len(data) > limit:
            raise OSError(f"larger than {limit} bytes: {path}")
        return data


def signing_key(cache: Path) -> bytes | None:
    """This machine's key for what the cache keeps that is code (Jinja's compiled templates):
    32 random bytes in the user's config folder (XDG_CONFIG_HOME, else ~/.config; gongkai/),
    never in the cache folder. A seal's checksum only catches damage; a cache folder
    restored from another branch in CI could carry code written to fit it. Such code is
    signed with this key and run only when the signature holds: a restored folder, made
    elsewhere, is recompiled. None when the key can be neither read nor made."""
    try:
        config = os.environ.get("XDG_CONFIG_HOME", "")
        # A relative XDG_CONFIG_HOME is to be ignored (XDG base directory spec): it could be the repository.
        folder = (Path(config) if os.path.isabs(config) else Path.home() / ".config") / "gongkai"
        path = folder / "cache-signing-key"
        if path.resolve().is_relative_to(cache.resolve()):
            return None  # a cache folder set up inside the config folder: the key would travel with it
        try:
            key = read_file(path, 4096)
            if len(key) == 32:
                return key
        except OSError:
            pass  # none yet, or not one of ours: made anew
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".cache-signing-key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
        os.replace(tmp, path)
        key = read_file(path, 64)  # another process may have written its own in between: one key for all
        return key if len(key) == 32 else None
    except (OSError, RuntimeError, ValueError):
        return None


def read_sealed(path: Path, kind: str, key: str, *, packed: bool = False) -> Any | None:
    """The body of a sealed file made for this kind and key; None when absent or untrustworthy.
    `packed`: the body is msgpack (write_sealed's `packed`), not JSON."""
    if _off:
        return None
    try:
        header_line, _, body = read_file(path).partition(b"\n")
        header = json.loads(header_line)
        if not (
            isinstance(header, dict)
            and header.get("magic") == MAGIC
            and header.get("format") == FORMAT
            and header.get("kind") == kind
            and header.get("key") == key
            and header.get("body", "json") == ("msgpack" if packed else "json")
            and header.get("sha256") == hashlib.sha256(body).hexdigest()
        ):
            return None
        if packed:
            import msgpack

            return msgpack.unpackb(body, raw=False)
        return json.loads(body)
    except (OSError, ValueError, RecursionError):
        return None
    except Exception:  # msgpack raises several kinds on damaged data (the checksum matched: not ours)
        return None


def sealed_as(path: Path, kind: str, key: str) -> bool:
    """True when the header of a sealed file says it was made for this kind and key: a quick
    guess, reading its first line only, of whether read_sealed will take it (which checks it all)."""
    import stat

    if _off:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return False
            header = json.loads(f.readline(4096))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(header, dict) and header.get("magic") == MAGIC and header.get("kind") == kind and header.get("key") == key


def write_sealed(path: Path, kind: str, key: str, body: Any, *, packed: bool = False) -> None:
    """Write a sealed file atomically; a cache that cannot be written only makes the next run slower.

    `packed`: the body as msgpack, for large bodies of long strings (kept record pages: 90 MB
    for 10,000 records), which it writes and reads in a third of JSON's time, as plain data
    all the same (it cannot run code either)."""
    if _off:
        return
    if packed:
        import msgpack

        data = msgpack.packb(body, use_bin_type=True)
    else:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    header = {"magic": MAGIC, "format": FORMAT, "kind": kind, "key": key, "sha256": hashlib.sha256(data).hexdigest()}
    if packed:
        header["body"] = "msgpack"
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():  # git never lists the cache as a change, whatever the repository's .gitignore says
            ignore.write_text("# what builds remember (gongkai/store.py); safe to delete\n*\n", "utf-8")
        with open(tmp, "wb") as f:
            f.write(json.dumps(header).encode() + b"\n")
            f.write(data)  # not joined to the header first: a second copy of a body of 90 MB
        tmp.replace(path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
