"""Faults in the files `import-posts` reads, and a kill in the middle of one.

Each test runs the command as a user would (in process through Typer's runner, or the real
command line where a process is killed or its memory watched), checks that a bad record costs
only itself (rows in = landed + quarantined, each quarantined row with its reason), that the
user sees one clear line naming the file and the line or row and never a traceback, and
records what it saw with ``fault_record``.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from conftest import CLI, cli_env, run_cli
from cryptopulse.cli import app
from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake, layout

AREA = "import-posts"
Record = Callable[..., None]


def tweet(tid: int, text: str = "gm $BTC") -> str:
    return json.dumps(
        {
            "_type": "snscrape.modules.twitter.Tweet",
            "id": tid,
            "date": "2023-01-01T10:00:00+00:00",
            "rawContent": f"{text} #{tid}",
            "user": {"username": f"user{tid % 13}"},
            "likeCount": tid % 5,
        }
    )


def csv_rows(first: int, count: int) -> list[str]:
    return [
        f"{i},2024-01-01T{i % 24:02d}:00:00Z,hello {i} $BTC" for i in range(first, first + count)
    ]


def run(cli: CliRunner, *args: str) -> Result:
    done = cli.invoke(app, ["import-posts", *args])
    # handled (a clean exit, whatever the status): an exception here is a traceback
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    assert "Traceback" not in done.output
    assert "\x00" not in done.output
    return done


def line_with(output: str, words: str) -> str:
    """The output's line holding ``words`` (what the user saw, for the reliability table)."""
    flat = " ".join(output.split())
    found = [line.strip() for line in output.splitlines() if words in line]
    assert found or words in flat, output
    return found[0] if found else words


def counts(output: str) -> dict[str, int]:
    """rows read / landed / quarantined from the summary table."""
    out: dict[str, int] = {}
    for line in output.splitlines():
        words = line.split()
        for key, size in (("rows read", 2), ("landed", 1), ("quarantined", 1)):
            if " ".join(words[:size]) == key and len(words) > size:
                out[key] = int(words[size].replace(",", ""))
    return out


def quarantine(settings: Settings) -> list[dict[str, Any]]:
    lake = Lake(settings.lake_url)
    rows: list[dict[str, Any]] = []
    for rel in lake.glob(layout.dataset_glob(layout.QUARANTINE, "posts", "*")):
        rows.extend(lake.read_parquet(rel).to_pylist())
    return rows


def landed_ids(settings: Settings) -> list[str]:
    lake = Lake(settings.lake_url)
    ids: list[str] = []
    for rel in lake.glob(layout.dataset_glob(layout.RAW, "posts", "*")):
        ids.extend(lake.read_parquet(rel).column("post_id").to_pylist())
    return ids


def assert_adds_up(output: str) -> dict[str, int]:
    seen = counts(output)
    assert seen["rows read"] == seen["landed"] + seen["quarantined"], output
    return seen


