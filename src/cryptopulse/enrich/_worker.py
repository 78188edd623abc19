"""What a scoring process runs: exact cache keys, a per-process cache, and the scorer.

Kept apart from ``sentiment`` so pool workers import only the scorer, not Arrow.

**Cache keys.** VADER looks at a word only through a few questions: is it (lower-cased) in
the lexicon, a booster, a negation or one of the handful of words its rules name ("no",
"but", "least", "kind", "of", idiom words, …); does it contain "n't", "!" or "?"; is it in
capitals. A plain ASCII word that answers no to all of them (a coin name, a cashtag, a link,
a handle, a number) is *inert*: any other inert word in its place gives exactly the same
scores. So the cache key is the text with every inert word replaced by ``qqq`` (``QQQ`` when
it is in capitals), which makes "Feeling bullish on $BTC https://t.co/x1" and "Feeling
bullish on $ETH https://t.co/y2" one key. Words with other characters (emoji) are kept as
they are, and so is the text's spacing around them (the emoji pass depends on it).
"""

from __future__ import annotations

import string
from collections import OrderedDict
from functools import cache

from cryptopulse.enrich.vader import BOOSTER_DICT, NEGATE, SPECIAL_CASES, Overlay, Vader

MAX_SCORED_CHARS = 5_000
CACHE_SIZE = 1_000_000  # keys per process
WORD_MEMO_SIZE = 500_000

Scores = tuple[float, float, float, float]

_PUNCTUATION = string.punctuation
# Words VADER's rules name: never inert.
RULE_WORDS = (
    frozenset(NEGATE)
    | frozenset(BOOSTER_DICT)
    | frozenset(w for k in (*SPECIAL_CASES, *BOOSTER_DICT) for w in k.split())
    | frozenset(("no", "least", "kind", "of", "but", "so", "this", "never", "without", "doubt"))
    | frozenset(("at", "very", "or", "nor"))
)


def cache_key(text: str, lexicon: frozenset[str] | set[str] | dict[str, float]) -> str:
    """``text`` with every inert word replaced by a placeholder (see the module docstring).

    Texts with emoji are split on single spaces only, so the characters around an emoji stay
    where they were; tokens that are not one plain word are kept as they are.
    """
    tokens = text.split() if text.isascii() else text.split(" ")
    return " ".join(_key_word(t, lexicon) for t in tokens)


def _key_word(token: str, lexicon: frozenset[str] | set[str] | dict[str, float]) -> str:
    if not token.isascii() or "!" in token or "?" in token or len(token.split()) != 1:
        return token  # an emoji, punctuation VADER counts, or not one word (kept as it is)
    if token.strip() != token:
        return token
    core = token.strip(_PUNCTUATION)
    word = token if len(core) <= 2 else core
    low = word.lower()
    if low in lexicon or low in RULE_WORDS or "n't" in low:
        return token
    return "QQQ" if word.isupper() else "qqq"


class _WordKeys(dict[str, str]):
    """word -> its placeholder (or itself), computed on first sight."""

    def __init__(self, lexicon: frozenset[str]) -> None:
        super().__init__()
        self.lexicon = lexicon

    def __missing__(self, token: str) -> str:
        part = _key_word(token, self.lexicon)
        if len(self) < WORD_MEMO_SIZE:
            self[token] = part
        return part


class _CachedScorer:
    def __init__(self, overlay: Overlay | None) -> None:
        self.vader = Vader(overlay)
        self.lexicon = frozenset(self.vader.lexicon)
        self.cache: OrderedDict[str, Scores] = OrderedDict()
        self.words = _WordKeys(self.lexicon)

    def score(self, texts: list[str]) -> tuple[list[Scores], int]:
        """Scores of ``texts`` and how many were computed (not found in the cache)."""
        polarity = self.vader.polarity_scores
        cache_ = self.cache
        words = self.words
        out: list[Scores] = []
        computed = 0
        for text in texts:
            text = text[:MAX_SCORED_CHARS]
            # cache_key, each word's placeholder looked up at C speed
            key = " ".join(
                map(words.__getitem__, text.split() if text.isascii() else text.split(" "))
            )
            scores = cache_.get(key)
            if scores is None:
                scores = polarity(key)
                cache_[key] = scores
                computed += 1
            out.append(scores)
        while len(cache_) > CACHE_SIZE:
            cache_.popitem(last=False)
        return out, computed


@cache
def _scorer(overlay: Overlay | None) -> _CachedScorer:
    return _CachedScorer(overlay)


def score_chunk(overlay: Overlay | None, texts: list[str]) -> tuple[list[Scores], int]:
    """Score ``texts`` in this process (its cache persists between calls)."""
    return _scorer(overlay).score(texts)
