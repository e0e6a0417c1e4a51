"""`dyadflow dashboard`: one self-contained, offline HTML file built from the warehouse views.

The data are DuckDB aggregates over the views (dashboard/sql/*.sql): a cube by month x directed
actor dyad x quad class x CAMEO root that the page filters and re-aggregates, a map cube by
location country, the headline totals, and a bounded, stratified sample of events with their
evidence. The page inlines d3, topojson-client and world-atlas (assets/, vendored from npm with
their licences), its own script and style; a Content-Security-Policy allows only those scripts
(by hash) and no request of any kind. Every string reaches the page as JSON inside a
non-executable script element (`<`, `>`, `&` escaped) and is put into the DOM as text only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from dyadflow import __version__

MAX_CUBE_ROWS = 150_000  # beyond this only the rows of the largest dyads are embedded
SAMPLE_PER_MONTH = 25
SAMPLE_MAX_EVENTS = 3_000
LIBRARIES = ("d3.min.js", "topojson-client.min.js")
GEOMETRY = "countries-110m.json"


@dataclass(frozen=True)
class DashboardSummary:
    """What one build wrote."""

    path: Path
    n_events: int
    n_cube_rows: int
    cube_truncated: bool
    n_sample: int
    bytes: int


def _package_text(*parts: str) -> str:
    return resources.files("dyadflow.dashboard").joinpath(*parts).read_text(encoding="utf-8")


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object] | None = None
           ) -> tuple[list[str], list[tuple[Any, ...]]]:
    cur = con.execute(_package_text("sql", f"{name}.sql"), params or {})
    return [d[0] for d in cur.description or []], cur.fetchall()


def _root_labels() -> dict[str, str]:
    from dyadflow.seeds import read_seed_table
    from dyadflow.settings import Settings

    s = Settings()
    rows = read_seed_table(s.seeds_dir, s.schemas_dir, "cameo_event_codes")
    return {r["code"]: str(r["label"]).capitalize() for r in rows if r["code"] == r["root"]}


class _Codes:
    """Dictionary-encodes strings: each distinct value once, rows carry its index (-1 for NULL)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: object) -> int:
        if value is None:
            return -1
        key = str(value)
        if key not in self._index:
            self._index[key] = len(self.values)
            self.values.append(key)
        return self._index[key]


def dashboard_data(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The page's data, aggregated in DuckDB over the warehouse views."""
    cols, totals = _query(con, "totals")
    data: dict[str, Any] = {"totals": dict(zip(cols, totals[0], strict=True))}
    _, cube = _query(con, "cube")
    truncated = len(cube) > MAX_CUBE_ROWS
    months, actors, countries, roots = _Codes(), _Codes(), _Codes(), _Codes()
    rows = [
        [months(m), actors(a1), actors(a2), countries(c1), countries(c2), int(q), roots(r),
         int(n), int(nd), float(gs), int(gn), int(fat)]
        for m, a1, a2, c1, c2, q, r, n, nd, gs, gn, fat in cube[:MAX_CUBE_ROWS]
    ]
    _, mapped = _query(con, "map")
    map_rows = [[months(m), countries(c), gid, int(q), roots(r), int(n)] for m, c, gid, q, r, n in mapped]
    cols, sample = _query(con, "sample", {"per_month": SAMPLE_PER_MONTH, "max_events": SAMPLE_MAX_EVENTS})
    labels = _root_labels()
    names = dict(con.execute("select iso3, name from seed_country_geo").fetchall())
    data.update(
        cube=rows,
        cube_truncated=truncated,
        cube_events=sum(r[7] for r in rows),
        map=map_rows,
        events=[dict(zip(cols, r, strict=True)) for r in sample],
        months=months.values,
        actors=actors.values,
        countries=countries.values,
        country_names={c: names.get(c, c) for c in countries.values},
        roots=roots.values,
        root_labels={r: labels.get(r, r) for r in roots.values},
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
    )
    return data


def json_for_html(value: object) -> str:
    """JSON that cannot end or open an element inside <script type=application/json>."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def _inline_safe(name: str, text: str) -> str:
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise ValueError(f"{name} cannot be inlined in a <script> element")
    return text


def render_html(data: dict[str, Any]) -> str:
    """The dashboard page: template + inlined libraries, geometry, script, style and data."""
    libs = [_inline_safe(n, _package_text("assets", n)) for n in LIBRARIES]
    geometry = _package_text("assets", GEOMETRY)
    app = _inline_safe("app.js", _package_text("app.js"))
    scripts = [*libs, app]
    csp = ("default-src 'none'; script-src " + " ".join(_csp_hash(s) for s in scripts)
           + "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
    blocks = "\n".join(f"<script>{s}</script>" for s in scripts)
    parts = {
        "csp": csp,
        "style": _package_text("style.css"),
        "geometry": json_for_html(json.loads(geometry)),
        "data": json_for_html(data),
        "scripts": blocks,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _package_text("template.html"))


def write_dashboard(data_dir: Path, sql_dir: Path, out: Path) -> DashboardSummary:
    """Build the dashboard from the warehouse at data_dir and write it atomically to out."""
    from dyadflow.warehouse import connect

    con = connect(data_dir, sql_dir)
    try:
        data = dashboard_data(con)
    finally:
        con.close()
    html = render_html(data)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return DashboardSummary(
        path=out.resolve(),
        n_events=int(data["totals"]["n_events"]),
        n_cube_rows=len(data["cube"]),
        cube_truncated=bool(data["cube_truncated"]),
        n_sample=len(data["events"]),
        bytes=out.stat().st_size,
    )
