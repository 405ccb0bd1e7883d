"""Product detail pages (products/*.html) → sections by heading, table rows → facts.

The stdlib ``html.parser`` is enough for a merchant's detail page and keeps the
Lambda bundle lean. Scripts, styles, navigation, headers/footers, forms and
elements whose class/id marks them as boilerplate (nav, footer, breadcrumb,
share, recommend, copyright ...) are dropped with their whole subtree. Page chrome
that carries no such markup is recognised by its shape: a line that is mostly link
text, a breadcrumb trail (首页 > 分类 > …), a bar of short labels without a sentence
(首页 | 购物车 | 联系客服), a copyright / ICP filing footer, and recommendation blocks
(猜你喜欢); none of it becomes knowledge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from kefu.knowledge.sources import Dropped, SourceResult
from kefu.knowledge.sources.text import guess_topic, make_item, tidy
from kefu.models.knowledge import ItemKind, KnowledgeItem

_SKIP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "iframe",
        "nav",
        "header",
        "footer",
        "form",
        "button",
        "select",
        "input",
        "textarea",
        "canvas",
        "object",
        "embed",
        "head",
        "aside",
        "menu",
    }
)
_VOID_TAGS = frozenset(
    {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}
)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "li",
        "tr",
        "table",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "main",
        "figure",
        "figcaption",
    }
)
_BOILERPLATE = re.compile(
    r"(?:^|[\s_\-])(?:nav|navbar|menu|footer|header|breadcrumb|share|social|comment|recommend|related|copyright|"
    r"cookie|banner-ad|ads?|advert|login|signup|sidebar|toolbar|popup|modal|qrcode)(?:$|[\s_\-])",
    re.IGNORECASE,
)
# Shapes of page chrome (see the module docstring).
_TRAIL = re.compile(r"(?:[^>›»/|｜\n]{1,12}\s*[>›»/]\s*){2,}[^>›»/|｜\n]{1,30}")
_LABEL_SPLIT = re.compile(r"\s*[|｜·•]\s*|\s+")
_SENTENCE_MARK = re.compile(r"[，。！？；,!?;：:（）()]")
_FOOTER = re.compile(r"©|ICP\s*备|版权所有|copyright|all rights reserved", re.IGNORECASE)
_RECOMMENDATION_HEADING = re.compile(r"猜你喜欢|为你推荐|相关推荐|看了又看|店铺推荐|大家都在买|同类推荐|热销推荐")
MAX_LINK_SHARE = 0.6
MIN_LABELS = 4
MAX_LABEL_CHARS = 6


def is_chrome(line: str, link_share: float = 0.0) -> bool:
    """A line of page furniture rather than product content."""
    text = line.strip()
    if not text:
        return True
    if link_share >= MAX_LINK_SHARE or _FOOTER.search(text) or _TRAIL.fullmatch(text):
        return True
    labels = [part for part in _LABEL_SPLIT.split(text) if part]
    return (len(labels) >= MIN_LABELS and all(len(part) <= MAX_LABEL_CHARS for part in labels)
            and not _SENTENCE_MARK.search(text) and not any(ch.isdigit() for ch in text))


_INLINE_TAGS = frozenset(
    {"span", "a", "label", "small", "em", "strong", "b", "i", "code", "mark", "sup", "sub"}
)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


@dataclass
class PageSection:
    heading: str
    level: int
    lines: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.sections: list[PageSection] = [PageSection("", 0)]
        self._skip_depth = 0
        self._stack: list[str] = []
        self._in_title = False
        self._heading: tuple[str, int] | None = None
        self._heading_text: list[str] = []
        self._text: list[str] = []
        self._lists: list[list[int]] = []  # counters of open <ol>/<ul> (-1 for ul)
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._link_chars = 0  # of the text gathered since the last flush, how much sat inside <a>
        self._chars = 0

    # -- helpers ---------------------------------------------------------------------------
    def _flush_text(self) -> None:
        text = " ".join("".join(self._text).split())
        share = self._link_chars / self._chars if self._chars else 0.0
        self._text = []
        self._link_chars = self._chars = 0
        if text and not is_chrome(text, share):
            self.sections[-1].lines.append(text)

    def _boilerplate(self, attrs: list[tuple[str, str | None]]) -> bool:
        for name, value in attrs:
            if name in ("class", "id", "role") and value and _BOILERPLATE.search(value):
                return True
            if name == "aria-hidden" and value == "true":
                return True
            if name == "hidden":
                return True
            if name == "style" and value and re.search(r"display\s*:\s*none", value):
                return True
        return False

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":  # inside <head>, which is otherwise skipped
            self._in_title = True
            return
        if self._skip_depth:
            if tag not in _VOID_TAGS:
                self._skip_depth += 1
            return
        if tag in _SKIP_TAGS or self._boilerplate(attrs):
            if tag not in _VOID_TAGS:
                self._skip_depth = 1
            return
        if tag in _VOID_TAGS:
            if tag == "br":
                self._text.append("\n") if self._cell is None else self._cell.append(" ")
            return
        self._stack.append(tag)
        if tag in _INLINE_TAGS:
            # Adjacent inline chips (<span>A</span><span>B</span>) must not run together.
            buffer = (
                self._cell if self._cell is not None else self._heading_text if self._heading else self._text
            )
            if buffer and buffer[-1] and not buffer[-1][-1].isspace():
                buffer.append(" ")
        if tag in _HEADINGS:
            self._flush_text()
            self._heading = (tag, _HEADINGS[tag])
            self._heading_text = []
        elif tag in ("ol", "ul"):
            self._flush_text()
            self._lists.append([0 if tag == "ol" else -1])
        elif tag == "li":
            self._flush_text()
            if self._lists and self._lists[-1][0] >= 0:
                self._lists[-1][0] += 1
                self._text.append(f"{self._lists[-1][0]}. ")
        elif tag == "tr":
            self._flush_text()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in _BLOCK_TAGS:
            self._flush_text()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            return
        if self._skip_depth:
            if tag not in _VOID_TAGS:
                self._skip_depth -= 1
            return
        if tag in _VOID_TAGS:
            return
        # Tolerate unclosed tags: pop up to the matching open tag.
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if self._heading and tag == self._heading[0]:
            heading = " ".join("".join(self._heading_text).split())
            level = self._heading[1]
            self._heading = None
            if heading:
                self.sections.append(PageSection(heading, level))
        elif tag in ("ol", "ul"):
            self._flush_text()
            if self._lists:
                self._lists.pop()
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            cells = [cell for cell in self._row if cell]
            if len(cells) == 2:
                self.sections[-1].rows.append((cells[0].rstrip("：:"), cells[1]))
            elif cells:
                self.sections[-1].lines.append("，".join(cells))
            self._row = None
        elif tag in _BLOCK_TAGS:
            self._flush_text()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._skip_depth:
            return
        if self._heading:
            self._heading_text.append(data)
        elif self._cell is not None:
            self._cell.append(data)
        else:
            self._text.append(data)
            visible = len(data.strip())
            self._chars += visible
            if "a" in self._stack:
                self._link_chars += visible

    def close(self) -> None:
        super().close()
        self._flush_text()


def parse_page(html_text: str) -> tuple[str, list[PageSection]]:
    """(page title, sections in document order); a section without a heading takes the page title."""
    parser = _PageParser()
    parser.feed(html_text)
    parser.close()
    title = " ".join(parser.title.split())
    sections = [s for s in parser.sections if (s.lines or s.rows) and not _RECOMMENDATION_HEADING.search(s.heading)]
    # Content before the first heading, or under a top heading, belongs to the page itself.
    for section in sections:
        if not section.heading:
            section.heading = title
    return title, sections


def _page_name(title: str, sections: list[PageSection]) -> str:
    h1 = next((s.heading for s in sections if s.level == 1), "")
    name = h1 or re.split(r"\s+[-|–_]\s+", title)[0]
    return name.strip() or "商品详情"


def learn_pages(shop_dir: Path, shop_id: str, goods_ids: set[str]) -> SourceResult:
    result = SourceResult()
    for path in sorted((shop_dir / "products").glob("*.htm*")):
        rel = path.relative_to(shop_dir).as_posix()
        try:
            html_text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            result.dropped.append(Dropped("invalid_file", rel, str(error)[:120]))
            continue
        result.files.append(rel)
        title, sections = parse_page(html_text)
        name = _page_name(title, sections)
        goods_id = path.stem if path.stem in goods_ids else None
        if goods_id is None:
            result.dropped.append(Dropped("page_without_product", rel, f"no products/{path.stem}.json"))
        seen: dict[str, int] = {}
        for section in sections:
            heading = section.heading if section.heading != title else name
            seen[heading] = seen.get(heading, 0) + 1
            anchor = heading if seen[heading] == 1 else f"{heading}-{seen[heading]}"
            lines = list(section.lines) + [f"{key}：{value}" for key, value in section.rows]
            body = tidy("\n".join(lines))
            if not body:
                continue
            item_title = name if heading == name else f"{name} · {heading}"
            result.items.append(
                _item(shop_id, goods_id, ItemKind.PRODUCT_SECTION, f"{rel}#{anchor}", item_title, body)
            )
            for key, value in section.rows:
                result.items.append(
                    _item(
                        shop_id,
                        goods_id,
                        ItemKind.PRODUCT_FACT,
                        f"{rel}#{anchor}/{key}",
                        f"{name} {key}",
                        f"{name} {key}：{value}",
                        [f"{key}是什么", f"{name}的{key}"],
                    )
                )
    return result


def _item(
    shop_id: str,
    goods_id: str | None,
    kind: ItemKind,
    source: str,
    title: str,
    answer: str,
    questions: list[str] | None = None,
) -> KnowledgeItem:
    topic = guess_topic(title, answer)
    questions = questions or []
    return make_item("page", shop_id, goods_id, kind, source, title, answer, questions, topic)
