"""Compiled templates kept between builds run only when this machine signed them (engine.SignedBytecodeCache)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import jinja2
from jinja2.bccache import bc_magic

from gongkai import engine, store

TEMPLATES = {"page.html": "<p>{{ title }}</p>{% for x in items %}<i>{{ x }}</i>{% endfor %}"}


def env_with(folder: Path, key: bytes) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), bytecode_cache=engine.SignedBytecodeCache(folder, key))


def bucket_for(env: jinja2.Environment, name: str = "page.html"):
    source = TEMPLATES[name]
    return env.bytecode_cache.get_bucket(env, name, None, source)


def test_a_template_compiled_once_is_taken_from_the_cache_next_time(tmp_path):
    key = os.urandom(32)
    assert env_with(tmp_path, key).get_template("page.html").render(title="标题", items=[1]) == "<p>标题</p><i>1</i>"
    (kept,) = tmp_path.glob("*.signed")
    assert bucket_for(env_with(tmp_path, key)).code is not None  # loaded, not compiled
    # Another machine's key, a damaged file: compiled again, never loaded.
    assert bucket_for(env_with(tmp_path, os.urandom(32))).code is None
    data = bytearray(kept.read_bytes())
    data[-5] ^= 1
    kept.write_bytes(bytes(data))
    assert bucket_for(env_with(tmp_path, key)).code is None
    assert env_with(tmp_path, key).get_template("page.html").render(title="t", items=[]) == "<p>t</p>"


class Boom:
    def __reduce__(self):
        return (Path.write_text, (Path(os.environ["MARKER"]), "ran"))


def test_code_a_restored_cache_folder_brings_along_never_runs(tmp_path, monkeypatch):
    """What Jinja's FileSystemBytecodeCache would have loaded with pickle and marshal: a file
    of the expected name and format, written by someone else."""
    marker = tmp_path / "ran.txt"
    monkeypatch.setenv("MARKER", str(marker))
    key = os.urandom(32)
    folder = tmp_path / "templates"
    folder.mkdir()
    env = env_with(folder, key)
    bucket = bucket_for(env)
    forged = bc_magic + pickle.dumps(Boom())  # Jinja reads the checksum with pickle.load
    for name in (f"{bucket.key}.signed", f"__jinja2_{bucket.key}.cache"):
        (folder / name).write_bytes(forged)
    assert env.get_template("page.html").render(title="x", items=[]) == "<p>x</p>"
    assert not marker.exists()


def test_a_pipe_or_a_device_in_place_of_a_file_is_passed_over(tmp_path):
    key = os.urandom(32)
    env = env_with(tmp_path, key)
    bucket = bucket_for(env)
    os.mkfifo(tmp_path / f"{bucket.key}.signed")  # reading it would wait for ever
    assert bucket_for(env).code is None
    (tmp_path / f"{bucket.key}.signed").unlink()
    (tmp_path / f"{bucket.key}.signed").symlink_to("/dev/zero")  # reading it would fill the memory
    assert bucket_for(env).code is None


def test_the_key_lives_outside_the_cache_folder_and_stays(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    key = store.signing_key(tmp_path / "cache")
    assert key is not None and len(key) == 32 and store.signing_key(tmp_path / "cache") == key
    assert (tmp_path / "config" / "gongkai" / "cache-signing-key").stat().st_mode & 0o077 == 0
    # A cache folder that would hold the key: no key, so no compiled template is kept.
    assert store.signing_key(tmp_path / "config") is None
