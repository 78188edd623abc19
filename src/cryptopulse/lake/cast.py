"""Casting loosely typed source columns to a dataset's Arrow types, value by value only
where a whole-column cast fails, so each failing value gets its own error message."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def cast_column(raw: pa.Array, target: pa.DataType, name: str) -> tuple[pa.Array, pa.Array | None]:
    """Cast a column to ``target``; failing values become null with an error message."""
    if pa.types.is_null(raw.type):
        return pa.nulls(len(raw), target), None
    if pa.types.is_string(target):
        return _to_utf8(raw, name)
    if raw.type.equals(target):
        return raw, None
    try:
        return _fast_cast(raw, target), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return _slow_cast(raw, target, name)


def _fast_cast(raw: pa.Array, target: pa.DataType) -> pa.Array:
    if pa.types.is_timestamp(target) and (pa.types.is_string(raw.type) or _is_binary(raw.type)):
        text = raw.cast(pa.string())
        try:
            return pc.cast(text, target)
        except pa.ArrowInvalid:  # no zone offsets: the values are UTC by our contract
            naive = pc.cast(text, pa.timestamp("us"))
            return pc.assume_timezone(naive, "UTC").cast(target)
    if pa.types.is_timestamp(target) and pa.types.is_timestamp(raw.type) and raw.type.tz is None:
        return pc.assume_timezone(raw.cast(pa.timestamp("us")), "UTC").cast(target)
    if pa.types.is_integer(target) and pa.types.is_floating(raw.type):
        # 3.0 likes is fine; 3.5 likes or NaN is not (safe cast refuses both).
        return pc.cast(raw, target, safe=True)
    return pc.cast(raw, target, safe=True)


def _slow_cast(raw: pa.Array, target: pa.DataType, name: str) -> tuple[pa.Array, pa.Array | None]:
    convert = _element_converter(target)
    values: list[Any] = []
    errors: list[str | None] = []
    for value in python_values(raw):
        if value is None:
            values.append(None)
            errors.append(None)
            continue
        try:
            values.append(convert(value))
            errors.append(None)
        except (ValueError, TypeError, OverflowError):
            values.append(None)
            errors.append(f"unparseable {name}: {preview(value)}")
    return pa.array(values, type=target), pa.array(errors, type=pa.string())


def _element_converter(target: pa.DataType) -> Callable[[Any], Any]:
    if pa.types.is_timestamp(target):
        return _parse_timestamp
    if pa.types.is_integer(target):
        # in range too: 10**30 likes is a bad value, not an overflow of the whole column
        return lambda v: pa.scalar(_parse_int(v), target).as_py()
    if pa.types.is_floating(target):
        return _parse_float
    return lambda v: pa.scalar(v).cast(target).as_py()


def _parse_timestamp(value: Any) -> datetime:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
    else:
        raise TypeError(f"not a timestamp: {value!r}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_float(value: Any) -> float:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    return float(value)


def _parse_int(value: Any) -> int:
    number = _parse_float(value) if not isinstance(value, int) else value
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def _to_utf8(raw: pa.Array, name: str) -> tuple[pa.Array, pa.Array | None]:
    """Text columns: anything castable becomes a string; invalid UTF-8 is an error."""
    if pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type):
        binary = raw.cast(pa.binary() if pa.types.is_string(raw.type) else pa.large_binary())
    elif _is_binary(raw.type):
        binary = raw
    else:
        return pc.cast(raw, pa.string()), None
    try:
        return binary.cast(pa.string()), None
    except pa.ArrowInvalid:  # some value is not UTF-8: find which
        valid = pa.array([_is_utf8(v) for v in binary.to_pylist()], type=pa.bool_())
    cleaned = pc.if_else(valid, binary, pa.scalar(None, binary.type))
    errors = pc.if_else(valid, pa.scalar(None, pa.string()), f"invalid UTF-8 in {name}")
    return cleaned.cast(pa.string()), errors


def _is_utf8(value: bytes | None) -> bool:
    if value is None:
        return True
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_binary(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype))


def python_values(column: pa.Array | pa.ChunkedArray) -> list[Any]:
    """Python values of a column; text is read as bytes so invalid UTF-8 cannot raise."""
    if pa.types.is_string(column.type):
        column = column.cast(pa.binary())
    elif pa.types.is_large_string(column.type):
        column = column.cast(pa.large_binary())
    return list(column.to_pylist())


def preview(value: Any, limit: int | None = 80) -> str:
    """A value as text for a reason or the quarantine: bytes decoded, escapes kept visible."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="backslashreplace")
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, float) and math.isnan(value):
        text = "NaN"
    else:
        text = str(value)
    if limit is not None and len(text) > limit:
        return repr(text[:limit]) + "…"
    return text if limit is None else repr(text)
