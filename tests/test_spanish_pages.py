"""No English word left on a Spanish page, for any role, on any page the crawl reaches.

The pages are those ``tests/crawl.py`` opened for every identity (crawled once per
session). What a person reads is checked: the text outside scripts, styles and code,
the page's title, and the attributes shown to them (``title``, ``placeholder``,
``aria-label``, ``alt`` and the label of an ``<input>`` button). Words of the records
themselves (names of organizations, services, sites, usernames) are data, not the
interface, and so is text marked ``translate="no"``. A word is English when it is in
``ENGLISH``: common words of an interface in English that are no Spanish word.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.crawl import Crawl, Page, crawl
from tests.test_fuzz_pages import ROLES

__all__ = ["crawl"]
# Asks pytest-django for the test database, where the session's crawl runs.
pytestmark = pytest.mark.django_db


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common words of an English interface. Left out, because Spanish has them too: "no",
# "a", "me", "he", "has", "son", "sea", "red", "once", "final", "total", "general",
# "error", "plan", "local", "social", "personal", "normal", "simple", "menu", "zoom",
# "web", "email", "test", "base", "real", "color", "sector", "actor", "idea", "come",
# "dice", "fin", "mayor", "sin", "van", "era", "pie", "pan", "mar", "gas", "bar".
ENGLISH = _words(
    """
    the and of to in for with from by on or is are was were be been this that these
    those your you my our their its it we they there here what which who when where
    why how all any each every some more less most other new old not yes only also than
    then just about into over under after before between up down out off again very
    save delete remove search home add change edit draw click cancel filter filters
    next previous show hide view views open close back submit send select choose upload
    download export import sign log login logout password username user users account
    settings help contact page pages first last loading warning success required
    optional invalid enter please name date time type category categories service
    services map maps list case cases referral referrals alert alerts inbox options
    details history action actions reset apply clear refresh update create created
    updated deleted saved today yesterday week weeks month months year years day days
    hour hours minute minutes ago now none empty unknown count results found nothing
    layer layers polygon marker circle rectangle shape finish drawing start undo
    redo print share copy link links more previous page of showing
    items item table row rows column columns sort sorted ascending descending
    organization organizations site sites slot slots waitlist waitlists round rounds
    territory territories policy priority score scores gap gaps trends network
    audit report reports answer answers accept reject accepted rejected pending
    overdue expired closed active inactive enabled disabled yes confirm sure
    welcome dashboard profile logged signed out free full left right top bottom
    """
)
# English kept on purpose: names of products, standards and formats.
BRANDS = _words(
    """
    puente leaflet openstreetmap osm hsds api csv xlsx json geojson openapi swagger
    totp django celery redis postgis url https http id ok
    """
)
# Names of products kept in English inside Django's own Spanish sentences.
BRAND_PHRASES = ("Single Sign-On",)
# A whole word only: not the letters of a code or a UUID ("2be7b7e0", "C-KAF3E3Q5").
WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?![\w-])")
# A value printed as it is stored: a dotted task name, a time zone ("America/New_York").
IDENTIFIER = re.compile(r"^[\w.-]*[._/][\w./ -]*$")
IGNORED_TAGS = {"script", "style", "code", "pre", "textarea", "template", "kbd", "samp"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
BUTTON_TYPES = {"submit", "button", "reset"}
VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip

# English still on a page through a file another change owns: (view name, word) ->
# where it comes from. Each is a test expected to fail, strictly: once the word is
# gone, its test passes, fails as XPASS, and the entry goes.
# Keys are (view name pattern, text pattern), both regular expressions matched in full.
KNOWN_ENGLISH: dict[tuple[str, str], str] = {}


class _ShownText(HTMLParser):
    """The pieces of text a person reads on the page, each as it appears."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)

    @property
    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        skip = (
            self._skipping
            or tag in IGNORED_TAGS
            or attributes.get("translate") == "no"
            or (tag == "input" and attributes.get("type") == "hidden")
        )
        if not skip:
            self.pieces.extend(attributes[name] for name in SHOWN_ATTRIBUTES if name in attributes)
            if tag == "input" and attributes.get("type", "") in BUTTON_TYPES:
                self.pieces.append(attributes.get("value", ""))
        if tag not in VOID_TAGS:
            self._stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching tag: HTML leaves some end tags out (<li>, <p>).
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.pieces.append(data)


