"""Every link in README.md and docs/**/*.md resolves.

Relative links must name a file or folder of the repository, and a `#anchor` must match a
heading of the target Markdown file (GitHub's slugs: lower case, punctuation dropped, spaces
to hyphens, `-1`, `-2`, … for repeated headings). External http(s) links are not fetched
(the tests run without network): they only have to be well-formed. Repository paths quoted
in code spans (`tests/…`, `src/…`, `benchmarks/…`) must exist too, so a moved file does not
leave the docs pointing at nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Quoted paths that exist only once `make setup` has run (git-ignored, generated).
GENERATED = frozenset({"src/cryptopulse/warehouse/dbt/manifest/manifest.json"})
QUOTED_PATH = re.compile(r"`((?:src|tests|benchmarks|dags|docs|\.ci)/[^`\s*<>…]*)`")

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
HTML_ANCHOR = re.compile(r"""<a\s[^>]*?(?:name|id)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^()\s<>]*(?:\([^()\s]*\))?[^()\s<>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
GITHUB_LINE_ANCHOR = re.compile(r"^L\d+(?:-L\d+)?$")


@dataclass(frozen=True)
class Link:
    page: Path
    line: int
    target: str

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}: {self.target}"


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines outside fenced code blocks, numbered from 1."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and match and match.group(1)[0] == fence[0]:
            if len(match.group(1)) >= len(fence):
                fence = None
        elif fence is None:
            yield number, line


def heading_text(markdown: str) -> str:
    """A heading's text as GitHub renders it: no code ticks, emphasis or link syntax."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = CODE_SPAN.sub(lambda m: m.group(2).strip(), text)
    text = re.sub(r"(\*{1,3})(\S.*?\S|\S)\1", r"\2", text)
    return re.sub(r"<[^>]+>", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (github-slugger, before de-duplication)."""
    text = heading_text(heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    """Every anchor a page offers: its headings' slugs (repeats numbered) and HTML anchors."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    previous = ""
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        heading = None
        atx = ATX_HEADING.match(line)
        if atx:
            heading = atx.group(2)
        elif previous.strip() and SETEXT_UNDERLINE.match(line) and not previous.startswith("|"):
            heading = previous
        if heading is not None:
            base = slug(heading)
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        found.update(HTML_ANCHOR.findall(line))
        previous = "" if heading is not None else line
    return frozenset(found)


def links(page: Path) -> list[Link]:
    found = []
    for number, line in prose_lines(page.read_text(encoding="utf-8")):
        reference = REFERENCE_DEFINITION.match(line)
        if reference:
            found.append(Link(page, number, reference.group(1)))
            continue
        prose = CODE_SPAN.sub("", line)
        targets = INLINE_LINK.findall(prose) + AUTOLINK.findall(prose)
        found.extend(Link(page, number, target) for target in targets)
    return found


def problem(link: Link, root: Path = ROOT) -> str | None:
    """Why a link does not resolve, or None when it does."""
    target = link.target
    if not target:
        return "empty link"
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
        parts = urlsplit(target)
        if parts.scheme == "mailto":
            return None if "@" in parts.path else "malformed mailto link"
        if parts.scheme not in ("http", "https"):
            return f"unexpected scheme {parts.scheme!r}"
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", parts.netloc) or "." not in (
            parts.hostname or ""
        ):
            return "malformed URL (no host)"
        return None
    if target.startswith("/"):
        return "absolute path: link relative to the page instead"
    path_part, _, anchor = target.partition("#")
    if path_part:
        resolved = (link.page.parent / unquote(path_part)).resolve()
        name = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else None
        if name is None:
            return "points outside the repository"
        if not resolved.exists():
            return f"no such file: {name}"
    else:
        resolved = link.page
    if not anchor:
        return None
    if resolved.suffix != ".md":
        if resolved.is_file() and GITHUB_LINE_ANCHOR.match(anchor):
            return None
        return f"anchor #{anchor} on a file that is not Markdown"
    if unquote(anchor) not in anchors(resolved):
        return f"no heading for #{anchor} in {resolved.relative_to(root).as_posix()}"
    return None


def test_every_link_resolves() -> None:
    checked = [link for page in pages() for link in links(page)]
    broken = [f"{link.where()} ({why})" for link in checked if (why := problem(link))]
    assert len(checked) > 60, "the link scanner found suspiciously few links"
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_quoted_repository_paths_exist() -> None:
    missing = [
        f"{page.relative_to(ROOT)}:{number}: {path}"
        for page in pages()
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
        for path in QUOTED_PATH.findall(line)
        if path not in GENERATED and not (ROOT / path).exists()
    ]
    assert not missing, "quoted paths that do not exist:\n" + "\n".join(missing)


def test_every_docs_page_is_linked() -> None:
    linked = set()
    for page in pages():
        for link in links(page):
            path_part = link.target.partition("#")[0]
            if path_part and not re.match(r"^[a-z][a-z0-9+.-]*:", path_part, re.IGNORECASE):
                linked.add((page.parent / unquote(path_part)).resolve())
    orphans = [page.relative_to(ROOT).as_posix() for page in pages()[1:] if page not in linked]
    assert not orphans, f"pages no other page links to: {orphans}"


def test_readme_stays_a_quick_start() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 250, f"README.md has {lines} lines: move reference material to docs/"


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Real market data: CoinGecko", "real-market-data-coingecko"),
        ("X posts (`x` source)", "x-posts-x-source"),
        (
            "Social posts: your archives, X, Reddit and Bluesky",
            "social-posts-your-archives-x-reddit-and-bluesky",
        ),
        (
            'Kaggle "Bitcoin Tweets" CSV (`--format kaggle`)',
            "kaggle-bitcoin-tweets-csv---format-kaggle",
        ),
        ("The listing limit: about 1000 things", "the-listing-limit-about-1000-things"),
        ("`mart_coin_social_hourly`", "mart_coin_social_hourly"),
        ("Projects & Apps **now**", "projects--apps-now"),
        ("Mentions → sentiment 🚀", "mentions--sentiment-"),
    ],
)
def test_slugs_follow_github(heading: str, expected: str) -> None:
    assert slug(heading) == expected


def test_broken_links_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Twice\n\n## Twice\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "# Title\n\n"
        "[ok](docs/a.md#a-page) [ok](docs/a.md#twice-1) [ok](#title) [ok](docs/)\n"
        "[gone](docs/missing.md) [bad anchor](docs/a.md#nope) [self](#nope)\n"
        "[web](https://example.org/x) [bad web](https://)\n"
        "`[in code](nowhere.md)`\n\n"
        "```\n[in a fence](nowhere.md)\n# not a heading\n```\n",
        encoding="utf-8",
    )
    found = links(tmp_path / "README.md")
    verdicts = {link.target: problem(link, root=tmp_path) for link in found}
    assert [link.target for link in found] == [
        "docs/a.md#a-page",
        "docs/a.md#twice-1",
        "#title",
        "docs/",
        "docs/missing.md",
        "docs/a.md#nope",
        "#nope",
        "https://example.org/x",
        "https://",
    ]
    assert {target for target, why in verdicts.items() if why} == {
        "docs/missing.md",
        "docs/a.md#nope",
        "#nope",
        "https://",
    }
