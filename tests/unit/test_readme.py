"""The promises of the README and the manual (docs/*.md, bench/README.md) that code can check:
the quick start is two commands and CI runs the second verbatim, the README stays a front door
(under 13,000 bytes), every relative link and anchor points at something that exists, and the
examples run: each YAML example is a valid config file (or taxonomy), each search example parses.

The README's command table is checked against the CLI in tests/integration/test_cli_archive.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from core.query import parse
from pipeline.config import load_config
from tagging.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]
README_MAX_BYTES = 13_000

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", flags=re.DOTALL | re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def quick_start_commands() -> list[str]:
    readme = README.read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, flags=re.DOTALL)


def test_quick_start_is_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "deskwatch run" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = quick_start_commands()[1]
    assert test_command in ci.splitlines()


def test_readme_is_a_front_door_not_the_manual() -> None:
    size = len(README.read_bytes())
    assert size < README_MAX_BYTES, f"README.md is {size} bytes; move detail into docs/"


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose(text: str) -> str:
    """The text outside fenced code blocks (links and headings in examples do not count)."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found: set[str] = set()
    for line in prose(path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"#{1,6} (.+)", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def test_slug_matches_githubs_anchors() -> None:
    assert slug("One run: `deskwatch run`") == "one-run-deskwatch-run"
    assert (
        slug("`deskwatch serve` and the `schedule:` key") == "deskwatch-serve-and-the-schedule-key"
    )
    assert slug("Delivery: SMTP or the outbox folder") == "delivery-smtp-or-the-outbox-folder"
    assert slug("`feed`, `page` and `govuk` (the web)") == "feed-page-and-govuk-the-web"


def relative_links(path: Path) -> list[str]:
    targets = LINK.findall(prose(path.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_points_at_something_that_exists(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        file_part, _, anchor = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{page_id(page)}: {broken}"


def test_link_checker_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n[ok](#title) [gone](missing.md) [bad anchor](#nowhere)\n"
        "```sh\n[not a link](in-code.md)\n```\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["#title", "missing.md", "#nowhere"]
    assert anchors(page) == {"title"}


def test_the_manual_pages_link_back_to_the_readme() -> None:
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert "../README.md" in relative_links(page), f"{page_id(page)} has no link to the README"


def examples(language: str) -> list[tuple[Path, str]]:
    return [
        (page, body)
        for page in PAGES
        for lang, body in FENCE.findall(page.read_text(encoding="utf-8"))
        if lang == language
    ]


YAML_EXAMPLES = examples("yaml")


def test_the_manual_has_yaml_examples() -> None:
    assert len(YAML_EXAMPLES) >= 10


@pytest.mark.parametrize(
    "page, body", YAML_EXAMPLES, ids=[f"{page_id(p)}:{i}" for i, (p, _) in enumerate(YAML_EXAMPLES)]
)
def test_every_yaml_example_is_valid(page: Path, body: str, tmp_path: Path) -> None:
    """A taxonomy example (it starts with `version:`) loads as a taxonomy; every other example
    loads as a whole config file, as a user would paste it."""
    example = tmp_path / "example.yaml"
    example.write_text(body, encoding="utf-8")
    assert isinstance(yaml.safe_load(body), dict), f"{page_id(page)}: not a mapping"
    if body.startswith("version:"):
        assert load_taxonomy(example).theme_ids
    else:
        load_config(example)  # a ConfigError names the file, the key and the problem


SEARCH_EXAMPLE = re.compile(r"deskwatch (?:search|export --format \w+|timeline) '([^']+)'")


def search_examples() -> list[str]:
    return [q for page in PAGES for q in SEARCH_EXAMPLE.findall(page.read_text(encoding="utf-8"))]


def test_every_search_example_parses() -> None:
    queries = search_examples()
    assert len(queries) >= 5
    for query in queries:
        assert not parse(query).is_empty, query
