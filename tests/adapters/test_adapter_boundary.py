"""The port's boundary, held by the imports themselves: a platform package (adapters/
discord, slack, console, and any new one) reaches the core only through `bot.ports` and
the neutral modules beside it (events, actions, text, catalog, command declarations,
settings); never `storage`, never `bot.features`, never the core's insides. Only the
composition root (the modules at the top of adapters/) wires the parts together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
FORBIDDEN = (
    "storage",
    "bot.features",
    "bot.core",
    "bot.context",
    "bot.community",
    "bot.jobs",
    "bot.scheduler",
    "bot.customers",
    "bot.exports",
)


def platform_modules() -> list[Path]:
    files = sorted(
        p for p in ADAPTERS.rglob("*.py") if p.parent != ADAPTERS and "__pycache__" not in p.parts
    )
    assert len(files) > 20, files
    return files


def imported(tree: ast.AST) -> list[str]:
    """Every module an import names, at any depth (inside functions, under TYPE_CHECKING)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def forbidden_in(source: str) -> list[str]:
    return sorted(
        {
            name
            for name in imported(ast.parse(source))
            for part in FORBIDDEN
            if name == part or name.startswith(part + ".")
        }
    )


@pytest.mark.parametrize(
    "path", platform_modules(), ids=lambda p: str(p.relative_to(ADAPTERS.parent))
)
def test_a_platform_package_reaches_the_core_only_through_the_port(path: Path) -> None:
    assert forbidden_in(path.read_text(encoding="utf-8")) == [], path


def test_the_check_sees_each_way_of_importing_the_core_insides() -> None:
    source = (
        "from storage.members import find_member\n"
        "import storage\n"
        "from bot import features\n"
        "from bot.features.ideas import rules\n"
        "def f():\n    from bot.core import Cercle\n"
        "from bot.ports import CoreFace\nfrom bot.events import MemberRef\n"
    )
    assert forbidden_in(source) == [
        "bot.core",
        "bot.core.Cercle",
        "bot.features",
        "bot.features.ideas",
        "bot.features.ideas.rules",
        "storage",
        "storage.members",
        "storage.members.find_member",
    ]
