"""Chinese text as search terms: the same rules at build time (here) and in the browser (search-query.js).

Pagefind cannot be trusted to split Chinese: it segments pages with one dictionary at build time,
and the browser splits the shopper's query with another (`Intl.Segmenter`), so a word cut
differently on the two sides is never found (杏干, 童装, 托特包 were lost that way), and a query
cut into single characters matches them anywhere (月饼 found the apricot through "12 个月").

So the store decides the terms itself, on both sides, and hands Pagefind words it will not cut:
- every run of Chinese characters is indexed as one term per character, the trigram from there
  (shorter at the run's end), not each unigram, bigram and trigram (issue 16: Pagefind took ~1.7x as
  long on those). Pagefind finds a term in every word it starts, so a query run asks for its n-grams
  of up to three characters (one term for 1-3 characters; 4 or more: its trigrams, which the page
  checks stand next to each other with Pagefind's quoted, exact search): a substring of a field,
  never characters scattered apart;
- each Chinese term is an ASCII key that neither segmenter cuts: `qv` and five decimal digits per
  character (the code point). Digits, so that no key can spell a Latin brand name held under NDA
  (the build scans the index bytes for them). No index word is a proper prefix of a query term
  (Pagefind falls back to such a word when no word starts with the term: 月饼 would find 个月): the
  n-grams cut short by a run's end end in `qq`, no pinyin holds qv, Latin words starting so are left out;
- Latin letters and digits stay words of their own (TPE, 200g), and titles and categories also carry
  their pinyin, full and initials, from every character on (so `xichenqi` and `xcq` find 吸尘器);
  a query word finds them by prefix. Each ends in `qq` in the index, for the same reason as above.

Keep `theme/static/js/search-query.js` in step with `query_pieces`: a test compares the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from catalog.search_terms import normalize_term as normalize

HAN = "\u3400-\u4dbf\u4e00-\u9fff"
"""Chinese characters searched (NFKC has already turned compatibility ideographs into these)."""
_PIECES = re.compile(f"[{HAN}]+|[0-9a-z]+")
_HAN_RUN = re.compile(f"[{HAN}]+")
GRAM = 3
"""The longest n-gram indexed."""
MARKER = "qv"
"""Starts every Chinese key: no pinyin holds it (ü is `v` only after l and n)."""
END = "qq"
"""Ends every index word a longer query term could start with (Latin words, pinyin, n-grams cut short
by a run's end): no pinyin, Chinese key or typed word holds "qq", so no index word can be a proper
prefix of a query term (which Pagefind would take for it when nothing starts with the term)."""
PINYIN_SPAN = 6
"""Characters of pinyin a term covers: enough for a product word, few enough to keep the index small."""


# Titles are unique, their n-grams are not: 5,000 realistic records (`search.product_documents`) took
# 0.82 s of CPU with keys made each time, 0.70 s with each made once.
@lru_cache(maxsize=1 << 17)
def han_key(chars: str) -> str:
    """The ASCII key of one to three Chinese characters: 杏 → `qv26447`, 杏干 → `qv2644724178`."""
    return MARKER + "".join(f"{ord(c):05d}" for c in chars)  # U+9FFF is 40959: five digits


def index_terms(text: str) -> list[str]:
    """The terms a piece of shop text is found by: the Chinese n-gram of `GRAM` characters from each
    character of a run (shorter at its end, and then ended by `END`), each Latin word."""
    terms: list[str] = []
    for piece in _PIECES.findall(normalize(text)):
        if piece[0].isascii():
            if latin_word(piece):
                terms.append(piece + END)
        else:
            terms += [han_key(piece[i : i + GRAM]) + (END if i + GRAM > len(piece) else "") for i in range(len(piece))]
    return terms


def latin_word(word: str) -> bool:
    """False for words that start like a Chinese key (`qv`), or could (q)."""
    return word != MARKER[0] and not word.startswith(MARKER)


def query_pieces(query: str) -> list[list[str]]:
    """What a shopper's query asks for, piece by piece: the n-gram keys of each Chinese run (which must
    stand together), or a Latin word; every piece must match."""
    pieces: list[list[str]] = []
    for piece in _PIECES.findall(normalize(query)):
        if piece[0].isascii():
            if latin_word(piece):
                pieces.append([piece])
        else:
            n = min(GRAM, len(piece))
            pieces.append([han_key(piece[i : i + n]) for i in range(len(piece) - n + 1)])
    return pieces


def query_terms(query: str) -> list[str]:
    """All terms of a query, each once, as Pagefind is asked for them."""
    return list(dict.fromkeys(term for piece in query_pieces(query) for term in piece))


def pinyin_terms(text: str) -> list[str]:
    """Pinyin terms of the Chinese in `text`: from every character, up to `PINYIN_SPAN` characters,
    in full (xichenqi) and as initials (xcq); a query typed in pinyin finds them by prefix."""
    return [term for run in _HAN_RUN.findall(normalize(text)) for term in _run_pinyin(run)]


def word_pinyin(words: Iterable[str]) -> list[str]:
    """The full pinyin of each whole word (袜子: waziqq): tags and synonyms a shopper may type in pinyin.
    Not from each later character, nor initials, as a title's run has them: at 10,000 products those
    would add 8% to the index's words (this adds 4%) for words a title mostly holds already."""
    return [run_pinyin[0] for word in words for run in _HAN_RUN.findall(normalize(word)) if (run_pinyin := _run_pinyin(run))]


