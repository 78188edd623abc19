"""Reading what an AppTest run of the dashboard shows: its Plotly figures and values."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest


def figures(at: AppTest) -> list[dict[str, Any]]:
    """The Plotly figures the page drew, as the JSON sent to the browser."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def values(array: Any) -> list[Any]:
    """A trace's x or y: a list, or Plotly's typed array ({"dtype", "bdata"})."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    """The trace called ``name`` (its legend entry)."""
    found = [t for t in figure["data"] if t.get("name") == name]
    assert found, f"no trace {name!r} in {[t.get('name') for t in figure['data']]}"
    return found[0]


def axis_titles(figure: dict[str, Any]) -> list[str]:
    layout = figure["layout"]
    titles = []
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict) and "title" in axis:
            titles.append(axis["title"]["text"])
    return titles


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return str(found[0])
