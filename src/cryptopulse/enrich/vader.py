"""A fast, exact re-implementation of VADER (vaderSentiment 3.3.2), with an optional overlay.

The rules follow ``vaderSentiment.SentimentIntensityAnalyzer.polarity_scores`` step by step
(same lexicons, same constants, the same floating-point operations in the same order), so
with no overlay the scores equal the reference's to the last digit. What differs is cost:

* each word is lower-cased once (the reference re-lowers the whole post for every lexicon
  word it meets, which makes it quadratic in the post's length);
* the emoji pass runs only on posts with non-ASCII characters, as one regex substitution;
* the idiom check is skipped when no idiom word is near (it could not match);
* the contrastive "but" rule reproduces the reference's quirk (it looks values up with
  ``list.index``, so equal values elsewhere in the post are the ones changed) with a heap of
  positions per value instead of a linear scan per word.

The lexicon files in ``lexicon/`` are vaderSentiment's own (MIT, see the LICENSE file there).
An overlay (``lexicon/crypto_overlay_v1.tsv``) adds or replaces lexicon words and emoji
descriptions; it changes nothing else.
"""

from __future__ import annotations

import heapq
import math
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable


def _words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (long word lists stay readable)."""
    return text.split()


# Read through importlib.resources, so the package also works from a zip (Spark's --py-files).
LEXICON_DIR = resources.files("cryptopulse.enrich") / "lexicon"
VADER_VERSION = "3.3.2"

B_INCR = 0.293
B_DECR = -0.293
C_INCR = 0.733
N_SCALAR = -0.74

NEGATE = frozenset(
    _words(
        """aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't daren't
        didn't doesn't dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't hasn't
        haven't isn't mightn't mustn't neednt needn't never none nope nor not nothing nowhere
        oughtnt shant shouldnt uhuh wasnt werent oughtn't shan't shouldn't uh-uh wasn't weren't
        without wont wouldnt won't wouldn't rarely seldom despite"""
    )
)

_INCR_WORDS = _words(
    """absolutely amazingly awfully completely considerable considerably decidedly
deeply effing enormous enormously entirely especially exceptional exceptionally extreme
extremely fabulously flipping flippin frackin fracking fricking frickin frigging friggin fully
fuckin fucking fuggin fugging greatly hella highly hugely incredible incredibly intensely major
majorly more most particularly purely quite really remarkably so substantially thoroughly total
totally tremendous tremendously uber unbelievably unusually utter utterly very"""
)
_DECR_WORDS = _words(
    """almost barely hardly kinda kindof kind-of less little marginal marginally
occasional occasionally partly scarce scarcely slight slightly somewhat sorta sortof
sort-of"""
)
BOOSTER_DICT: dict[str, float] = {
    **{w: B_INCR for w in _INCR_WORDS},
    **{w: B_DECR for w in _DECR_WORDS},
    "just enough": B_DECR,
    "kind of": B_DECR,
    "sort of": B_DECR,
}
SPECIAL_CASES: dict[str, float] = {
    "the shit": 3,
    "the bomb": 3,
    "bad ass": 1.5,
    "badass": 1.5,
    "bus stop": 0.0,
    "yeah right": -2,
    "kiss of death": -1.5,
    "to die for": 3,
    "beating heart": 3.5,
}
# Every word of a multi-word special case or booster: the idiom check can only change a
# valence when one of them is within reach.
_IDIOM_WORDS = frozenset(
    w for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key for w in key.split()
) | frozenset(k for k in SPECIAL_CASES if " " not in k)
_PUNCTUATION = string.punctuation
_SO_THIS = ("so", "this")
_MARK = "\x00"


@dataclass(frozen=True)
class Overlay:
    """Lexicon words (valences) and emoji descriptions added on top of VADER's."""

    name: str
    version: str
    words: tuple[tuple[str, float], ...]
    emojis: tuple[tuple[str, str], ...]


def read_overlay(path: Traversable, name: str, version: str) -> Overlay:
    words: list[tuple[str, float]] = []
    emojis: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, token, value = line.split("\t")[:3]
        if kind == "word":
            words.append((token.lower(), float(value)))
        elif kind == "emoji":
            emojis.append((token, value))
        else:
            raise ValueError(f"{path.name}: unknown overlay entry kind {kind!r}")
    return Overlay(name, version, tuple(words), tuple(emojis))


