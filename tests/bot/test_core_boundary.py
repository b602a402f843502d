"""The core's boundary: no platform SDK in `bot/`, every command described in both
languages, every catalog key the code uses present, and one registry without collisions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bot.features.registry  # noqa: F401  (declares every command)
from bot import i18n
from bot.commands import REGISTRY, CommandRegistry, CommandSpec, OptionKind, OptionSpec
from bot.config import BADGE_METRICS
from bot.features import ranks

BOT = Path(__file__).resolve().parents[2] / "bot"
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk")


def python_files() -> list[Path]:
    files = sorted(p for p in BOT.rglob("*.py") if "__pycache__" not in p.parts)
    assert files, BOT
    return files


def imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(BOT.parent)))
def test_core_never_imports_a_platform_sdk(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [
        name
        for name in imported_modules(tree)
        if any(name == sdk or name.startswith(sdk + ".") for sdk in FORBIDDEN)
    ]
    assert bad == [], f"{path} imports {bad}"


def test_the_import_scan_sees_every_form():
    tree = ast.parse(
        "import discord\nfrom slack_bolt.app import App\nimport os, slack_sdk.web\n"
        "import importlib\nimportlib.import_module('discord.ext')\nfrom . import sibling\n"
    )
    assert imported_modules(tree) == [
        "discord",
        "slack_bolt.app",
        "os",
        "slack_sdk.web",
        "importlib",
        "discord.ext",
    ]


# --------------------------------------------------------------------------- import graph


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, str | None]]:
    """(module, name) for every import run when `module` is (deferred ones included):
    `import a.b` gives ("a.b", None), `from a import b` gives ("a", "b"); relative imports
    are resolved against `module`; what sits under `if TYPE_CHECKING:` is left out."""
    found: list[tuple[str, str | None]] = []
    here = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit_one(other)
            else:
                visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here[: len(here) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            found.extend((base, alias.name) for alias in node.names)
        else:
            visit(node)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """Which modules of `bot/` each module of `bot/` imports when it runs."""
    files = {module_name(path): path for path in python_files()}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for base, name in runtime_imports(tree, module, path.name == "__init__.py"):
            if name is not None and f"{base}.{name}" in files:
                targets.add(f"{base}.{name}")  # `from bot.features import kudos`: a module
            elif base in files:
                targets.add(base)
        targets.discard(module)
        graph[module] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of `graph` (its first module repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def walk(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                cycle = walk(nxt)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = walk(start)
            if cycle:
                return cycle
    return None


def test_the_core_has_no_import_circle():
    graph = import_graph()
    assert "bot.core" in graph and "bot.features.ideas.commands" in graph["bot.features.registry"]
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_features_never_name_the_core():
    """Features are handed `bot.services.Services`; not even their type hints name `Cercle`."""
    users = sorted(
        str(path.relative_to(BOT.parent))
        for path in (BOT / "features").rglob("*.py")
        if "bot.core" in imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    )
    assert users == []


def test_the_core_never_imports_adapters():
    bad = {
        module: sorted(
            name
            for name in imported_modules(ast.parse(path.read_text("utf-8")))
            if name == "adapters" or name.startswith("adapters.")
        )
        for module, path in ((module_name(p), p) for p in python_files())
    }
    assert {module: names for module, names in bad.items() if names} == {}


def test_the_cycle_finder_finds_a_circle_and_the_graph_sees_every_form():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) is None
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nimport bot.text\nfrom . import sibling\n"
        "from ..errors import UserError\nif TYPE_CHECKING:\n    from bot.core import Cercle\n"
        "def later():\n    from bot.features import kudos\n"
    )
    assert runtime_imports(tree, "bot.features.ideas.votes", is_package=False) == [
        ("typing", "TYPE_CHECKING"),
        ("bot.text", None),
        ("bot.features.ideas", "sibling"),
        ("bot.features.errors", "UserError"),
        ("bot.features", "kudos"),
    ]


# --------------------------------------------------------------------------- catalog


EN = i18n.catalog("en")
FR = i18n.catalog("fr")


def test_registry_is_populated():
    paths = {spec.path for spec in REGISTRY.all()}
    for path in [
        ("thanks",),
        ("rank",),
        ("leaderboard",),
        ("profile",),
        ("help",),
        ("admin", "points", "add"),
        ("admin", "points", "remove"),
        ("admin", "exclude", "channel"),
        ("admin", "exclude", "role"),
        ("admin", "exclude", "member"),
    ]:
        assert path in paths


@pytest.mark.parametrize("spec", REGISTRY.all(), ids=lambda s: s.text_name)
def test_every_command_is_described_in_english_and_french(spec: CommandSpec):
    for locale, strings in (("en", EN), ("fr", FR)):
        key = spec.key + ".description"
        assert strings.get(key, "").strip(), f"{locale}: {key} missing"
        for option in spec.options:
            opt_key = f"{spec.key}.opt.{option.name}"
            assert strings.get(opt_key, "").strip(), f"{locale}: {opt_key} missing"


def test_english_and_french_catalogs_have_the_same_keys():
    missing_in_fr = sorted(set(EN) - set(FR))
    extra_in_fr = sorted(k for k in set(FR) - set(EN) if not k.endswith(".name"))
    assert missing_in_fr == []
    assert extra_in_fr == []


def test_french_command_names_belong_to_real_commands():
    keys = {spec.key for spec in REGISTRY.all()} | {
        "cmd." + ".".join(group) for group in REGISTRY.groups()
    }
    names = [k for k in FR if k.startswith("cmd.") and k.endswith(".name")]
    assert [k for k in names if k.removesuffix(".name") not in keys] == []


def placeholders(template: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", template))


def test_french_strings_use_the_same_placeholders():
    different = {
        key: (placeholders(EN[key]), placeholders(FR[key]))
        for key in EN
        if key in FR and placeholders(EN[key]) != placeholders(FR[key])
    }
    assert different == {}


def catalog_keys_used_in(path: Path) -> set[str]:
    """Every plain string literal in `path` that looks like a catalog key."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    inside_fstrings = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for value in node.values
    }
    prefixes = {key.split(".")[0] for key in EN}
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside_fstrings
            and re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", node.value)
            and node.value.split(".")[0] in prefixes
        ):
            found.add(node.value)
    return found


