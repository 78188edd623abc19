"""Importing a 1.5M-tweet snscrape JSON lines file: throughput and peak memory.

Generates (once, then reused from the cache folder) a realistic snscrape ``--jsonl`` file:
1.5M tweet objects over a year, newest first as snscrape writes them, each with its nested
user object; about 8% retweets carrying the retweeted tweet, 5% quotes carrying the quoted
tweet, emoji and line breaks in the text, a few duplicated tweets and a few broken lines.
Then runs ``cryptopulse import-posts`` on it in a fresh lake, in a subprocess, and prints
rows/s, wall time and the peak RSS of that process (target: ≤ 1 GB).

    .venv/bin/python benchmarks/import_snscrape.py [--rows N] [--gzip] [--cache DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import bench_env, run_measured

WORDS = [
    *("bitcoin", "btc", "eth", "ethereum", "solana", "sol", "doge", "moon", "bullish"),
    *("bearish", "hodl", "pump", "dump", "whales", "market", "price", "chart", "breakout"),
    *("support", "resistance", "rally", "crash", "dip", "buy", "sell", "long", "short"),
    *("altseason", "defi", "nft", "staking", "layer2", "etf", "halving", "fomo", "fud"),
    *("wagmi", "gm", "lfg", "ngmi", "rekt"),
]
EMOJI = ["🚀", "🌕", "📈", "📉", "🔥", "💎🙌", "🐂", "🐻", "😂", "🤔"]
CASHTAGS = ["BTC", "ETH", "SOL", "DOGE", "XRP", "ADA", "BNB", "LINK"]
HASHTAGS = ["Bitcoin", "crypto", "Ethereum", "BTC", "altcoins", "DeFi", "NFT", "Web3"]
START = datetime(2024, 1, 1, tzinfo=UTC)
CLIENTS = ["Twitter for iPhone", "Twitter for Android", "Twitter Web App", "TweetDeck"]


def user(rng: random.Random, uid: int) -> dict[str, object]:
    name = f"user{uid}"
    return {
        "_type": "snscrape.modules.twitter.User",
        "username": name,
        "id": 10_000_000 + uid,
        "displayname": f"{rng.choice(WORDS).title()} {rng.choice(EMOJI)}",
        "rawDescription": " ".join(rng.choices(WORDS, k=rng.randint(4, 20))),
        "renderedDescription": " ".join(rng.choices(WORDS, k=rng.randint(4, 20))),
        "descriptionLinks": None,
        "verified": rng.random() < 0.02,
        "created": (START - timedelta(days=rng.randint(30, 4000))).isoformat(),
        "followersCount": rng.randint(0, 200_000),
        "friendsCount": rng.randint(0, 5_000),
        "statusesCount": rng.randint(1, 100_000),
        "favouritesCount": rng.randint(0, 50_000),
        "listedCount": rng.randint(0, 500),
        "mediaCount": rng.randint(0, 2_000),
        "location": rng.choice(["", "Earth", "NYC", "London", "Metaverse 🌐"]),
        "protected": False,
        "link": None,
        "profileImageUrl": f"https://pbs.twimg.com/profile_images/{uid}/photo_normal.jpg",
        "profileBannerUrl": f"https://pbs.twimg.com/profile_banners/{10_000_000 + uid}/1",
        "label": None,
        "url": f"https://twitter.com/{name}",
    }


def tweet(rng: random.Random, tid: int, when: datetime, nested: bool = True) -> dict[str, object]:
    author = user(rng, rng.randint(1, 300_000))
    tags = rng.sample(HASHTAGS, rng.randint(0, 2))
    cash = rng.sample(CASHTAGS, rng.randint(0, 2))
    text = " ".join(rng.choices(WORDS, k=rng.randint(6, 40)))
    text += " " + " ".join(f"${c}" for c in cash) + " " + " ".join(f"#{t}" for t in tags)
    if rng.random() < 0.3:
        text += " " + rng.choice(EMOJI)
    if rng.random() < 0.1:
        text += "\n\n" + " ".join(rng.choices(WORDS, k=8))
    retweeted = quoted = None
    if nested and rng.random() < 0.08:
        retweeted = tweet(rng, tid - rng.randint(1_000, 10**9), when - timedelta(hours=3), False)
        original = retweeted["user"]["username"]  # type: ignore[index]
        text = f"RT @{original}: {retweeted['rawContent']}"[:140]
    elif nested and rng.random() < 0.05:
        quoted = tweet(rng, tid - rng.randint(1_000, 10**9), when - timedelta(hours=5), False)
    client = rng.choice(CLIENTS)
    return {
        "_type": "snscrape.modules.twitter.Tweet",
        "url": f"https://twitter.com/{author['username']}/status/{tid}",
        "date": when.isoformat(),
        "rawContent": text,
        "renderedContent": text,
        "id": tid,
        "user": author,
        "replyCount": rng.randint(0, 50),
        "retweetCount": rng.randint(0, 200),
        "likeCount": rng.randint(0, 2_000),
        "quoteCount": rng.randint(0, 20),
        "conversationId": tid,
        "lang": rng.choice(["en", "en", "en", "es", "tr", "ja", "und"]),
        "source": f'<a href="https://mobile.twitter.com" rel="nofollow">{client}</a>',
        "sourceUrl": "https://mobile.twitter.com",
        "sourceLabel": client,
        "links": None,
        "media": None,
        "retweetedTweet": retweeted,
        "quotedTweet": quoted,
        "inReplyToTweetId": None,
        "inReplyToUser": None,
        "mentionedUsers": None,
        "coordinates": None,
        "place": None,
        "hashtags": tags or None,
        "cashtags": cash or None,
        "card": None,
        "viewCount": rng.randint(0, 100_000),
        "vibe": None,
    }


def generate(path: Path, rows: int, compress: bool) -> None:
    """Write ``rows`` tweet lines (newest first) to ``path`` through a temporary file."""
    rng = random.Random(20240101)
    step = timedelta(days=366) / rows
    tmp = path.with_name(path.name + ".part")
    with (
        gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6)
        if compress
        else open(tmp, "w", encoding="utf-8")
    ) as out:
        previous = ""
        for i in range(rows):
            when = START + timedelta(days=366) - step * (i + 1)
            when = when.replace(microsecond=0)
            if i % 10_000 == 5_000:
                line = '{"_type": "snscrape.modules.twitter.Tweet", "id": 1, "date": '  # cut
            elif i % 5_000 == 77 and previous:
                line = previous  # the same tweet scraped twice (overlapping queries)
            else:
                line = json.dumps(
                    tweet(rng, 1_740_000_000_000_000_000 - i * 1_000, when), ensure_ascii=False
                )
            out.write(line + "\n")
            previous = line
            if (i + 1) % 250_000 == 0:
                print(f"  generated {i + 1:,} lines", flush=True)
    tmp.rename(path)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return (
        f"{platform.machine()} {model or platform.processor()}, {os.cpu_count()} cores"
        f"{memory}, Python {platform.python_version()}, {platform.system()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_500_000, help="tweets in the file")
    parser.add_argument("--gzip", action="store_true", help="write and import a .jsonl.gz")
    parser.add_argument(
        "--cache",
        default=str(Path(tempfile.gettempdir()) / "cryptopulse-bench"),
        help="where the generated file is kept between runs",
    )
    parser.add_argument("--keep", help="work (lake) in this folder and keep it")
    args = parser.parse_args()

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    source = cache / f"snscrape-{args.rows}-v1.jsonl{'.gz' if args.gzip else ''}"
    if not source.exists():
        print(f"Generating {source} ({args.rows:,} tweets, once)…", flush=True)
        generate(source, args.rows, args.gzip)
    size_mb = source.stat().st_size / 1e6

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cp-import-"))
    work.mkdir(parents=True, exist_ok=True)
    env = bench_env(work)
    try:
        wall, rss, _ = run_measured(["import-posts", str(source)], env)
        record = json.loads((work / "lake" / "state" / "last_run.json").read_text())["import"]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\ncryptopulse import-posts benchmark · {machine()}")
    print(f"file     {source.name}: {size_mb:,.0f} MB, {args.rows:,} lines")
    print(
        f"rows     read {record['rows_read']:,} · landed {record['rows_landed']:,} · "
        f"quarantined {record['rows_quarantined']:,} ({record['reasons']})"
    )
    print(
        f"lake     {record['files_written']:,} files in {record['chunks']} chunks · "
        f"{record['days']} days"
    )
    rate = f"{record['rows_read'] / wall:,.0f} rows/s, {size_mb / wall:.0f} MB/s"
    print(f"wall     {wall:.1f} s  ({rate})")
    print(f"peak RSS {rss:,.0f} MB  (target ≤ 1,000 MB: {'met' if rss <= 1000 else 'MISSED'})")
    if record["rows_read"] != record["rows_landed"] + record["rows_quarantined"]:
        raise SystemExit("rows read != landed + quarantined")


if __name__ == "__main__":
    main()
