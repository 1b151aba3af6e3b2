"""The text of a search as a full-text query: its words, their synonyms and categories.

PostgreSQL's Spanish stemmer (``spanish_unaccent``) already makes "psicóloga",
"psicólogos" and "psicologo" one word on both sides. What it cannot know is that
"VIF" means "violencia intrafamiliar", or that "psicólogo" is what the category
"Atención psicológica" offers: that is the coordinator's synonym list
(``SearchSynonym``). A word or phrase of the query found in the list is replaced by
"any of its synonyms, or its category"; the other words stay as they were.

Categories are searched through the search table: its text holds the names of each
service's categories and a lexeme ``@<code>`` per category code (migration 0011), so
a synonym tied to a category matches exactly that category and the ones below it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache

from directory.models import SEARCH_CONFIG, SEARCH_SYNONYMS_CACHE_KEY, SearchSynonym

# Long enough that a busy day reads the table once; a change clears it at once.
SYNONYMS_CACHE_TTL_S = 3600

# Words that carry no meaning for matching a phrase ("escuela de padres" is "escuela
# para padres"); PostgreSQL drops them from the query as well.
STOPWORDS = frozenset(
    {
        *("a", "al", "con", "de", "del", "e", "el", "en", "la", "las", "lo", "los"),
        *("o", "para", "por", "u", "un", "una", "unas", "unos", "y"),
    }
)

# Words with an inner hyphen stay one word ("infanto-juvenil"), as the parser keeps them.
WORD = re.compile(r"\w+(?:-\w+)*")
# websearch syntax: a quoted phrase, an excluded word, "or". Such a query is the
# searcher's own; it runs as written.
WEBSEARCH_SYNTAX = re.compile(r"\"|(?:^|\s)-\w|(?:^|\s)or(?:\s|$)", re.IGNORECASE)

Key = tuple[str, ...]


def fold(text: str) -> str:
    """Lower case without accents (ñ is n), as ``puente_unaccent`` reads it."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def word_key(word: str) -> str:
    """One key for the gender and number of a Spanish word: psicólogo, psicóloga,
    psicólogos, psicólogas are ``psicolog``; padre, padres ``padr``; mujer, mujeres
    ``mujer``. Only used to find the word in the synonym list."""
    w = fold(word)
    if len(w) > 4 and w.endswith("es") and w[-3] not in "aeiou":
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s"):
        w = w[:-1]
    if len(w) > 3 and w[-1] in "aoe":
        w = w[:-1]
    return w


def phrase_key(text: str) -> Key:
    return tuple(word_key(w) for w in WORD.findall(text) if fold(w) not in STOPWORDS)


@dataclass(frozen=True)
class SynonymGroup:
    words: tuple[str, ...]  # the phrase and its synonyms, as written
    codes: tuple[str, ...]  # the categories the words find, if any


@dataclass(frozen=True)
class SynonymTable:
    groups: tuple[SynonymGroup, ...]
    by_key: dict[Key, tuple[int, ...]]  # each word's or phrase's groups
    longest: int  # words in the longest key


def synonym_table_build() -> SynonymTable:
    groups: list[SynonymGroup] = []
    by_key: dict[Key, list[int]] = {}
    rows = SearchSynonym.objects.select_related("term").only("phrase", "synonyms", "term__code")
    for row in rows:
        words = tuple(dict.fromkeys([row.phrase, *row.synonyms]))
        codes = (row.term.code,) if row.term is not None else ()
        index = len(groups)
        groups.append(SynonymGroup(words=words, codes=codes))
        for word in words:
            key = phrase_key(word)
            if key and index not in by_key.setdefault(key, []):
                by_key[key].append(index)
    return SynonymTable(
        groups=tuple(groups),
        by_key={key: tuple(found) for key, found in by_key.items()},
        longest=max((len(key) for key in by_key), default=0),
    )


