"""Store rules (rules/*.md) → one self-contained item per ``##`` section.

Title "<H1> · <H2>", body as clean text: list markers, emphasis, links, images,
inline code and table pipes removed; numbered steps keep their numbers;
``###`` sub-headings stay inside their section as plain lines. Text under the
H1 before the first ``##`` is an item of its own; a file without ``##`` is one item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kefu.knowledge.sources import Dropped, SourceResult
from kefu.knowledge.sources.text import content_hash, guess_topic, stable_id, tidy
from kefu.models.knowledge import ItemKind, KnowledgeItem

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images → alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links → text
    (re.compile(r"<[^>\n]+>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
)
_BULLET = re.compile(r"^\s*(?:[-*+•]\s+|>\s?)")
_TASK = re.compile(r"^\[[ xX]\]\s+")
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)、]\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass
class RuleSection:
    heading: str
    lines: list[str] = field(default_factory=list)


def clean_markdown_line(line: str) -> str:
    if _TABLE_RULE.match(line):
        return ""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|"):
        cells = [cell.strip() for cell in stripped.strip("|").split("|")]
        cells = [cell for cell in cells if cell]
        line = f"{cells[0]}：{cells[1]}" if len(cells) == 2 else "，".join(cells)
    numbered = _NUMBERED.match(line)
    if numbered:
        line = f"{numbered.group(1)}. " + line[numbered.end() :]
    else:
        line = _BULLET.sub("", line)
        line = _TASK.sub("", line)
    for pattern, replacement in _INLINE:
        line = pattern.sub(replacement, line)
    return line.strip()


def parse_markdown(text: str) -> tuple[str, list[RuleSection]]:
    """(H1 title, sections split at level-2 headings); section '' holds text before the first ##."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n").lstrip("\ufeff"))
    title = ""
    sections: list[RuleSection] = [RuleSection("")]
    in_fence = False
    for raw in text.split("\n"):
        if _FENCE.match(raw):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _HEADING.match(raw)
        if heading:
            level, name = len(heading.group(1)), clean_markdown_line(heading.group(2))
            if level == 1 and not title:
                title = name
                continue
            if level <= 2:
                sections.append(RuleSection(name))
                continue
            sections[-1].lines.append(name + "：")  # ### stays inside its section as a label line
            continue
        line = raw if in_fence else clean_markdown_line(raw)
        if line:
            sections[-1].lines.append(line)
    return title, [s for s in sections if s.lines]


# Markdown per the bundle format; plain text is Markdown without headings (one section per file).
RULE_SUFFIXES = frozenset({".md", ".markdown", ".txt"})


def learn_rules(shop_dir: Path, shop_id: str) -> SourceResult:
    result = SourceResult()
    for path in sorted((shop_dir / "rules").glob("*")):
        rel = path.relative_to(shop_dir).as_posix()
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix.lower() not in RULE_SUFFIXES:
            # A merchant's .docx or .pdf would otherwise vanish without a word: say what is read.
            result.dropped.append(Dropped("unsupported_file", rel, "store rules are read from .md or .txt files"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            result.dropped.append(Dropped("invalid_file", rel, str(error)[:120]))
            continue
        result.files.append(rel)
        title, sections = parse_markdown(text)
        title = title or path.stem
        seen: dict[str, int] = {}
        for section in sections:
            body = tidy("\n".join(section.lines))
            if not body:
                result.dropped.append(Dropped("empty_section", f"{rel}#{section.heading}"))
                continue
            heading = section.heading or "概述"
            seen[heading] = seen.get(heading, 0) + 1
            source = f"{rel}#{heading}" if seen[heading] == 1 else f"{rel}#{heading}-{seen[heading]}"
            item_title = f"{title} · {heading}"
            topic = guess_topic(item_title, body)
            result.items.append(
                KnowledgeItem(
                    item_id=stable_id("rule", source),
                    shop_id=shop_id,
                    kind=ItemKind.RULE_SECTION,
                    title=item_title,
                    questions=[],
                    answer=body,
                    source=source,
                    topic=topic,
                    content_hash=content_hash(ItemKind.RULE_SECTION.value, item_title, body, topic),
                )
            )
    return result