def is_plural(key: str) -> bool:
    """A key used through `i18n.plural`, which picks `<key>.one` or `<key>.other`."""
    return f"{key}.one" in EN and f"{key}.other" in EN


def test_every_catalog_key_used_in_the_core_exists():
    used = {key: path for path in python_files() for key in catalog_keys_used_in(path)}
    assert len(used) > 20  # the scan finds the keys (errors, kudos, ranks, ...)
    missing = {
        key: str(path.relative_to(BOT.parent))
        for key, path in used.items()
        if key not in EN and not is_plural(key)
    }
    assert missing == {}


def test_key_scan_ignores_fstrings_and_non_keys(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        'x = t("kudos.given")\ny = f"rank.need.{name}"\nz = "bot.features.registry"\n'
        'w = UserError("error.member_not_found")\nv = "kudos"\n',
        encoding="utf-8",
    )
    assert catalog_keys_used_in(sample) == {"kudos.given", "error.member_not_found"}


@pytest.mark.parametrize(
    "family",
    [
        [f"badge.metric.{metric}.other" for metric in BADGE_METRICS],
        [f"rank.need.{name}" for name in ranks.REQUIREMENTS],
        [f"admin.exclude.kind.{kind}" for kind in ("channel", "role", "member")],
        [f"admin.config.source.{source}" for source in ("default", "file", "database")],
        [f"admin.exclude.{state}" for state in ("excluded", "included")],
        [f"admin.exclude.already_{state}" for state in ("excluded", "included")],
        [f"period.{period}" for period in ("all", "week", "month")],
    ],
    ids=lambda family: family[0].rsplit(".", 1)[0],
)
def test_keys_built_at_run_time_exist(family: list[str]):
    assert [key for key in family if key not in EN] == []


# --------------------------------------------------------------------------- registry


async def _noop(ctx):  # pragma: no cover - never called
    return []


def test_the_same_path_twice_is_refused():
    registry = CommandRegistry()
    registry.add(CommandSpec(("thanks",), handler=_noop))
    with pytest.raises(ValueError, match="collides"):
        registry.add(CommandSpec(("thanks",), handler=_noop))


def test_a_command_cannot_also_be_a_group():
    registry = CommandRegistry()
    registry.add(CommandSpec(("admin", "points"), handler=_noop))
    with pytest.raises(ValueError, match="collides"):
        registry.add(CommandSpec(("admin", "points", "add"), handler=_noop))
    other = CommandRegistry()
    other.add(CommandSpec(("admin", "points", "add"), handler=_noop))
    with pytest.raises(ValueError, match="collides"):
        other.add(CommandSpec(("admin", "points"), handler=_noop))
    with pytest.raises(ValueError, match="collides"):
        other.add(CommandSpec(("admin",), handler=_noop))


def test_siblings_do_not_collide():
    registry = CommandRegistry()
    registry.add(CommandSpec(("admin", "points", "add"), handler=_noop))
    registry.add(CommandSpec(("admin", "points", "remove"), handler=_noop))
    registry.add(CommandSpec(("admin", "pointsx"), handler=_noop))
    registry.add(
        CommandSpec(("rank",), options=(OptionSpec("member", OptionKind.MEMBER),), handler=_noop)
    )
    assert [s.text_name for s in registry.all()] == [
        "/admin points add",
        "/admin points remove",
        "/admin pointsx",
        "/rank",
    ]
    assert registry.groups() == {("admin",), ("admin", "points")}


def test_the_real_registry_has_no_collisions():
    fresh = CommandRegistry()
    for spec in REGISTRY.all():
        fresh.add(spec)
    assert len(fresh.all()) == len(REGISTRY.all())