# Pinyin of a run of Han characters: 224 distinct runs, reused 6,385 times at 1,000 products.
@lru_cache(maxsize=65536)
def _run_pinyin(run: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin  # imported when first needed: its dictionary takes half a second

    syllables = lazy_pinyin(run)
    if len(syllables) != len(run) or not all(s.isascii() and s.isalpha() for s in syllables):
        return ()  # a character pypinyin does not know: no pinyin rather than a wrong one
    terms: list[str] = []
    for i in range(len(syllables)):
        span = syllables[i : i + PINYIN_SPAN]
        terms.append("".join(span) + END)
        if len(span) > 1:
            terms.append("".join(s[0] for s in span) + END)
    return tuple(terms)


class Said:
    """What a record's text has said so far, to leave out the parts that would add nothing: a part each
    of whose Chinese runs stands within a said run, and each Latin word begins a said word, is found by
    every query that finds it anyway (a query finds a substring of a run, a word by its start). A tag or
    brand the title already says is left out: at 10,000 realistic products 11% fewer words, and a shard
    took Pagefind 5% less CPU (6.1 s -> 5.8 s) and less memory."""

    def __init__(self, text: str):
        self._said = "\n" + "".join(piece + "\n" for piece in _pieces(text))
        """Each piece said, between newlines (which no piece holds)."""

    def new(self, parts: Iterable[str]) -> list[str]:
        """The parts that say something new, in order (each part kept is said from then on)."""
        kept = []
        for part in parts:
            if not all(probe in self._said for probe in _probes(part)):
                kept.append(part)
                self._said += "".join(piece + "\n" for piece in _pieces(part))
        return kept


# A record's tags, category, factory and brands recur across the catalog: 5,000 realistic records
# (`search.product_documents`) took 0.85 s of CPU with their pieces and probes found each time, 0.70 s
# with each found once.
@lru_cache(maxsize=1 << 16)
def _pieces(text: str) -> tuple[str, ...]:
    return tuple(_PIECES.findall(normalize(text)))


@lru_cache(maxsize=1 << 16)
def _probes(part: str) -> tuple[str, ...]:
    """What `Said` looks for: a Chinese run anywhere, a Latin word at a word's start."""
    return tuple("\n" + piece if piece[0].isascii() else piece for piece in _pieces(part))


def field_text(parts: Iterable[str]) -> str:
    """The terms of several texts as one space-separated field (in order: a run's n-grams must stay adjacent)."""
    return " ".join(terms for part in parts if part and (terms := _part_terms(part)))


# A product's tags, category, factory, belt, brands and badges recur across the catalog: 5,000 realistic
# records (`search.product_documents`) took 0.90 s of CPU with each part's terms made each time, 0.70 s
# with them made once (2,000 took 3.1 s and 1.1 s when keys were not yet made once either).
@lru_cache(maxsize=1 << 16)
def _part_terms(part: str) -> str:
    return " ".join(index_terms(part))
