"""Post sentiment: a scorer interface, the default VADER-compatible scorer, batch scoring.

A scorer maps texts to (compound, pos, neu, neg) and has a model name and version, which
every score row carries. ``VaderScorer()`` is VADER 3.3.2 exactly (model ``vader``);
``VaderScorer(crypto_overlay_v1())`` adds the crypto lexicon overlay (model
``vader_crypto``), the default model.

``BatchScorer.score_texts`` scores an Arrow array of texts: texts longer than
``MAX_SCORED_CHARS`` are cut, identical texts are scored once, the distinct texts are split
into one chunk per core for a process pool, and each process keeps a cache keyed on the text
with its score-neutral words replaced by placeholders (exact: see ``_worker``), so texts that
differ only in coin names, links, handles or numbers are scored once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cryptopulse.enrich._worker import MAX_SCORED_CHARS, score_chunk
from cryptopulse.enrich.vader import VADER_VERSION, Overlay, Vader, crypto_overlay_v1

Scores = tuple[float, float, float, float]  # compound, pos, neu, neg

# Longer texts are scored on their first MAX_SCORED_CHARS (5,000) characters (a post is at
# most 10,000; tweets are 280). The scorer is linear in length: this bounds a post's cost.
# Below this many distinct texts a batch is scored in-process: with the cache, a day of posts
# scores faster in one process than split over two (measured, benchmarks/).
PARALLEL_MIN_TEXTS = 20_000
CHUNK_TEXTS = 10_000  # at most, per message to a worker

SCORE_COLUMNS = ("compound", "pos", "neu", "neg")


class SentimentScorer(Protocol):
    """Anything that scores texts; results are keyed by ``model_name`` and ``model_version``."""

    @property
    def model_name(self) -> str: ...

    @property
    def model_version(self) -> str: ...

    def score(self, texts: Sequence[str]) -> list[Scores]: ...


class VaderScorer:
    """VADER 3.3.2, exactly, optionally with a lexicon overlay."""

    def __init__(self, overlay: Overlay | None = None) -> None:
        self.overlay = overlay
        self.vader = Vader(overlay)

    @property
    def model_name(self) -> str:
        return "vader" if self.overlay is None else f"vader_{self.overlay.name}"

    @property
    def model_version(self) -> str:
        if self.overlay is None:
            return VADER_VERSION
        return f"{VADER_VERSION}-{self.overlay.name}{self.overlay.version}"

    @property
    def key(self) -> str:
        """``<model>-<version>``: the lake folder of this model's scores."""
        return f"{self.model_name}-{self.model_version}"

    def score(self, texts: Sequence[str]) -> list[Scores]:
        polarity = self.vader.polarity_scores
        return [polarity(t[:MAX_SCORED_CHARS]) for t in texts]


def default_scorer() -> VaderScorer:
    """The model whose scores ``fct_posts`` carries: VADER plus the crypto overlay."""
    return VaderScorer(crypto_overlay_v1())


# ---- batch scoring ---------------------------------------------------------------------------
class BatchScorer:
    """Scores Arrow batches of texts with a ``VaderScorer``: deduplicated, cached, parallel.

    Use it as a context manager: the process pool (spawned on the first large batch) is
    kept for later batches and shut down at the end.
    """

    def __init__(
        self,
        scorer: VaderScorer,
        workers: int | None = None,
        parallel_min_texts: int = PARALLEL_MIN_TEXTS,
    ) -> None:
        self.scorer = scorer
        self.parallel_min_texts = parallel_min_texts
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.texts_scored = 0  # cache keys actually run through the scorer
        self.cache_hits = 0  # distinct texts answered from a cache
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> BatchScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def score_texts(self, texts: pa.Array | pa.ChunkedArray) -> pa.Table:
        """Scores for ``texts`` (nulls score as empty text), one row per text, in order."""
        encoded = pc.dictionary_encode(pc.fill_null(texts, ""))
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        distinct: list[str] = encoded.dictionary.to_pylist()
        scores, computed = self._score_many(distinct)
        self.texts_scored += computed
        self.cache_hits += len(distinct) - computed
        values = np.array(scores, dtype=np.float64).reshape(-1, 4)
        rows = values[indices]
        return pa.table({name: rows[:, j] for j, name in enumerate(SCORE_COLUMNS)})

    def _score_many(self, texts: list[str]) -> tuple[list[Scores], int]:
        overlay = self.scorer.overlay
        if self.workers <= 1 or len(texts) < self.parallel_min_texts:
            return score_chunk(overlay, texts)
        size = min(CHUNK_TEXTS, -(-len(texts) // self.workers))
        chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
        if self._pool is None:
            # fork where there is one: a spawned worker would re-import the caller's main
            # module (the CLI, Airflow) first. Workers only score lists of str in pure Python.
            method = "fork" if "fork" in get_all_start_methods() else "spawn"
            self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context(method))
        scores: list[Scores] = []
        computed = 0
        for part, count in self._pool.map(score_chunk, [overlay] * len(chunks), chunks):
            scores.extend(part)
            computed += count
        return scores, computed
