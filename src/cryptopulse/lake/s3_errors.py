"""S3 failures told in one line naming the object and the operation.

Retrying is left to botocore and s3fs, which retry what is safe to retry: a 500 or 503, a
dropped connection, a timeout, on any request (a part upload, a listing and a read are
idempotent; a multipart upload is published only by its final commit). What still fails
after their retries arrives from deep inside aiobotocore as an OSError ("[Errno 121] We
encountered an internal error"), a ClientError or a timeout, naming no object. Here it
becomes a LakeStorageError: the object, the operation, the reason, what to do.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from cryptopulse.core.errors import ServiceError

_ERRNO = re.compile(r"^\[Errno \d+\] ")


class LakeStorageError(ServiceError):
    """The lake's S3 storage failed an operation on an object after its retries."""


@contextlib.contextmanager
def s3_errors(action: str, uri: str) -> Iterator[None]:
    """Turn an S3 failure in the block into a LakeStorageError naming ``action`` (write,
    read, list, delete) and ``uri``. A missing object stays FileNotFoundError, which
    callers expect, except when writing (a missing bucket)."""
    try:
        yield
    except LakeStorageError:
        raise
    except Exception as exc:
        if not _is_storage_error(exc) or (isinstance(exc, FileNotFoundError) and action != "write"):
            raise
        operation = _operation(exc)
        done = f" ({operation})" if operation else ""
        after = (
            "nothing of it was published; run the same command again"
            if action == "write"
            else "run the same command again"
        )
        raise LakeStorageError(
            f"S3: could not {action} {uri}{done}: {_reason(exc)}; {after}", service="S3"
        ) from exc


def _is_storage_error(exc: BaseException) -> bool:
    import aiohttp  # s3fs's own dependencies: imported only for an S3 lake
    import botocore.exceptions
    from fsspec.exceptions import FSTimeoutError

    kinds = (
        OSError,
        TimeoutError,
        FSTimeoutError,
        aiohttp.ClientError,
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
    )
    return isinstance(exc, kinds)


def _operation(exc: BaseException) -> str | None:
    """The S3 API operation that failed (UploadPart, ListObjectsV2…), if the error says."""
    seen: BaseException | None = exc
    while seen is not None:
        name = getattr(seen, "operation_name", None)
        if name:
            return str(name)
        seen = seen.__cause__ or seen.__context__
    return None


def _reason(exc: BaseException) -> str:
    text = _ERRNO.sub("", str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    return text.rstrip(".") or type(exc).__name__
