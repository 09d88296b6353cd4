"""Catalogues: standard PO files, read directly, translated with a clear fallback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.conftest import LANGUAGES, REPO

from qillqa.catalogs import Policy, Translator, load_catalog
from qillqa.extract import extract_templates
from qillqa.headers import plural_forms
from qillqa.i18n import extract, update
from qillqa.po import PoFile
from qillqa.project import load_project

REPO_PO = sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po"))


def test_repository_has_a_catalogue_per_language_and_domain() -> None:
    names = {(p.parts[-3], p.stem) for p in REPO_PO}
    assert names == {(lang, domain) for lang in LANGUAGES for domain in ("templates", "peru-solidarity")}
    assert not list((REPO / "locales").rglob("*.mo"))


@pytest.mark.parametrize("po", REPO_PO, ids=lambda p: "/".join(p.parts[-3:]))
def test_repository_catalogues_pass_msgfmt_check(po: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # not even a warning: no placeholder or missing field in the header
    header = load_catalog(po).header
    language = po.parts[-3]
    assert header["Language"] == language
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"] == plural_forms(language)


@pytest.mark.parametrize("language", ["es", "qu"])
def test_repository_translations_are_complete(language: str) -> None:
    for po in REPO_PO:
        if po.parts[-3] != language:
            continue
        untranslated = [m.msgid for m in load_catalog(po) if not m.translated or m.fuzzy]
        assert untranslated == [], po


def test_repository_catalogues_are_up_to_date(example: Path) -> None:
    project = load_project(example)
    assert [w.path.name for w in extract(project) if w.changed] == []
    assert [str(w.path) for w in update(project) if w.changed] == []


def test_template_strings_are_extracted_with_context_and_comments(example: Path) -> None:
    catalog = extract_templates(load_project(example))
    when = catalog.get("When", context="flyer")
    assert when is not None
    assert when.locations[0].startswith("templates/flyer-a5/blocks.html:")
    assert {(m.context, m.msgid) for m in catalog} >= {
        ("flyer", "Where"),
        ("flyer", "What happened"),
        ("flyer", "Their demands"),
        ("flyer", "%(start)s to %(end)s"),
    }


def test_plural_forms_are_gettexts_then_cldrs() -> None:
    assert plural_forms("es") == "nplurals=2; plural=(n != 1);"  # gettext's and Poedit's, not CLDR's 3
    assert plural_forms("qu") == "nplurals=1; plural=(0);"
    assert plural_forms("qu_BO") == "nplurals=1; plural=(0);"
    assert plural_forms("en") == "nplurals=2; plural=(n != 1);"
    assert plural_forms("ay") is None


def _catalog() -> PoFile:
    return PoFile.parse(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        'msgctxt "greeting"\nmsgid "Hello"\nmsgstr "Hola"\n\n'
        '#, fuzzy\nmsgctxt "greeting"\nmsgid "Bye"\nmsgstr "Adiós"\n\n'
        '# unreviewed: machine-drafted\nmsgctxt "greeting"\nmsgid "Thanks"\nmsgstr "Gracias"\n'
    )


def test_translator_falls_back_and_records() -> None:
    tr = Translator("d", "es", _catalog())
    assert tr.pgettext("greeting", "Hello") == "Hola"
    assert tr.pgettext("greeting", "Bye") == "Bye"
    assert tr.pgettext("other", "Hello") == "Hello"
    assert tr.pgettext("greeting", "Thanks") == "Gracias"  # printed, and recorded as unreviewed
    assert [(m.context, m.msgid, m.reason) for m in tr.misses] == [
        ("greeting", "Bye", "fuzzy"),
        ("other", "Hello", "missing"),
        ("greeting", "Thanks", "unreviewed"),
    ]


def test_strict_refuses_unreviewed_text() -> None:
    tr = Translator("d", "es", _catalog(), Policy.STRICT)
    assert tr.pgettext("greeting", "Hello") == "Hola"
    assert tr.pgettext("greeting", "Thanks") == "Thanks"
    assert [m.reason for m in tr.misses] == ["unreviewed"]


def test_draft_uses_fuzzy_and_source_language_never_misses() -> None:
    assert Translator("d", "es", _catalog(), Policy.DRAFT).pgettext("greeting", "Bye") == "Adiós"
    source = Translator("d", "en", None, is_source=True)
    assert source.pgettext("x", "Anything") == "Anything"
    assert source.misses == []
