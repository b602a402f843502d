"""The port's boundary, held by the imports themselves: a platform package (adapters/
discord, slack, console, and any new one) reaches the core only through `bot.ports` and
the neutral modules listed in ALLOWED_CORE (events, actions, text, catalog, command
declarations, settings...); never `storage`, never `bot.features`, never the core's
insides. Only the composition root (the modules at the top of adapters/) wires the parts
together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
# The core's modules a platform package may use: the port and the neutral vocabulary it
# speaks (events, actions, text rules, the catalog, command declarations and their text
# syntax, settings, the shared activity batcher, clocks, user errors).
ALLOWED_CORE = (
    "bot.ports",
    "bot.events",
    "bot.actions",
    "bot.text",
    "bot.i18n",
    "bot.commands",
    "bot.command_text",
    "bot.config",
    "bot.config_sections",
    "bot.batching",
    "bot.clock",
    "bot.errors",
)
FORBIDDEN = ("storage",)


def platform_modules() -> list[Path]:
    files = sorted(
        p for p in ADAPTERS.rglob("*.py") if p.parent != ADAPTERS and "__pycache__" not in p.parts
    )
    assert len(files) > 20, files
    return files


def imported(tree: ast.AST) -> list[str]:
    """Every module an import names, at any depth (inside functions, under TYPE_CHECKING);
    `from bot import i18n` names `bot.i18n`."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module in ("bot", "storage"):
                names += [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
    return names


def _within(name: str, modules: tuple[str, ...]) -> bool:
    return any(name == m or name.startswith(m + ".") for m in modules)


def forbidden_in(source: str) -> list[str]:
    return sorted(
        {
            name
            for name in imported(ast.parse(source))
            if _within(name, FORBIDDEN)
            or (_within(name, ("bot",)) and not _within(name, ALLOWED_CORE))
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
        "from bot import features, i18n\n"
        "from bot.features.ideas import rules\n"
        "def f():\n    from bot.core import Cercle\n"
        "from bot.ports import CoreFace\nfrom bot.events import MemberRef\n"
        "import bot.community\n"
    )
    assert forbidden_in(source) == [
        "bot.community",
        "bot.core",
        "bot.features",
        "bot.features.ideas",
        "storage",
        "storage.members",
    ]
