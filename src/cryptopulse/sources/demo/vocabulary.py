"""The demo posts' words: tone phrases, emoji, hashtags and the pieces of author names."""

from __future__ import annotations

import numpy as np

# Tone vocabularies, index 0 = negative, 1 = neutral, 2 = positive. A post uses either a
# lead phrase before the coin mention or a tail phrase after it. The words are ones a
# VADER-style lexicon scores clearly (or, for neutral, not at all).
LEADS: tuple[tuple[str, ...], ...] = (
    (
        "Terrible day for",
        "Panic selling",
        "I hate holding",
        "Scared about",
        "Awful loss on",
        "Getting rekt on",
        "Another crash for",
    ),
    (
        "Price update:",
        "Chart check:",
        "Watching",
        "Anyone holding",
        "Thoughts on",
        "Daily chart check on",
    ),
    (
        "Feeling bullish on",
        "So happy with",
        "I love",
        "Great day for",
        "Amazing gains on",
        "Big win with",
        "Loving the move on",
    ),
)
TAILS: tuple[tuple[str, ...], ...] = (
    (
        "is crashing, terrible",
        "crash incoming, scared",
        "terrible loss today",
        "awful price action",
        "panic everywhere",
        "getting rekt, hate this",
        "what a loss, awful",
    ),
    (
        "what do you think?",
        "price update",
        "chart check",
        "moving sideways today",
        "near a key level, what do you think?",
        "one to watch",
        "volume update",
    ),
    (
        "to the moon",
        "is looking great",
        "is amazing right now",
        "love it",
        "another win today",
        "bullish, great times",
        "happy holder, great run",
    ),
)
EMOJIS: tuple[tuple[str, ...], ...] = (
    ("📉", "😱", "📉📉", "😱🔥"),
    ("👀", "🤔", "📊"),
    ("🚀", "📈", "💎", "🔥", "🚀🚀"),
)
HASHTAGS = ("#crypto", "#HODL", "#altcoins", "#cryptocurrency", "#Web3", "#DYOR", "#trading")
CONNECTORS = ("and", "vs", "also", "+", "and maybe")
LANGUAGES = ("en", "und", "es", "de", "pt")
LANGUAGE_P = (0.94, 0.03, 0.01, 0.01, 0.01)
# Mention forms: cashtag ($BTC), plain name (Bitcoin), hashtag (#Bitcoin).
MENTION_FORM_P = (0.5, 0.3, 0.2)

ADJECTIVES = (
    "moon", "diamond", "crypto", "degen", "based", "alpha", "satoshi", "bull", "bear", "chain",
    "block", "hodl", "lambo", "whale", "pixel", "quiet", "lucky", "brave", "cosmic", "silent",
    "rapid", "golden", "stable", "on", "defi", "meta", "super", "little", "happy", "grumpy",
    "night", "early", "late", "real", "true", "wild", "calm", "cyber", "retro", "neon",
)  # fmt: skip
NOUNS = (
    "hands", "trader", "whale", "ape", "wizard", "maxi", "anon", "fox", "owl", "shark",
    "miner", "node", "wallet", "ledger", "chad", "frog", "cat", "dog", "bird", "wolf",
    "lion", "tiger", "panda", "otter", "koala", "rider", "pilot", "sailor", "farmer", "hunter",
    "coder", "dev", "dad", "mom", "guy", "gal", "kid", "boss", "king", "queen",
    "degen", "bull", "bear", "monk", "ninja", "knight", "sage", "scout", "ranger", "nomad",
)  # fmt: skip
SUFFIXES = (
    "", "_", "21", "_eth", "x", "420", "69", "_btc", "99", "_01", "777", "2024", "_sol",
    "88", "_nft", "007", "_og", "123", "_xyz", "_fi", "3000", "42", "_dao", "_", "1",
)  # fmt: skip
BASE62 = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8
)
