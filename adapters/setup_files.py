"""The two files `cercle setup` writes: `config.toml` and `.env`.

`config.toml` is `config.example.toml` (every setting, commented) with the values chosen
set in place, plus a `[[communities]]` entry when a community was named; it is checked by
loading it before it replaces anything. `.env` holds the secrets (never `config.toml`),
is written with mode 0600 whatever it had before, and keeps every line it already had
except the keys given a new value.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"
# Without the example (an installed wheel does not carry it): the chosen values alone.
BARE = """# Cercle's configuration, written by `cercle setup`: every setting missing here has its
# default (see config.example.toml in Cercle's repository for all of them, commented).
# Secrets are in .env, never here.

[database]
url = "sqlite+aiosqlite:///cercle.db"

[defaults]
locale = "en"
timezone = "UTC"

[digest]
"""
_ENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def example_text() -> str:
    """The example configuration, or a bare one when it is not beside the code."""
    try:
        return EXAMPLE.read_text(encoding="utf-8")
    except OSError:
        return BARE


def toml_string(value: str) -> str:
    # A JSON string is a TOML basic string (the same escapes).
    return json.dumps(value, ensure_ascii=False)


def set_key(text: str, section: str, key: str, value: str) -> str:
    """`text` with `key = value` in `[section]`: its line (or its commented-out line)
    replaced, else added under the section's header."""
    lines = text.splitlines(keepends=True)
    header, inside, at = f"[{section}]", False, None
    pattern = re.compile(rf"#?\s*{re.escape(key)}\s*=")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == header
            if inside:
                at = index
            continue
        if inside and pattern.match(stripped):
            lines[index] = f"{key} = {value}\n"
            return "".join(lines)
    if at is None:
        return text.rstrip("\n") + f"\n\n{header}\n{key} = {value}\n"
    lines.insert(at + 1, f"{key} = {value}\n")
    return "".join(lines)


def add_community(text: str, name: str, spaces: Mapping[str, str]) -> str:
    """`text` with a `[[communities]]` entry, before `[digest]` (after the commented
    examples of the communities' section)."""
    entry = f"[[communities]]\nname = {toml_string(name)}\n"
    if spaces:
        pairs = ", ".join(
            f"{platform} = {toml_string(space)}" for platform, space in spaces.items()
        )
        entry += f"spaces = {{ {pairs} }}\n"
    marker = "\n[digest]\n"
    if marker in text:
        head, tail = text.split(marker, 1)
        return f"{head}\n{entry}{marker}{tail}"
    return text.rstrip("\n") + f"\n\n{entry}"


def merged_env(existing: str, values: Mapping[str, str]) -> str:
    """`existing` .env text with `values` set: their lines replaced in place, the others
    kept as they were, new keys added at the end."""
    out: list[str] = []
    done: set[str] = set()
    for line in existing.splitlines():
        match = _ENV_LINE.match(line)
        name = match.group(1) if match else None
        if name in values:
            if name not in done:  # a key written twice keeps one line, the new value
                out.append(f"{name}={_env_value(values[name])}")
                done.add(name)
            continue
        out.append(line)
    out.extend(f"{n}={_env_value(v)}" for n, v in values.items() if n not in done)
    return "\n".join(out).strip("\n") + "\n"


def _env_value(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.:/+=@-]*", value):
        return value
    return "'" + value.replace("'", "") + "'"  # tokens have no quotes; never break the line


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600), replacing it whole."""
    temporary = path.with_name(f".{path.name}.setup")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o600)  # the umask may have taken bits off, never added
    os.replace(temporary, path)
