"""S3 faults on a real S3-compatible server (moto), injected by a proxy in between
(tests/faults/s3_proxy.py): 500s, slow answers and connections dropped half-way through
multipart part uploads and listings.

The invariants: a fault the client can retry safely is retried and the run equals an
uninterrupted one; a fault that outlasts the retries ends the run with one line naming the
object and the operation, leaves no half-written object (nor a pending multipart upload),
and the rerun equals an uninterrupted run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest

from cryptopulse.core.settings import Settings
from cryptopulse.lake import Lake
from faults.cli_runs import DAYS, fingerprint, marts_fingerprint, one_error_line, run
from faults.s3_proxy import FaultProxy, Rule, fault_proxy

pytestmark = pytest.mark.slow

PART_UPLOAD = r"partNumber="
LISTING = r"list-type=2"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], ...]:
    """The warehouse's and the marts' fingerprints after one clean run of DAYS."""
    work = tmp_path_factory.mktemp("uninterrupted")
    settings = Settings(lake_url=str(work / "lake"), warehouse_url=str(work / "wh.duckdb"))
    code, out, err = run(["run", *DAYS], settings, work)
    assert code == 0, out + err
    return fingerprint(settings.warehouse_path), marts_fingerprint(Lake(settings.lake_url))


@pytest.fixture
def proxy(s3_endpoint: str) -> Iterator[FaultProxy]:
    with fault_proxy(s3_endpoint) as injecting:
        yield injecting


def _settings(tmp_path: Path, bucket: str, endpoint: str) -> Settings:
    return Settings(
        lake_url=f"s3://{bucket}/lake",
        warehouse_url=str(tmp_path / "wh.duckdb"),
        s3_endpoint_url=endpoint,
    )


def _assert_no_half_written_objects(s3_endpoint: str, bucket: str) -> None:
    """Every Parquet object in the bucket is whole, and no multipart upload is pending."""
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    assert not client.list_multipart_uploads(Bucket=bucket).get("Uploads")
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    for item in listed:
        body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        if item["Key"].endswith(".parquet"):
            assert body[:4] == b"PAR1" and body[-4:] == b"PAR1", item["Key"]


def _assert_as_uninterrupted(
    settings: Settings, s3_endpoint: str, uninterrupted: tuple[dict[str, str], ...]
) -> None:
    """No half-written object, and the warehouse and marts of an uninterrupted run."""
    _assert_no_half_written_objects(s3_endpoint, settings.lake_url.split("/")[2])
    assert fingerprint(settings.warehouse_path) == uninterrupted[0]
    assert marts_fingerprint(Lake(settings.lake_url, s3_endpoint)) == uninterrupted[1]


RETRIED = {
    "a 500 on two part uploads": [Rule("500", "PUT", PART_UPLOAD, nth=3, times=2)],
    "a connection dropped half-way through a part upload": [
        Rule("drop-request", "PUT", PART_UPLOAD, nth=5, times=1)
    ],
    "a listing's answer cut off half-way, and slow answers (2 s) to listings": [
        Rule("drop-response", "GET", LISTING, nth=4, times=1),
        Rule("delay", "GET", LISTING, nth=6, times=3, seconds=2.0),
    ],
}


@pytest.mark.parametrize("fault", list(RETRIED))
def test_a_fault_the_client_can_retry_is_retried_and_the_run_equals_an_uninterrupted_one(
    fault: str,
    proxy: FaultProxy,
    s3_endpoint: str,
    s3_bucket: str,
    tmp_path: Path,
    uninterrupted: tuple[dict[str, str], ...],
    fault_record: Callable[..., None],
) -> None:
    proxy.rules.extend(RETRIED[fault])
    settings = _settings(tmp_path, s3_bucket, proxy.endpoint)
    code, out, err = run(["run", *DAYS], settings, tmp_path)
    assert code == 0, out + err
    assert all(rule.applied == (rule.times or rule.applied) for rule in proxy.rules)
    assert all(rule.applied > 0 for rule in proxy.rules), "the fault never happened"
    assert "Traceback" not in out + err and err.strip() == ""
    _assert_as_uninterrupted(settings, s3_endpoint, uninterrupted)
    title = next(line for line in out.splitlines() if line.startswith("✔ cryptopulse run"))
    fault_record(
        area="S3 lake",
        fault=f"{fault} (moto behind a fault-injecting proxy)",
        user_sees=f"{title} (nothing on stderr: the S3 client retried)",
        rerun="no rerun needed: lake, warehouse and marts equal an uninterrupted run's",
    )


def test_an_upload_that_keeps_failing_is_one_line_and_the_rerun_equals_an_uninterrupted_one(
    proxy: FaultProxy,
    s3_endpoint: str,
    s3_bucket: str,
    tmp_path: Path,
    uninterrupted: tuple[dict[str, str], ...],
    fault_record: Callable[..., None],
) -> None:
    # Every part upload of one mart's export fails with 500, past the client's retries.
    proxy.rules.append(Rule("500", "PUT", r"/marts/fct_posts\.parquet/.*" + PART_UPLOAD, times=0))
    settings = _settings(tmp_path, s3_bucket, proxy.endpoint)
    code, out, err = run(["run", *DAYS], settings, tmp_path)
    assert code == 1, out + err
    line = one_error_line(err)
    assert f"S3: could not write s3://{s3_bucket}/lake/marts/fct_posts.parquet/" in line
    assert "(UploadPart)" in line and "internal error" in line
    assert "nothing of it was published; run the same command again" in line
    assert "Traceback" not in out + err
    assert proxy.rules[0].applied >= 2  # retried before giving up
    _assert_no_half_written_objects(s3_endpoint, s3_bucket)
    refused = proxy.rules[0].applied
    proxy.rules.clear()
    code, out, err = run(["run", *DAYS], settings, tmp_path)  # the rerun
    assert code == 0, out + err
    _assert_as_uninterrupted(settings, s3_endpoint, uninterrupted)
    fault_record(
        area="S3 lake",
        fault="every part upload of one mart's export answered 500 "
        f"({refused} answered so, the client's retries included)",
        user_sees=line,
        rerun="no half-written object, no pending multipart upload; the rerun equals an "
        "uninterrupted run",
    )


def test_a_listing_that_keeps_failing_is_one_line_naming_what_was_listed(
    proxy: FaultProxy, s3_bucket: str, tmp_path: Path, fault_record: Callable[..., None]
) -> None:
    settings = _settings(tmp_path, s3_bucket, proxy.endpoint)
    code, out, err = run(["extract", *DAYS], settings, tmp_path)
    assert code == 0, out + err
    proxy.rules.append(Rule("500", "GET", LISTING, times=0))
    code, out, err = run(["status"], settings, tmp_path)
    assert code == 1, out + err
    line = one_error_line(err)
    assert f"S3: could not list s3://{s3_bucket}/lake/raw/" in line
    assert "(ListObjectsV2)" in line and "Traceback" not in out + err
    proxy.rules.clear()
    code, out, err = run(["status"], settings, tmp_path)
    assert code == 0 and "posts" in out
    fault_record(
        area="S3 lake",
        fault="every listing answered 500 during `status`",
        user_sees=line,
        rerun="nothing written; `status` again once S3 answers shows the lake",
    )
