"""Markdown for untrusted text: inline emphasis and links, paragraphs and lists.

Authors and translators write plain text with a little Markdown; nobody writes
HTML. Raw HTML is shown as text, links may only go to http(s), mailto and tel,
and nothing here fetches anything. Long text is split into blocks, one gettext
message each, and put back together after translation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_SAFE_LINK = re.compile(r"^(?:https?://|mailto:|tel:)", re.IGNORECASE)
_INLINE_RULES = ["emphasis", "link", "escape", "backticks", "newline"]
_BLOCK_RULES = ["heading", "list", "blockquote", "hr"]
#: Typographic quotes per language, for markdown-it's smartquotes; a language
#: missing here keeps the quotes as typed (Quechua: the apostrophe is a letter).
QUOTES = {"en": "“”‘’", "es": "«»“”", "fr": "«»“”", "de": "„“‚‘", "pt": "«»“”", "it": "«»“”"}


#: How deeply quotes and lists may nest in a leaflet's Markdown (levels of markdown-it tokens).
MAX_MARKDOWN_NESTING = 40
_PARSER_NESTING = 2 * MAX_MARKDOWN_NESTING + 20


def _link_ok(url: str) -> bool:
    return bool(_SAFE_LINK.match(url.strip()))


@cache
def _parser(language: str | None) -> MarkdownIt:
    quotes = QUOTES.get((language or "").split("_")[0])
    md = MarkdownIt(
        "zero",
        {
            "html": False,
            "typographer": quotes is not None,
            "quotes": quotes or "“”‘’",
            # Deeper than this, markdown-it silently drops the rest of the text; blocks() refuses
            # anything near it, so nothing an author wrote is ever lost.
            "maxNesting": _PARSER_NESTING,
        },
    )
    md.enable(_INLINE_RULES + _BLOCK_RULES)
    if quotes:
        md.enable(["smartquotes", "replacements"])
    md.validateLink = _link_ok  # type: ignore[method-assign]
    return md


def normalize(text: str) -> str:
    """The msgid form of a text: trimmed, line breaks and runs of spaces folded."""
    return re.sub(r"\s+", " ", text).strip()


def inline(text: str, language: str | None = None) -> Markup:
    """Render one line of inline Markdown to safe HTML (no ``<p>``)."""
    return Markup(_parser(language).renderInline(text).strip())


@dataclass(frozen=True)
class Block:
    """One translatable block of a Markdown document."""

    text: str
    line: int


class TooDeep(ValueError):
    """Markdown nested deeper than :data:`MAX_MARKDOWN_NESTING` (at ``line``)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"quotes or lists nest more than {MAX_MARKDOWN_NESTING} deep")
        self.line = line


def blocks(source: str) -> Iterator[Block]:
    """The translatable blocks of ``source`` (paragraphs, headings, list items).

    Raises :class:`TooDeep` for quotes or lists nested so deep that markdown-it would drop text.
    """
    tokens = _parser(None).parse(source)
    for token in tokens:
        if token.level > MAX_MARKDOWN_NESTING:
            raise TooDeep(token.map[0] + 1 if token.map else 1)
    for token in tokens:
        if token.type == "inline" and token.content.strip():
            start = token.map[0] + 1 if token.map else 1
            yield Block(normalize(token.content), start)


def document(source: str, translate: Callable[[str], tuple[str, str]], language: str | None = None) -> Markup:
    """Render ``source`` to HTML with each block's text replaced by ``translate(text)``.

    ``translate`` gives the text and the language it is in; a block in another language than
    ``language`` gets a ``lang`` attribute.
    """
    md = _parser(language)
    tokens: list[Token] = md.parse(source)
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.content.strip():
            translated, printed = translate(normalize(token.content))
            token.content = translated
            # Quotes as the language printed writes them (a fallback's, if it is one).
            token.children = _parser(printed if printed else language).parseInline(translated)[0].children
            if language is not None and printed != language:
                # On the element that is written: a tight list's paragraph is hidden, its item is not.
                opening = next((t for t in reversed(tokens[:index]) if not t.hidden), None)
                if opening is not None and opening.nesting == 1:
                    opening.attrSet("lang", printed.replace("_", "-"))
    return Markup(md.renderer.render(tokens, md.options, {}))
