"""Storage knows no platform SDK and no adapter: a platform's own tables (Slack's OAuth
installations) live in its adapter package, and the migrations carry their own copy."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STORAGE = Path(__file__).resolve().parents[2] / "storage"
FORBIDDEN = ("adapters", "discord", "slack_bolt", "slack_sdk")


def python_files() -> list[Path]:
    files = sorted(p for p in STORAGE.rglob("*.py") if "__pycache__" not in p.parts)
    assert files, STORAGE
    return files


def imported(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(STORAGE.parent)))
def test_storage_never_imports_an_adapter_or_a_platform_sdk(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [name for name in imported(tree) if name.split(".")[0] in FORBIDDEN]
    assert not bad, f"{path.name} imports {bad}"