# ---- one bad record ----------------------------------------------------------------------
def test_a_line_nested_10000_deep_costs_only_itself(
    cli: CliRunner, settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    path = tmp_path / "tweets.jsonl"
    path.write_text("\n".join([tweet(1), deep, '{"a":' * 10_000 + "1" + "}" * 10_000, tweet(2)]))
    done = run(cli, str(path))
    assert done.exit_code == 0, done.output
    assert assert_adds_up(done.output) == {"rows read": 4, "landed": 2, "quarantined": 2}
    assert sorted(landed_ids(settings)) == ["1", "2"]  # the valid line after it landed
    reasons = sorted(q["reason"] for q in quarantine(settings))
    assert reasons == [
        f"nested too deep: line {n}: over 64 levels of arrays and objects" for n in (2, 3)
    ]
    fault_record(
        area=AREA,
        fault="an snscrape line nested 10,000 deep (and one object 10,000 deep)",
        user_sees=line_with(done.output, "quarantined"),
        rerun="not needed: the valid lines before and after landed; each deep line "
        "quarantined as 'nested too deep: line N'",
    )


def test_an_oversize_csv_row_costs_only_itself(
    cli: CliRunner,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault_record: Record,
) -> None:
    # The bound is a setting: 64 KiB here keeps the test fast; the slow test below runs
    # the 50 MB row under the default.
    monkeypatch.setenv("CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES", str(64 * 1024))
    big = '99999,2024-01-01T00:00:00Z,"' + "to the moon, " * 40_000 + '"'
    path = tmp_path / "posts.csv"
    lines = ["id,created_at,text", *csv_rows(0, 1000), big, *csv_rows(1000, 1000)]
    path.write_text("\n".join(lines) + "\n")
    done = run(cli, str(path))
    assert done.exit_code == 0, done.output
    assert assert_adds_up(done.output) == {"rows read": 2001, "landed": 2000, "quarantined": 1}
    (bad,) = quarantine(settings)
    assert bad["reason"] == (
        "row too long: row 1002: over 64 KiB (CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES)"
    )
    assert bad["raw"].startswith("99999,2024-01-01T00:00:00Z,")
    fault_record(
        area=AREA,
        fault="a CSV row over the record bound (CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES=64 KiB) "
        "between 2,000 good rows",
        user_sees=line_with(done.output, "quarantined"),
        rerun="not needed: the 2,000 good rows landed, the big row quarantined as "
        "'row too long: row 1002'",
    )


def peak_rss(args: list[str], settings: Settings, cwd: Path) -> tuple[str, int]:
    """Run the real command; its output and its peak resident memory in bytes."""
    proc = psutil.Popen(
        [CLI, *args],
        env=cli_env(settings),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    out, _ = proc.communicate(timeout=600)
    return out, peak


@pytest.mark.slow
def test_a_50_mb_csv_row_among_2000_lands_the_rest_in_bounded_memory(
    settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    small = tmp_path / "small.csv"
    small.write_text("id,created_at,text\n" + "\n".join(csv_rows(0, 2000)) + "\n")
    _, baseline = peak_rss(["import-posts", str(small)], settings, tmp_path)

    path = tmp_path / "posts.csv"
    with path.open("w") as out:
        out.write("id,created_at,text\n" + "\n".join(csv_rows(0, 1000)) + "\n")
        out.write('99999,2024-01-01T00:00:00Z,"')
        for _ in range(50):
            out.write("x" * 1_000_000)
        out.write('"\n' + "\n".join(csv_rows(1000, 1000)) + "\n")
    output, peak = peak_rss(["import-posts", str(path)], settings, tmp_path)
    assert "Traceback" not in output and "straddl" not in output
    assert assert_adds_up(output) == {"rows read": 2001, "landed": 2000, "quarantined": 1}
    reasons = [q["reason"] for q in quarantine(settings)]
    assert reasons == ["row too long: row 1002: over 16 MiB (CRYPTOPULSE_IMPORT_MAX_RECORD_BYTES)"]
    # the 50 MB row is skipped, not held: memory grows by less than the row
    assert peak - baseline < 50_000_000, (peak, baseline)
    fault_record(
        area=AREA,
        fault="a CSV with one 50 MB row between 2,000 good rows (default 16 MiB bound)",
        user_sees=line_with(output, "quarantined"),
        rerun=f"not needed: 2,000 rows landed, the row quarantined; peak memory "
        f"{(peak - baseline) / 1e6:+.0f} MB over a 2,000-row import",
    )


def test_values_of_the_wrong_type_cost_only_their_record(
    cli: CliRunner, settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    odd: list[dict[str, Any]] = [
        {"likeCount": 10**30},  # beyond any integer column
        {"likeCount": [1, 2]},
        {"retweetCount": {"n": 1}},
        {"lang": ["en"]},  # a list where text is expected: kept as its JSON text
    ]
    lines = [tweet(1)] + [json.dumps({**json.loads(tweet(10 + i)), **v}) for i, v in enumerate(odd)]
    path = tmp_path / "tweets.jsonl"
    path.write_text("\n".join(lines) + "\n")
    done = run(cli, str(path))
    assert done.exit_code == 0, done.output
    assert assert_adds_up(done.output) == {"rows read": 5, "landed": 2, "quarantined": 3}
    reasons = sorted(q["reason"].split(":")[0] for q in quarantine(settings))
    assert reasons == ["unparseable likes", "unparseable likes", "unparseable reposts"]

    table = pa.table(
        {
            "id": ["a", "b"],
            "created_at": ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"],
            "text": pa.array([["gm", "$BTC"], ["ok"]], pa.list_(pa.string())),
            "likes": pa.array([{"x": 1}, None], pa.struct([("x", pa.int64())])),
        }
    )
    parquet = tmp_path / "posts.parquet"
    pq.write_table(table, parquet)
    again = run(cli, str(parquet))
    assert again.exit_code == 0, again.output
    assert assert_adds_up(again.output) == {"rows read": 2, "landed": 1, "quarantined": 1}
    fault_record(
        area=AREA,
        fault="values of the wrong type: a like count of 10^30, arrays and objects as counts, "
        "a Parquet text column of lists and a count column of structs",
        user_sees=line_with(done.output, "quarantined"),
        rerun="not needed: each such record quarantined with its reason (unparseable likes), "
        "the rest landed; a list of texts lands as its JSON text",
    )


def test_a_truncated_gzip_file_stops_clearly_and_the_whole_file_then_lands_once(
    cli: CliRunner, settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    whole = gzip.compress(("\n".join(tweet(i, "x" * 300) for i in range(3_000)) + "\n").encode())
    path = tmp_path / "tweets.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 6 // 10])
    done = run(cli, str(path), "--chunk-rows", "200")
    assert done.exit_code == 1
    said = " ".join(done.output.split())
    assert f"error: cannot read {path} past byte" in said
    assert "Truncated compressed stream (the chunks before that point are landed" in said
    assert Lake(settings.lake_url).read_json(layout.LAST_RUN)["status"] == "failed"

    path.write_bytes(whole)  # the file downloaded again, whole
    again = run(cli, str(path), "--chunk-rows", "200")
    assert again.exit_code == 0, again.output
    ids = landed_ids(settings)
    assert len(ids) == 3_000 and len(set(ids)) == 3_000
    fault_record(
        area=AREA,
        fault="a gzip file truncated at 60 % (a download cut short)",
        user_sees=said[said.index("error:") :],
        rerun="with the whole file: each of the 3,000 posts landed once (the chunks the "
        "truncated import landed were rewritten under the same names)",
    )


def test_a_truncated_parquet_file_is_refused_clearly(
    cli: CliRunner, settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    out = pa.BufferOutputStream()
    pq.write_table(pa.table({"id": ["1"], "created_at": ["2024-01-01"], "text": ["gm"]}), out)
    data = out.getvalue().to_pybytes()
    path = tmp_path / "posts.parquet"
    path.write_bytes(data[: len(data) // 2])
    done = run(cli, str(path))
    assert done.exit_code == 1
    said = " ".join(done.output.split())
    assert f"error: {path} is named .parquet but is not a Parquet file" in said or (
        f"error: cannot read {path} as Parquet" in said
    )
    assert not Path(settings.lake_url, "raw").exists()
    fault_record(
        area=AREA,
        fault="a Parquet file truncated to half",
        user_sees=said[said.index("error:") :],
        rerun="refused before reading: nothing written",
    )


def test_a_parquet_file_corrupt_in_one_row_group_costs_that_group_only(
    cli: CliRunner, settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    n = 300
    path = tmp_path / "posts.parquet"
    table = pa.table(
        {
            "id": [str(i) for i in range(n)],
            "created_at": ["2024-01-01T00:00:00Z"] * n,
            "text": [f"gm {i}" for i in range(n)],
        }
    )
    pq.write_table(table, path, row_group_size=100)
    text = pq.ParquetFile(path).metadata.row_group(1).column(2)  # the middle group's texts
    start = text.dictionary_page_offset or text.data_page_offset
    data = bytearray(path.read_bytes())
    data[start : start + text.total_compressed_size] = b"\xff" * text.total_compressed_size
    path.write_bytes(bytes(data))

    done = run(cli, str(path))
    assert done.exit_code == 0, done.output
    assert assert_adds_up(done.output) == {"rows read": 300, "landed": 200, "quarantined": 100}
    assert sorted(int(i) for i in landed_ids(settings)) == [*range(100), *range(200, 300)]
    reasons = {
        q["reason"].split(": ")[0] + ": " + q["reason"].split(": ")[1] for q in quarantine(settings)
    }
    assert reasons == {"unreadable Parquet: rows 101-200 (row group 2)"}
    fault_record(
        area=AREA,
        fault="a Parquet file whose middle row group's text column is overwritten",
        user_sees=line_with(done.output, "quarantined"),
        rerun="not needed: the other row groups' 200 rows landed, the 100 rows of the "
        "damaged group quarantined as 'unreadable Parquet: rows 101-200 (row group 2)'",
    )


# ---- encodings ---------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_csv_in_utf16_or_with_a_bom_is_decoded(
    cli: CliRunner, settings: Settings, tmp_path: Path, encoding: str, fault_record: Record
) -> None:
    text = 'id,created_at,text\n1,2024-01-01T10:00:00Z,"naïve 🚀, $BTC"\n2,2024-01-02,ok\n'
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # Python writes no mark for an explicit byte order
    path = tmp_path / "posts.csv"
    path.write_bytes(data)
    done = run(cli, str(path))
    assert done.exit_code == 0, done.output
    assert assert_adds_up(done.output) == {"rows read": 2, "landed": 2, "quarantined": 0}
    lake = Lake(settings.lake_url)
    (rel, _) = sorted(lake.glob(layout.dataset_glob(layout.RAW, "posts", "import")))
    texts = lake.read_parquet(rel).column("text").to_pylist()
    assert texts == ["naïve 🚀, $BTC"]
    fault_record(
        area=AREA,
        fault=f"a CSV in {encoding} (with its byte-order mark)",
        user_sees=line_with(done.output, "landed"),
        rerun="not needed: decoded, every row landed with its text intact",
    )


def test_snscrape_lines_in_utf16_are_decoded(
    cli: CliRunner, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(("\n".join([tweet(1, "naïve 🚀"), tweet(2)]) + "\n").encode("utf-16"))
    done = run(cli, str(path))
    assert done.exit_code == 0, done.output
    assert sorted(landed_ids(settings)) == ["1", "2"]


def test_utf16_without_a_mark_is_refused_in_printable_text(
    cli: CliRunner, tmp_path: Path, fault_record: Record
) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes("id,created_at,text\n1,2024-01-01,hi\n".encode("utf-16-le"))
    for args in ([str(path)], [str(path), "--format", "csv"]):
        done = run(cli, *args)
        assert done.exit_code == 1
        message = line_with(done.output, "error:")
        assert "looks like UTF-16 text without a byte-order mark" in " ".join(done.output.split())
        assert "posts.csv" in message and "i\\x00d\\x00" in done.output
        assert all(c.isprintable() or c in "\n" for c in done.output)
    fault_record(
        area=AREA,
        fault="a CSV in UTF-16 without a byte-order mark",
        user_sees=" ".join(done.output.split()),
        rerun="refused before reading: nothing written; the message says to save it as UTF-8",
    )


def test_a_binary_file_as_csv_is_refused_in_printable_text(
    cli: CliRunner, settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    done = run(cli, "/usr/bin/ls", "--format", "csv")
    assert done.exit_code == 1
    said = " ".join(done.output.split())
    assert "error: /usr/bin/ls is binary, not CSV text (its first bytes: \\x7fELF" in said
    assert all(c.isprintable() or c == "\n" for c in done.output), repr(done.output)
    assert not Path(settings.lake_url, "raw").exists()
    fault_record(
        area=AREA,
        fault="a binary file (/usr/bin/ls) imported with --format csv",
        user_sees=" ".join(done.output.split()),
        rerun="refused before reading: nothing written",
    )


# ---- nothing landed ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["empty", "binary", "all bad"])
def test_nothing_landed_is_said_plainly_with_why_and_fails(
    cli: CliRunner, settings: Settings, tmp_path: Path, kind: str, fault_record: Record
) -> None:
    if kind == "binary":
        path = Path("/usr/bin/ls")
    else:
        path = tmp_path / "tweets.jsonl"
        path.write_text("" if kind == "empty" else 'not json\n[1, 2]\n{"id": 1,\n')
    done = run(cli, str(path), "--format", "snscrape", "--name", "t")
    assert done.exit_code == 1, done.output
    assert "✔" not in done.output and "Next:" not in done.output
    said = line_with(done.output, "Nothing landed")
    flat = " ".join(done.output.split())
    if kind == "empty":
        assert f"Nothing landed: {path} holds no records (it is empty or blank)" in flat
    else:
        seen = assert_adds_up(done.output)
        assert seen["landed"] == 0 and seen["quarantined"] > 0
        assert (
            f"Nothing landed: all {seen['quarantined']:,} lines of {path} were quarantined ("
            in flat
        )
        assert "× invalid JSON" in flat and "quarantine/x/" in flat
    run_record = Lake(settings.lake_url).read_json(layout.LAST_RUN)
    assert run_record["status"] == "failed"
    assert run_record["error"].startswith("nothing landed: ")
    fault_record(
        area=AREA,
        fault={
            "empty": "an empty file imported as snscrape",
            "binary": "a binary file (/usr/bin/ls) imported as snscrape",
            "all bad": "an snscrape file whose every line is unreadable",
        }[kind],
        user_sees=said,
        rerun="exit status 1, run recorded as failed with the same reason; no tick, no next step",
    )


# ---- a kill in the middle ----------------------------------------------------------------
def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if ".tmp-" in p.name]


@pytest.mark.slow
def test_sigkill_during_import_then_rerun_lands_each_post_once(
    settings: Settings, tmp_path: Path, fault_record: Record
) -> None:
    posts = 30_000
    path = tmp_path / "tweets.jsonl"
    path.write_text("\n".join(tweet(i) for i in range(posts)) + "\n")
    lake_root = Path(settings.lake_url)
    args = [CLI, "import-posts", str(path), "--chunk-rows", "500"]
    proc = subprocess.Popen(
        args,
        env=cli_env(settings),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # kill it while it writes: when a temporary file shows, or a few chunks have landed
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        raw = lake_root / "raw"
        if temp_files(lake_root) or (raw.exists() and len(list(raw.rglob("*.parquet"))) >= 5):
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the import ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = temp_files(lake_root)

    done = run_cli(["import-posts", str(path), "--chunk-rows", "500"], settings, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    ids = landed_ids(settings)
    assert len(ids) == posts and len(set(ids)) == posts  # each post exactly once
    assert temp_files(lake_root) == []
    fault_record(
        area=AREA,
        fault="SIGKILL during import-posts (30,000 tweets, 500 a chunk), then the same "
        "command again",
        user_sees="(killed: no output); the rerun: " + line_with(done.stdout, "landed"),
        rerun=f"each of the 30,000 posts landed exactly once; {len(left)} temporary "
        "file(s) left by the kill removed, none left",
    )
