"""The Python API (issue 13, item 15): dyadflow.code, dyadflow.run, dyadflow.connect; a light import."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import dyadflow

HEAVY = ("pandas", "duckdb", "prefect", "spacy", "pyarrow", "typer")


def test_import_dyadflow_is_light_and_exposes_the_api() -> None:
    code = (f"import sys, dyadflow; print(sorted(m for m in {HEAVY!r} if m in sys.modules)); "
            "print(all(callable(getattr(dyadflow, f)) for f in ('code', 'run', 'connect')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded, exposed = proc.stdout.splitlines()
    assert loaded == "[]"  # nothing heavy at import time
    assert exposed == "True"
    assert {"code", "run", "connect"} <= set(dyadflow.__all__)
    for name in ("code", "run", "connect"):
        assert getattr(dyadflow, name).__doc__


def test_code_rejects_bad_arguments_before_parsing() -> None:
    with pytest.raises(ValueError, match="published has 1 values for 2 texts"):
        dyadflow.code(["a", "b"], published=["2024-01-01"])
    with pytest.raises(ValueError, match="lexicon_format"):
        dyadflow.code(["a"], lexicon_format="foo")
    empty = dyadflow.code([])
    assert len(empty) == 0 and {"source_code", "target_code", "cameo_code", "event_date", "id"} <= set(empty.columns)


@pytest.mark.model
def test_code_returns_a_dataframe_of_events() -> None:
    import pandas as pd

    texts = pd.Series({"kyiv-1": "Russia condemned Ukraine on Monday.", "none": "The weather was mild."})
    df = dyadflow.code(texts, published=date(2024, 5, 8), geo=False)
    assert isinstance(df, pd.DataFrame)
    row = df[df["id"] == "kyiv-1"].iloc[0]
    assert (row["source_code"], row["target_code"], row["cameo_code"]) == ("RUSGOV", "UKRGOV", "111")
    assert row["event_date"] == date(2024, 5, 6)
    assert list(df.columns) == dyadflow.api.event_columns()  # the `dyadflow code --json` fields
    assert "none" not in set(df["id"])


def test_connect_without_a_warehouse_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no warehouse"):
        dyadflow.connect(tmp_path / "nothing")


@pytest.mark.model
@pytest.mark.prefect
def test_run_then_connect(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("---\npublished: 2024-05-08\n---\nRussia condemned Ukraine on Monday.\n",
                                  encoding="utf-8")
    summary = dyadflow.run([corpus], warehouse=tmp_path / "wh")
    assert summary["extract"]["n_articles"] == 1 and summary["load"]["n_events"] >= 1
    assert set(summary["timings"]) >= {"extract", "code", "load"}
    con = dyadflow.connect(tmp_path / "wh")
    try:
        n = con.execute("select count(*) from events where source_code = 'RUSGOV'").fetchall()[0][0]
        assert n >= 1
        assert len(con.sql("select * from dyad_month").df()) >= 1
        with pytest.raises(Exception, match="read-only"):
            con.execute("create table t (x int)")
    finally:
        con.close()
