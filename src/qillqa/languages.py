"""Languages: their codes, the family each writes like, what each falls back to, and its locale.

A project's language is a code as gettext and CLDR write it: a language (``es``, ``qu``, or a
three-letter ISO 639-3 code such as ``quz``), then optionally a script (``sr_Latn``) and a region
(``es_PE``, ``qu_BO``, ``es_419``). Each language falls back, for a message it lacks, along a
chain (:func:`fallback_chain`): the languages configured for it in ``[project.fallbacks]``, or
by default its parents (``qu_BO`` -> ``qu``; ``quz`` -> ``qu``) and the language of its
formatting locale (``ay`` with ``locales.ay = "es_PE"`` -> ``es``) that the project has, then the
source language. The same chain finds the locale that formats dates and numbers for a language
CLDR lacks (:func:`locale_candidates`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: A language code: language, optional script, optional region (letters or UN M.49 digits).
CODE = re.compile(r"^[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?$")

#: ISO 639-3 individual languages of the Quechua macrolanguage (ISO 639-3 code tables).
_QUECHUA_CODES = (
    "qu que qub qud quf qug quh quk qul qup qur qus quw qux quy quz qva qvc qve qvh qvi qvj qvl qvm "
    "qvn qvo qvp qvs qvw qvz qwa qwc qwh qws qxa qxc qxh qxl qxn qxo qxp qxr qxt qxu qxw"
)
QUECHUA = frozenset(_QUECHUA_CODES.split())
#: Aymara: the macrolanguage (639-1 and 639-2) and its members, Central and Southern Aymara.
AYMARA = frozenset({"ay", "aym", "ayr", "ayc"})


def base(language: str) -> str:
    """The language part of a code: ``qu_BO`` -> ``qu``, ``es_419`` -> ``es``."""
    return language.split("_", 1)[0]


def family(language: str) -> str:
    """The macrolanguage whose spelling rules a code follows: ``qu`` for every Quechua, ``ay``..."""
    head = base(language)
    if head in QUECHUA:
        return "qu"
    if head in AYMARA:
        return "ay"
    return head


def uses_apostrophe(language: str) -> bool:
    """Whether the language writes ejectives with an apostrophe (Quechua and Aymara)."""
    return family(language) in ("qu", "ay")


def parents(language: str) -> list[str]:
    """The codes a code is a variant of, nearest first: ``qu_Latn_BO`` -> ``qu_Latn``, ``qu``."""
    parts = language.split("_")
    found = ["_".join(parts[:n]) for n in range(len(parts) - 1, 0, -1)]
    if family(language) != base(language):  # quz -> qu, ayr -> ay
        found.append(family(language))
    return found


def fallback_chain(
    language: str,
    languages: Iterable[str],
    source: str,
    configured: Mapping[str, tuple[str, ...]],
    locales: Mapping[str, str],
) -> tuple[str, ...]:
    """The languages ``language`` falls back to, in order, ending with the source language.

    A language's own fallbacks are ``configured`` (``[project.fallbacks]``) when it names the
    language; otherwise its parents, then the language of its formatting locale, each only if
    the project has it. Each fallback brings its own fallbacks after it, so with
    ``qu = ["es"]`` the chain of ``qu_BO`` is ``qu``, ``es``, then the source. The source
    language itself falls back to nothing.
    """
    if language == source:
        return ()
    known = set(languages) | {source}

    def direct(of: str) -> list[str]:
        if of in configured:
            return [lang for lang in configured[of] if lang != of]
        found = [lang for lang in parents(of) if lang in known]
        locale = locales.get(of)
        if locale is not None:
            for candidate in (locale, *parents(locale)):
                if candidate in known and candidate != of:
                    found.append(candidate)
                    break
        return found

    chain: list[str] = []

    def follow(of: str) -> None:
        for fallback in direct(of):
            if fallback not in chain and fallback not in (language, source):
                chain.append(fallback)
                follow(fallback)

    follow(language)
    return (*chain, source)


def unlisted_name(language: str) -> str | None:
    """The English name CLDR gives a language it has no locale data for ("Aymara"), if any."""
    from babel import Locale

    names = Locale("en").languages
    return names.get(language) or names.get(base(language))


def locale_candidates(language: str, chain: Iterable[str], locales: Mapping[str, str]) -> list[str]:
    """Locales to try, in order, for formatting ``language``: its own, then its fallbacks'."""
    found = [locales.get(language, language), language]
    for other in chain:
        found += [locales.get(other, other), other]
    found.append("en")
    return list(dict.fromkeys(found))