def synonym_table() -> SynonymTable:
    """The coordinator's synonyms, compiled; cached until one of them changes."""
    table = cache.get(SEARCH_SYNONYMS_CACHE_KEY)
    if not isinstance(table, SynonymTable):
        table = synonym_table_build()
        cache.set(SEARCH_SYNONYMS_CACHE_KEY, table, SYNONYMS_CACHE_TTL_S)
    return table


class CategoryLexemeQuery(SearchQuery):
    """The category code's own lexeme, ``'@<code>'::tsquery``: never stemmed or split,
    and no word of a service's text can produce it."""

    template = "%(expressions)s::tsquery"

    def __init__(self, code: str) -> None:
        escaped = code.replace("\\", "\\\\").replace("'", "''")
        super().__init__(f"'@{escaped}'")


@dataclass(frozen=True)
class TextQuery:
    query: SearchQuery
    # The words and categories the synonym list added, for the reason shown.
    synonyms: tuple[str, ...]


def _plain(text: str) -> SearchQuery:
    return SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")


def number_variant(word: str) -> str | None:
    """The other number of a word ending in a consonant, or ``None``.

    The Spanish stemmer gives "escolar" and "escolares" different stems ("escol",
    "escolar"), and so "joven" and "jóvenes", "mujer" and "mujeres", "taller" and
    "talleres": the query asks for both forms. Words ending in a vowel ("psicóloga",
    "niños") already share their stem."""
    w = fold(word)
    if not w.isalpha() or len(w) < 4:
        return None
    if w.endswith("es") and w[-3] in "lrndz" and len(w) > 5:
        return word[:-3] + "z" if w[-3] == "z" else word[:-2]  # luces: luz
    if w[-1] in "lrnd":
        return word + "es"
    if w[-1] == "z":
        return word[:-1] + "ces"
    return None


def _words(text: str) -> Any:
    """Every word of ``text`` (in either number where they differ), as one query."""
    parts: list[Any] = []
    run: list[str] = []
    for word in WORD.findall(text):
        variant = number_variant(word)
        if variant is None:
            run.append(word)
            continue
        parts.append(_plain(word) | _plain(variant))
    if run or not parts:
        parts.insert(0, _plain(" ".join(run) or text))
    query = parts[0]
    for part in parts[1:]:
        query = query & part
    return query


def search_text_query(*, text: str) -> TextQuery:
    """The full-text query for a search's text, with the synonym list applied.

    Longest phrase first: "jardín infantil" is one entry before "infantil" is another.
    Words that no entry knows are matched as typed, in either number (every word must
    match, as before).
    """
    text = text.strip()
    if WEBSEARCH_SYNTAX.search(text) or not WORD.search(text):
        return TextQuery(query=_plain(text), synonyms=())
    table = synonym_table()
    words = [w for w in WORD.findall(text) if fold(w) not in STOPWORDS]
    if not words:  # only little words: PostgreSQL ignores them as it always did
        return TextQuery(query=_plain(text), synonyms=())
    keys = [word_key(w) for w in words]
    parts: list[Any] = []
    plain: list[str] = []
    added: list[str] = []
    i = 0
    while i < len(words):
        found: tuple[int, ...] = ()
        size = min(table.longest, len(words) - i)
        while size > 0 and not found:
            found = table.by_key.get(tuple(keys[i : i + size]), ())
            size -= 0 if found else 1
        if not found:
            plain.append(words[i])
            i += 1
            continue
        if plain:
            parts.append(_words(" ".join(plain)))
            plain = []
        typed = " ".join(words[i : i + size])
        alternatives: list[Any] = [_words(typed)]
        seen = {fold(typed)}
        for index in found:
            group = table.groups[index]
            for word in group.words:
                if fold(word) not in seen:
                    seen.add(fold(word))
                    alternatives.append(_words(word))
                    added.append(word)
            alternatives.extend(CategoryLexemeQuery(code) for code in group.codes)
        either = alternatives[0]
        for alternative in alternatives[1:]:
            either = either | alternative
        parts.append(either)
        i += size
    if plain:
        parts.append(_words(" ".join(plain)))
    query = parts[0]
    for part in parts[1:]:
        query = query & part
    return TextQuery(query=query, synonyms=tuple(added))