def shown_text(html: str) -> list[str]:
    parser = _ShownText()
    parser.feed(html)
    return [" ".join(piece.split()) for piece in parser.pieces if piece.strip()]


def english_on(page: Page, *, data_words: set[str]) -> dict[str, str]:
    """Each English word on the page, with the first piece of text it was read in."""
    found: dict[str, str] = {}
    for piece in shown_text(page.html):
        if IDENTIFIER.match(piece):
            continue
        text = piece
        for phrase in BRAND_PHRASES:
            text = text.replace(phrase, "")
        for word in WORD.findall(text):
            lower = word.lower()
            if lower in ENGLISH and lower not in BRANDS and lower not in data_words:
                found.setdefault(lower, piece[:120])
    return found


def _findings(crawl: Crawl, identity: str) -> dict[tuple[str, str], str]:
    """(view name, text) -> the page and the English words read in that text."""
    words: dict[tuple[str, str], list[str]] = {}
    paths: dict[tuple[str, str], str] = {}
    for page in crawl.html_pages(identity):
        for word, piece in english_on(page, data_words=crawl.data_words).items():
            key = (page.view_name, piece)
            words.setdefault(key, []).append(word)
            paths.setdefault(key, page.path)
    return {
        key: f"{paths[key]}: {', '.join(sorted(found))} in {key[1]!r}"
        for key, found in words.items()
    }


def _known(key: tuple[str, str], entry: tuple[str, str]) -> bool:
    return bool(re.fullmatch(entry[0], key[0]) and re.fullmatch(entry[1], key[1]))


def _unknown(key: tuple[str, str]) -> bool:
    return not any(_known(key, entry) for entry in KNOWN_ENGLISH)


def test_the_check_reads_text_and_shown_attributes_but_not_code_or_data() -> None:
    html = (
        '<title>Save · Puente</title><p>Guardar <code>the</code></p><script>var x="Delete"'
        '</script><input type="submit" value="Cancel"><input type="hidden" value="Next">'
        '<a title="Home" href="/">Inicio</a><span translate="no">Show</span><li>Buscar<li>Add'
    )
    assert english_on(Page("x", "/", "v", 200, "", html=html), data_words=set()) == {
        "save": "Save · Puente",
        "cancel": "Cancel",
        "home": "Home",
        "add": "Add",
    }
    page = Page("x", "/", "v", 200, "", html="<p>Programa Home Feliz</p><p>2be7b7e0</p>")
    assert english_on(page, data_words={"home"}) == {}
    page = Page("x", "/", "v", 200, "", html="<option>gaps.tasks.save_task</option>")
    assert english_on(page, data_words=set()) == {}


def test_no_english_word_is_a_spanish_word_too() -> None:
    spanish_too = {"no", "a", "me", "he", "has", "son", "sea", "red", "once", "final", "total"}
    assert ENGLISH & spanish_too == set()
    assert all(re.fullmatch(r"[a-z'-]+", word) for word in ENGLISH)


@pytest.mark.parametrize("identity", ROLES)
def test_no_page_the_role_reaches_shows_an_english_word(crawl: Crawl, identity: str) -> None:
    findings = _findings(crawl, identity)
    assert sorted(shown for key, shown in findings.items() if _unknown(key)) == []


@pytest.mark.parametrize(
    ("view_name", "text"),
    [
        pytest.param(view_name, text, marks=pytest.mark.xfail(strict=True, reason=where))
        for (view_name, text), where in KNOWN_ENGLISH.items()
    ],
)
def test_a_known_english_text_is_gone(crawl: Crawl, view_name: str, text: str) -> None:
    found = [
        shown
        for identity in ROLES
        for key, shown in _findings(crawl, identity).items()
        if _known(key, (view_name, text))
    ]
    assert found == []
