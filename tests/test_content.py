"""Leaflet content: fields become gettext messages with context, reference and comment."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qillqa import markup
from qillqa.content import load_leaflet
from qillqa.errors import ContentError
from qillqa.project import load_project


def test_example_messages_have_context_reference_and_comment(example: Path) -> None:
    project = load_project(example)
    leaflet = load_leaflet(project, "peru-solidarity")
    messages = list(leaflet.messages())
    by_context = {m.context: m for m in messages}
    headline = by_context["headline"]
    assert headline.text == "Peru is not alone"
    assert str(headline.path) == "leaflets/peru-solidarity/leaflet.toml"
    line = headline.line
    assert (example / headline.path).read_text().splitlines()[line - 1].startswith("headline = ")
    assert headline.comments[0] == "The headline, printed very large."
    demands = [m for m in messages if m.context == "demands"]
    assert [m.text for m in demands] == [
        "Freedom for Pedro Castillo",
        "Free elections, now",
        "A new, plurinational constitution",
    ]
    assert [m.line for m in demands] == [demands[0].line, demands[0].line + 1, demands[0].line + 2]
    background = [m for m in messages if m.context == "background"]
    assert len(background) == 4
    assert {str(m.path) for m in background} == {"leaflets/peru-solidarity/background.md"}
    assert background[0].line == 1
    assert "\n" not in background[0].text and "**Pedro Castillo**" in background[0].text


def test_translators_comment_is_passed_on(mini: Path) -> None:
    path = mini / "leaflets/hello/leaflet.toml"
    path.write_text(
        path.read_text().replace(
            'headline = "Hello world"', '# Translators: a greeting\nheadline = "Hello world"'
        )
    )
    leaflet = load_leaflet(load_project(mini), "hello")
    headline = next(m for m in leaflet.messages() if m.context == "headline")
    assert headline.comments == ("The headline, printed very large.", "a greeting")


def test_every_problem_reported_at_once(mini: Path) -> None:
    path = mini / "leaflets/hello/leaflet.toml"
    path.write_text(
        'title = ""\nformats = "card"\n\n[text]\nheadline = 3\n\n'
        '[event]\ndate = 2026-12-05\nstart = "25:00"\n'
    )
    with pytest.raises(ContentError) as caught:
        load_leaflet(load_project(mini), "hello")
    lines = caught.value.message.splitlines()
    assert lines == [
        "leaflets/hello/leaflet.toml:1: 'title' must be a non-empty string, found ''",
        "leaflets/hello/leaflet.toml:2: 'formats' must be a list of format names such as "
        "[\"flyer-a5\"], found 'card'",
        "leaflets/hello/leaflet.toml:5: 'text.headline' must be a non-empty string, found 3",
        "leaflets/hello/leaflet.toml:9: 'event.start' must be a time such as \"14:00\", found '25:00'",
    ]


def test_unknown_keys_warn(mini: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = mini / "leaflets/hello/leaflet.toml"
    path.write_text(path.read_text().replace("[text]\n", '[text]\nheadlin = "typo"\n'))
    with caplog.at_level(logging.WARNING, logger="qillqa"):
        load_leaflet(load_project(mini), "hello")
    assert "leaflets/hello/leaflet.toml:5: unknown key 'text.headlin' ignored" in caplog.messages


def test_markdown_is_inline_only_and_safe() -> None:
    html = markup.inline(
        "Hi *you* <b>bold</b> [x](javascript:alert(1)) [y](https://e.org) [z](mailto:a@e.org)", "en"
    )
    assert html == (
        "Hi <em>you</em> &lt;b&gt;bold&lt;/b&gt; [x](javascript:alert(1)) "
        '<a href="https://e.org">y</a> <a href="mailto:a@e.org">z</a>'
    )


def test_quotes_follow_the_language_and_leave_quechua_apostrophes() -> None:
    assert markup.inline('"sí"', "es") == "«sí»"
    assert markup.inline('Peru\'s "people"', "en") == "Peru’s “people”"
    assert markup.inline("chʼaska it's", "qu") == "chʼaska it's"


def test_document_translates_block_by_block() -> None:
    source = "First *para*\ngraph.\n\n- item one\n- item two\n"
    assert [b.text for b in markup.blocks(source)] == ["First *para* graph.", "item one", "item two"]
    html = markup.document(source, lambda text: (text.upper(), "en"), "en")
    assert html == "<p>FIRST <em>PARA</em> GRAPH.</p>\n<ul>\n<li>ITEM ONE</li>\n<li>ITEM TWO</li>\n</ul>\n"


def test_markdown_nested_too_deep_is_refused_by_line(mini: Path) -> None:
    """markdown-it drops text nested past its limit: qillqa refuses it instead of losing words."""
    toml = mini / "leaflets/hello/leaflet.toml"
    toml.write_text(toml.read_text().replace("[event]", 'background = { file = "story.md" }\n\n[event]'))
    (mini / "leaflets/hello/story.md").write_text("First.\n\n" + "> " * 60 + "deep\n")
    with pytest.raises(ContentError) as caught:
        load_leaflet(load_project(mini), "hello")
    message = caught.value.format_message()
    assert message == "leaflets/hello/story.md:3: quotes or lists nest more than 40 deep"
    (mini / "leaflets/hello/story.md").write_text("First.\n\n" + "> " * 30 + "deep enough\n")
    texts = [m.text for m in load_leaflet(load_project(mini), "hello").messages()]
    assert "deep enough" in texts
