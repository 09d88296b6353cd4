"""PO and POT headers a team can use: no placeholders, and values the other tools agree with.

A POT header names the project and when its messages last changed. A PO header adds the
language (its code, and the team as "English name (native name)") and its Plural-Forms,
written as GNU gettext's ``msginit`` and Poedit write them (Spanish has two forms there),
so that the tools do not fight over the header. An existing header is kept as it is,
fields of other tools (``X-Poedit-*``, ``X-Generator``...) included; only placeholders
left by other tools and what qillqa owns (the creation date of the messages) change.
"""

from __future__ import annotations

import functools
import logging
import re

from qillqa import __version__
from qillqa.languages import unlisted_name

log = logging.getLogger(__name__)

#: GNU gettext's plural table (msginit's plural-table.c): the forms its tools and Poedit use.
GETTEXT_PLURALS = {
    **dict.fromkeys(("ja", "vi", "ko"), "nplurals=1; plural=0;"),
    **dict.fromkeys(
        "en de nl sv da no nb nn fo es pt it bg el fi et he eo hu tr ca".split(),  # noqa: SIM905
        "nplurals=2; plural=(n != 1);",
    ),
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "ga": "nplurals=3; plural=n==1 ? 0 : n==2 ? 1 : 2;",
    "ro": "nplurals=3; plural=n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2;",
    "lt": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && (n%100<10 || n%100>=20) ? 1 : 2);",
    **dict.fromkeys(
        ("ru", "uk", "be", "sr", "hr"),
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) "
        "? 1 : 2);",
    ),
    **dict.fromkeys(("cs", "sk"), "nplurals=3; plural=(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2;"),
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
}
DEFAULT_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
#: The fields of a header in the order gettext writes them; others follow.
ORDER = (
    "Project-Id-Version",
    "Report-Msgid-Bugs-To",
    "POT-Creation-Date",
    "PO-Revision-Date",
    "Last-Translator",
    "Language-Team",
    "Language",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Plural-Forms",
)
#: What xgettext, msginit and Babel leave for a person to fill in.
_PLACEHOLDER = re.compile(
    r"VERSION|PACKAGE|EMAIL@ADDRESS|FULL NAME|YEAR-MO-DA|LANGUAGE <LL@li\.org>|INTEGER|EXPRESSION"
)
GENERATOR = f"qillqa {__version__}"


def plural_forms(language: str) -> str | None:
    """The Plural-Forms gettext's tools write for ``language``; ``None`` if nobody knows it.

    GNU gettext's own table first (what msginit and Poedit write), then Babel's table,
    then CLDR's rule; CLDR rules that use operands gettext lacks (such as the exponent
    ``e``) fall back to the common two-form rule.
    """
    from babel import Locale, UnknownLocaleError
    from babel.messages.plurals import PLURALS, get_plural
    from babel.plural import to_gettext

    base = language.split("_")[0]
    if language in GETTEXT_PLURALS or base in GETTEXT_PLURALS:
        return GETTEXT_PLURALS.get(language) or GETTEXT_PLURALS[base]
    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None
    if str(locale) in PLURALS or locale.language in PLURALS:
        return str(get_plural(locale))
    rule = str(to_gettext(locale.plural_form))
    expression = rule.split("plural=", 1)[1]
    if re.search(r"\b[eivwftc]\b", expression):
        return DEFAULT_PLURAL_FORMS
    return rule


def _babel_plural_forms(language: str) -> str | None:
    """What qillqa 0.1 wrote (Babel's table), to recognise a header it may bring up to date."""
    from babel import Locale, UnknownLocaleError
    from babel.messages.plurals import get_plural

    try:
        return str(get_plural(Locale.parse(language)))
    except (UnknownLocaleError, ValueError):
        return None


@functools.cache
def _unknown_plurals(language: str) -> str:
    log.warning("no plural rules known for %r: using Plural-Forms %s", language, DEFAULT_PLURAL_FORMS)
    return DEFAULT_PLURAL_FORMS


def language_team(language: str) -> str:
    """The team's name for a header: "Quechua (Runasimi)", "Spanish (español)", "English"."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        name = unlisted_name(language)  # CLDR names languages it has no data for: "Aymara"
        return f"{name} ({language})" if name else language
    english = locale.get_display_name("en") or language
    native = locale.get_display_name(locale) or ""
    return english if not native or native.lower() == english.lower() else f"{english} ({native})"


def template_header(project_name: str, date: str) -> dict[str, str]:
    """A POT file's header: the project, when its messages last changed, and the encoding."""
    return {
        "Project-Id-Version": project_name,
        "POT-Creation-Date": date,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": GENERATOR,
    }


def new_header(project_name: str, language: str, date: str) -> dict[str, str]:
    """A new PO file's header; the translator's name is theirs to fill in (Poedit does)."""
    return {
        "Project-Id-Version": project_name,
        "POT-Creation-Date": date,
        "PO-Revision-Date": date,
        "Last-Translator": "",
        "Language-Team": language_team(language),
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(language) or _unknown_plurals(language),
        "X-Generator": GENERATOR,
    }


def updated_header(
    header: dict[str, str], project_name: str, language: str, date: str | None, has_plurals: bool
) -> dict[str, str]:
    """``header`` with its placeholders filled and its creation date ``date``; the rest as it was.

    Fields qillqa does not own (Last-Translator once set, PO-Revision-Date, X-Generator,
    Poedit's and Weblate's own) are never touched, so saving in those tools and running
    ``i18n update`` do not undo each other.
    """
    result = dict(header)

    def placeholder(name: str) -> bool:
        return bool(_PLACEHOLDER.search(result.get(name, "")))

    if not result.get("Project-Id-Version") or placeholder("Project-Id-Version"):
        _put(result, "Project-Id-Version", project_name)
    if placeholder("Report-Msgid-Bugs-To"):
        del result["Report-Msgid-Bugs-To"]
    if date:
        _put(result, "POT-Creation-Date", date)
    if "PO-Revision-Date" not in result or placeholder("PO-Revision-Date"):
        _put(result, "PO-Revision-Date", date or "")
    if "Last-Translator" not in result or placeholder("Last-Translator"):
        _put(result, "Last-Translator", "")
    team = result.get("Language-Team", "")
    if not team or placeholder("Language-Team") or team == language:
        _put(result, "Language-Team", language_team(language))
    if not result.get("Language"):
        _put(result, "Language", language)
    _put(result, "MIME-Version", "1.0")
    _put(result, "Content-Type", "text/plain; charset=UTF-8")  # qillqa writes UTF-8, whatever it read
    _put(result, "Content-Transfer-Encoding", "8bit")
    forms = result.get("Plural-Forms", "")
    wanted = plural_forms(language)
    outdated = wanted and forms == _babel_plural_forms(language) and forms != wanted and not has_plurals
    if not forms or placeholder("Plural-Forms") or outdated:
        _put(result, "Plural-Forms", wanted or _unknown_plurals(language))
    if result.get("Generated-By", "").startswith("qillqa "):  # what qillqa 0.1 wrote, through Babel
        del result["Generated-By"]
        result.setdefault("X-Generator", GENERATOR)
    return result


def _put(header: dict[str, str], name: str, value: str) -> None:
    """Set a field where it is, or (a new one) where gettext's order puts it."""
    if name in header or name not in ORDER:
        header[name] = value
        return
    rank = ORDER.index(name)
    items = list(header.items())
    at = next(
        (i for i, (key, _) in enumerate(items) if key not in ORDER or ORDER.index(key) > rank), len(items)
    )
    items.insert(at, (name, value))
    header.clear()
    header.update(items)