@cache
def crypto_overlay_v1() -> Overlay:
    return read_overlay(LEXICON_DIR / "crypto_overlay_v1.tsv", "crypto", "1")


@cache
def _vader_lexicon() -> dict[str, float]:
    text = (LEXICON_DIR / "vader_lexicon.txt").read_text(encoding="utf-8")
    lexicon: dict[str, float] = {}
    for line in text.rstrip("\n").split("\n"):
        if line:
            word, measure = line.strip().split("\t")[0:2]
            lexicon[word] = float(measure)
    return lexicon


@cache
def _vader_emojis() -> dict[str, str]:
    text = (LEXICON_DIR / "emoji_utf8_lexicon.txt").read_text(encoding="utf-8")
    emojis: dict[str, str] = {}
    for line in text.rstrip("\n").split("\n"):
        emoji, description = line.strip().split("\t")[0:2]
        emojis[emoji] = description
    return emojis


def _negated(word_lower: str) -> bool:
    return word_lower in NEGATE or "n't" in word_lower


def _strip_punc_if_word(token: str) -> str:
    stripped = token.strip(_PUNCTUATION)
    return token if len(stripped) <= 2 else stripped


def normalize(score: float, alpha: float = 15) -> float:
    norm_score = score / math.sqrt((score * score) + alpha)
    return -1.0 if norm_score < -1.0 else 1.0 if norm_score > 1.0 else norm_score


