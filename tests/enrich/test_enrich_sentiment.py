"""Sentiment: equal to vaderSentiment with the overlay off, the overlay's direction, batches."""

from __future__ import annotations

import random
import time

import pyarrow as pa
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cryptopulse.enrich._worker import cache_key
from cryptopulse.enrich.sentiment import BatchScorer, VaderScorer, default_scorer
from cryptopulse.enrich.vader import Vader

HANDWRITTEN = [
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "good good but bad bad good",  # the reference's "but" quirk with repeated values
    "great, great, but great and great",
    "no no no good",
    "no problem at all",
    "never so good",
    "without doubt the best",
    "yeah right, great call",
    "that movie was the shit",
    "kiss of death for this coin",
    "a view to die for",
    "least good",
    "at least good",
    "very least good",
    "sort of nice",
    "I don't love it",
    "I didn't hate it",
    "this is not not good",
    "What??? Really?? Amazing!!!!",
    "why?",
    "HORRIBLE",
    "horrible but AMAZING",
    "🚀🚀🚀",
    "📉😱",
    "love🚀it",
    "😁😁 great 😡",
    "",
    "   ",
    "!!!",
    "RT @happy: love this",
    "check https://t.co/AbCdEf123 now, awful",
    "Feeling bullish on $BTC 🚀 #HODL https://t.co/xyz",
    "Getting rekt on #Solana what a loss, awful",
    "Bitcoin is a scam, pump and dump",
    "kind of terrible",
    "The food here is kind of good and kind of bad",
    "NOT BAD",
    "I am so so happy",
    "it isn't really that bad",
    "Hardly great, barely ok",
    "You are not the bomb",
]


def _reference(analyzer: SentimentIntensityAnalyzer, text: str) -> tuple[float, ...]:
    s = analyzer.polarity_scores(text)
    return (s["compound"], s["pos"], s["neu"], s["neg"])


def _random_corpus(analyzer: SentimentIntensityAnalyzer, n: int) -> list[str]:
    """Random posts mixing lexicon words, negations, boosters, "but", idiom words, capitals,
    punctuation, emojis, links and handles: every rule meets every other."""
    rng = random.Random(20240601)
    lexicon = sorted(analyzer.lexicon)
    emojis = sorted(k for k in analyzer.emojis if len(k) == 1)
    specials = [
        *("but BUT not no never without doubt so this kind of sort least at very nor or",),
        *("really extremely barely kinda isn't don't can't the shit bomb yeah right kiss",),
        *("death to die for bad ass bus stop just enough",),
    ]
    specials = [w for group in specials for w in group.split(" ")]
    fillers = "the coin price market today I we is are was $BTC #ETH https://t.co/Ab1 @trader"
    fillers_list = fillers.split(" ")
    corpus = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(1, 30)):
            pick = rng.random()
            if pick < 0.3:
                word = rng.choice(lexicon)
            elif pick < 0.55:
                word = rng.choice(specials)
            elif pick < 0.65:
                word = rng.choice(emojis) * rng.randint(1, 3)
            else:
                word = rng.choice(fillers_list)
            if rng.random() < 0.15:
                word = word.upper()
            if rng.random() < 0.1:
                word += rng.choice(["!", "?", "!!", "...", ",", "?!", ":)"])
            words.append(word)
        sep = "" if rng.random() < 0.05 else " "
        corpus.append(sep.join(words))
    return corpus


@pytest.fixture(scope="module")
def analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def test_equal_to_vader_on_handwritten_cases(analyzer: SentimentIntensityAnalyzer) -> None:
    ours = Vader()
    for text in HANDWRITTEN:
        assert ours.polarity_scores(text) == _reference(analyzer, text), text


@pytest.mark.slow
def test_equal_to_vader_on_a_large_varied_corpus(analyzer: SentimentIntensityAnalyzer) -> None:
    corpus = _random_corpus(analyzer, 20_000)
    scorer = VaderScorer()
    with BatchScorer(scorer, workers=1) as batch:
        table = batch.score_texts(pa.array(corpus))
    ours = list(
        zip(*(table[c].to_pylist() for c in ("compound", "pos", "neu", "neg")), strict=True)
    )
    different = [t for t, o in zip(corpus, ours, strict=True) if o != _reference(analyzer, t)]
    assert different == []


def test_cache_keys_never_change_a_score(analyzer: SentimentIntensityAnalyzer) -> None:
    """A text and its cache key score the same (links and handles are score-neutral)."""
    ours = Vader()
    lexicon = frozenset(ours.lexicon)
    texts = [*HANDWRITTEN, *_random_corpus(analyzer, 3_000)]
    texts += [
        f"RT @{h}: {t}"
        for h in ("moonhands21", "Good_guy", "LOVE", "no", "bad")
        for t in texts[:50]
    ]
    for text in texts:
        assert ours.polarity_scores(cache_key(text, lexicon)) == ours.polarity_scores(text), text


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("$BTC to the moon", 1),
        ("hodl $ETH", 1),
        ("so bullish on Solana", 1),
        ("new ath for $SOL, wagmi", 1),
        ("$DOGE pumping 🚀🚀", 1),
        ("got rekt on $ETH", -1),
        ("bearish on bitcoin", -1),
        ("this coin is a rug", -1),
        ("ngmi with this bag", -1),
        ("$XRP dump incoming 📉", -1),
        ("fud everywhere", -1),
    ],
)
def test_overlay_moves_crypto_slang_the_right_way(text: str, direction: int) -> None:
    plain = Vader().polarity_scores(text)[0]
    crypto = default_scorer().vader.polarity_scores(text)[0]
    assert (crypto - plain) * direction > 0.1, (plain, crypto)
    assert crypto * direction > 0.05


def test_model_names_and_versions() -> None:
    assert (VaderScorer().model_name, VaderScorer().model_version) == ("vader", "3.3.2")
    scorer = default_scorer()
    assert (scorer.model_name, scorer.model_version) == ("vader_crypto", "3.3.2-crypto1")
    assert scorer.key == "vader_crypto-3.3.2-crypto1"


def test_pathological_input_stays_fast() -> None:
    scorer = default_scorer()
    texts = [
        "🚀" * 10_000,
        "but " * 3_000 + "good " * 3_000,
        "not " * 5_000 + "good",
        "GOOD bad " * 2_000 + "!" * 500,
        "x" * 10_000,
    ]
    start = time.perf_counter()
    for scores in scorer.score(texts):
        assert -1.0 <= scores[0] <= 1.0
    assert time.perf_counter() - start < 2.0


def test_batches_deduplicate_and_run_in_parallel() -> None:
    words = ["great", "awful", "not bad", "🚀", "BUT", "ok!"]
    texts = pa.array(
        [f"{words[i % 6]} day for $C{i % 3000} {words[i % 5]}" for i in range(9_000)] + [None]
    )
    with BatchScorer(default_scorer(), workers=2, parallel_min_texts=1_000) as parallel:
        out = parallel.score_texts(texts)
        # 3,001 distinct texts (with the empty one) but at most 31 distinct keys per worker:
        # "$C17" is inert, only the words around it matter.
        assert parallel.texts_scored <= 2 * 31
        again = parallel.score_texts(texts)  # all from the workers' caches
        assert parallel.texts_scored <= 2 * 31 and parallel.cache_hits >= 3_001
    with BatchScorer(default_scorer(), workers=1) as serial:
        assert serial.score_texts(texts).equals(out)
    assert again.equals(out)
    assert out.num_rows == 9_001 and out["compound"][-1].as_py() == 0.0