class Vader:
    """VADER's ``polarity_scores`` (as a tuple: compound, pos, neu, neg), optionally overlaid."""

    def __init__(self, overlay: Overlay | None = None) -> None:
        self.overlay = overlay
        self.lexicon = dict(_vader_lexicon())
        emojis = dict(_vader_emojis())
        if overlay is not None:
            self.lexicon.update(overlay.words)
            emojis.update(overlay.emojis)
        # The reference walks the text one code point at a time, so only single code point
        # keys can ever match.
        self.emojis = {k: v for k, v in emojis.items() if len(k) == 1}
        # Words that can carry a valence: lexicon words that are not boosters (a booster
        # scores 0 itself even when the lexicon lists it).
        self._scored_words = frozenset(self.lexicon) - frozenset(BOOSTER_DICT)
        # One C-level pass: each emoji becomes a marker plus its description; the marker
        # turns into the space the reference inserts (none after a space or at the start).
        self._emoji_table = {ord(k): _MARK + v for k, v in self.emojis.items()}

    # -- the emoji pass ---------------------------------------------------------------------
    def _replace_emojis(self, text: str) -> str:
        if text.isascii():
            return text.strip()
        if _MARK in text:  # cannot use the marker: the reference's own loop
            return self._replace_emojis_slowly(text)
        out = text.translate(self._emoji_table)
        if _MARK not in out:
            return text.strip()
        out = out.replace(" " + _MARK, " ")
        if out.startswith(_MARK):
            out = out[1:]
        return out.replace(_MARK, " ").strip()

    def _replace_emojis_slowly(self, text: str) -> str:
        parts: list[str] = []
        prev_space = True
        for char in text:
            if char in self.emojis:
                if not prev_space:
                    parts.append(" ")
                parts.append(self.emojis[char])
                prev_space = False
            else:
                parts.append(char)
                prev_space = char == " "
        return "".join(parts).strip()

    # -- scoring ------------------------------------------------------------------------------
    def polarity_scores(self, text: str) -> tuple[float, float, float, float]:
        text = self._replace_emojis(text)
        words = [t if len(c := t.strip(_PUNCTUATION)) <= 2 else c for t in text.split()]
        n = len(words)
        if n == 0:
            return 0.0, 0.0, 0.0, 0.0
        lows = [w.lower() for w in words]
        scored = self._scored_words
        hits = [i for i, low in enumerate(lows) if low in scored]
        if not hits:  # no lexicon word: every sentiment is 0
            return 0.0, 0.0, 1.0, 0.0
        allcaps = sum(1 for w in words if w.isupper())
        is_cap_diff = 0 < n - allcaps < n
        sentiments: list[float] = [0] * n
        for i in hits:
            if lows[i] == "kind" and i < n - 1 and lows[i + 1] == "of":
                continue
            sentiments[i] = self._valence(words, lows, i, n, is_cap_diff)
        if "but" in lows:
            _but_check(sentiments, lows.index("but"))
        return self._score(sentiments, text)

    def _valence(
        self, words: list[str], lows: list[str], i: int, n: int, is_cap_diff: bool
    ) -> float:
        lexicon = self.lexicon
        low = lows[i]
        valence = lexicon[low]
        if low == "no" and i != n - 1 and lows[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lows[i - 1] == "no")
            or (i > 1 and lows[i - 2] == "no")
            or (i > 2 and lows[i - 3] == "no" and lows[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[low] * N_SCALAR
        if is_cap_diff and words[i].isupper():
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(3):
            j = i - (start_i + 1)
            if i > start_i and lows[j] not in lexicon:
                s = 0.0
                if lows[j] in BOOSTER_DICT:
                    s = BOOSTER_DICT[lows[j]]
                    if valence < 0:
                        s *= -1
                    if words[j].isupper() and is_cap_diff:
                        s = s + C_INCR if valence > 0 else s - C_INCR
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lows, start_i, i)
                if start_i == 2 and any(w in _IDIOM_WORDS for w in lows[i - 3 : i + 3]):
                    valence = _special_idioms_check(valence, lows, i)
        # "least" as a negation
        if i > 1 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
            if lows[i - 2] != "at" and lows[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
            valence = valence * N_SCALAR
        return valence

    @staticmethod
    def _score(sentiments: list[float], text: str) -> tuple[float, float, float, float]:
        sum_s = float(sum(sentiments))
        ep_count = min(text.count("!"), 4)
        ep_amplifier = ep_count * 0.292
        qm_count = text.count("?")
        qm_amplifier: float = 0
        if qm_count > 1:
            qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
        punct = ep_amplifier + qm_amplifier
        if sum_s > 0:
            sum_s += punct
        elif sum_s < 0:
            sum_s -= punct
        compound = normalize(sum_s)
        pos_sum = 0.0
        neg_sum = 0.0
        neu_count = 0
        for s in sentiments:
            if s > 0:
                pos_sum += float(s) + 1
            if s < 0:
                neg_sum += float(s) - 1
            if s == 0:
                neu_count += 1
        if pos_sum > math.fabs(neg_sum):
            pos_sum += punct
        elif pos_sum < math.fabs(neg_sum):
            neg_sum -= punct
        total = pos_sum + math.fabs(neg_sum) + neu_count
        return (
            round(compound, 4),
            round(math.fabs(pos_sum / total), 3),
            round(math.fabs(neu_count / total), 3),
            round(math.fabs(neg_sum / total), 3),
        )


def _negation_check(valence: float, lows: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(lows[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lows[i - 2] == "never" and lows[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lows[i - 2] == "without" and lows[i - 1] == "doubt":
            pass
        elif _negated(lows[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (lows[i - 3] == "never" and lows[i - 2] in _SO_THIS) or lows[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lows[i - 3] == "without" and (lows[i - 2] == "doubt" or lows[i - 1] == "doubt"):
            pass
        elif _negated(lows[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lows: list[str], i: int) -> float:
    onezero = f"{lows[i - 1]} {lows[i]}"
    twoonezero = f"{lows[i - 2]} {lows[i - 1]} {lows[i]}"
    twoone = f"{lows[i - 2]} {lows[i - 1]}"
    threetwoone = f"{lows[i - 3]} {lows[i - 2]} {lows[i - 1]}"
    threetwo = f"{lows[i - 3]} {lows[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lows) - 1 > i:
        zeroone = f"{lows[i]} {lows[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lows) - 1 > i + 1:
        zeroonetwo = f"{lows[i]} {lows[i + 1]} {lows[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _but_check(sentiments: list[float], bi: int) -> None:
    """The reference's "but" rule, quirk included, in O(n log n).

    The reference iterates over the values and, for each, changes the *first* position
    holding an equal value (``list.index``): halved before "but", times 1.5 after it.
    """
    positions: dict[float, list[int]] = {}
    for idx, value in enumerate(sentiments):
        positions.setdefault(value, []).append(idx)  # ascending: already a heap
    for p in range(len(sentiments)):
        value = sentiments[p]
        heap = positions[value]
        while sentiments[heap[0]] != value:  # drop positions whose value has changed
            heapq.heappop(heap)
        si = heap[0]
        if si < bi:
            new = value * 0.5
        elif si > bi:
            new = value * 1.5
        else:
            continue
        if new == value:  # zeros stay zeros
            continue
        sentiments[si] = new
        heapq.heappop(heap)
        heapq.heappush(positions.setdefault(new, []), si)
