"""Commands: run, sql, code, evaluate, serve (+ dyads/export, lexicon from their modules)."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from dyadflow import __version__
from dyadflow.cli.common import (
    console,
    err_console,
    jsonable,
    make_settings,
    parse_date_option,
    print_rows,
    require_choice,
    require_warehouse,
)
from dyadflow.cli.preflight import check_lexicon, check_run, fail, run_lock
from dyadflow.settings import Settings

app = typer.Typer(
    name="dyadflow",
    help="Political event data (CAMEO / ACLED) from news text into Parquet and DuckDB views by dyad and period.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

WarehouseOpt = Annotated[
    str | None, typer.Option("--warehouse", "-w", help="Warehouse folder or fsspec URL such as s3://bucket/prefix "
                                                    "(default: warehouse/data/).")
]
LexiconOpt = Annotated[Path | None, typer.Option("--lexicon", help="Dictionary folder (default: seeds/).")]
ProcessesOpt = Annotated[
    int | None, typer.Option("--processes", "-p", min=1, help="Former name of --workers.")
]
TaskRunnerOpt = Annotated[
    str | None, typer.Option("--task-runner", help="Where coding batches run: local (this machine) or dask.")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", min=1, help="local: coding processes (default 1); dask without "
                                                     "--dask-address: LocalCluster workers.")
]
DaskAddressOpt = Annotated[
    str | None, typer.Option("--dask-address", help="Scheduler of a running Dask cluster, tcp://HOST:8786 "
                                                    "(implies --task-runner dask).")
]
LexiconFormatOpt = Annotated[
    str | None, typer.Option("--lexicon-format", help="native (seed tables) or petrarch (PETRARCH2 dictionaries).")
]

SourcesOpt = Annotated[
    Path | None, typer.Option("--sources", help="sources.yaml with RSS/Atom feeds and pages to fetch (alone, or "
                                                "with PATHs; see schemas/sources.json).")
]


def _version(value: bool) -> None:
    if value:
        console.print(f"dyadflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show library and Prefect logs.")] = False,
) -> None:
    """dyadflow: who did what to whom, when and where."""
    from dyadflow.runtime import configure_prefect

    configure_prefect(verbose=verbose)
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


def load_flow(settings: Settings, module: str, name: str) -> Any:
    """Import a flow from the project's flows/ folder."""
    root = str(settings.project_dir)
    if root not in sys.path:
        sys.path.insert(0, root)
    return getattr(importlib.import_module(f"flows.{module}"), name)


# ---- run -------------------------------------------------------------------------------------
@app.command()
def run(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files and folders to read (default: examples/corpus).")] = None,
    warehouse: WarehouseOpt = None,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for another run's lock.")] = 0.0,
    lexicon: LexiconOpt = None,
    lexicon_format: LexiconFormatOpt = None,
    processes: ProcessesOpt = None,
    sources: SourcesOpt = None,
    task_runner: TaskRunnerOpt = None,
    workers: WorkersOpt = None,
    dask_address: DaskAddressOpt = None,
) -> None:
    """Run the pipeline flow (extract → code → load) into the warehouse."""
    started = time.perf_counter()
    from dyadflow.progress import progress_callback
    from dyadflow.scaleout import check_runner_settings
    from dyadflow.store import WarehouseLocked

    settings = make_settings(warehouse, paths, lexicon, lexicon_format).with_overrides(
        task_runner=task_runner or ("dask" if dask_address else None), workers=workers or processes,
        dask_address=dask_address)
    try:
        check_runner_settings(settings)
    except ValueError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    check_run(settings)  # expected failures: one line, exit 2, before Prefect starts
    sources_path = _check_sources(sources, settings)
    from dyadflow.runtime import prefect_server_for_process
    from dyadflow.scaleout import prewarm

    prewarm(settings)  # the coder loads in this process while Prefect's server starts

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        # Prefect's local API server runs as a child that dies with this process, even on SIGKILL.
        with run_lock(settings, wait), Progress(*columns, console=err_console, transient=True) as bar, \
                prefect_server_for_process():
            task = bar.add_task("starting Prefect and reading inputs", total=None)
            pipeline = load_flow(settings, "pipeline", "pipeline")

            def on_progress(stage: str, advance: int, total: int | None) -> None:
                if total is not None:
                    bar.update(task, description="coding articles", total=total, completed=0)
                bar.advance(task, advance)

            with progress_callback(on_progress):
                summary = pipeline(
                    paths=None if sources and not paths else [str(p) for p in settings.default_inputs],
                    sources=str(sources_path) if sources_path else None,
                    warehouse=str(settings.data_dir),
                    lock_wait_seconds=wait,
                    lexicon=str(settings.lexicon_dir) if settings.lexicon_dir else None,
                    lexicon_format=settings.lexicon_format,
                    task_runner=settings.task_runner,
                    workers=settings.workers,
                    dask_address=settings.dask_address,
                )
    except typer.Exit:  # an expected failure, already reported on one line
        raise
    except WarehouseLocked as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(3) from None
    except Exception as exc:  # the run itself failed
        err_console.print(f"[red]run failed:[/] {type(exc).__name__}: {exc}")
        logging.getLogger(__name__).debug("run failed", exc_info=True)
        raise typer.Exit(1) from None
    _print_summary(summary, time.perf_counter() - started)


def summary_timing_rows(timings: dict[str, float], wall_seconds: float) -> list[tuple[str, str]]:
    """Seconds of each pipeline stage, the rest of the wall time (Prefect, imports) and the total."""
    rows = [(stage, f"{seconds:.1f}") for stage, seconds in timings.items()]
    rows.append(("Prefect and startup", f"{max(0.0, wall_seconds - sum(timings.values())):.1f}"))
    rows.append(("total (wall)", f"{wall_seconds:.1f}"))
    return rows


def _check_sources(sources: Path | None, settings: Settings) -> Path | None:
    """The sources file, validated before Prefect starts; exit 2 with one clear line when it is not valid."""
    if sources is None:
        return None
    from dyadflow.sources.web import SourcesError, load_sources, resolve_sources_path

    path = resolve_sources_path(sources, settings.project_dir)
    try:
        load_sources(path, settings.schemas_dir)
    except SourcesError as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    return path


def _print_summary(summary: dict[str, Any], wall_seconds: float) -> None:
    ex, co, lo = summary["extract"], summary["code"], summary["load"]
    console.print(f"[bold]dyadflow run[/] {summary['run_id']} → {summary['warehouse']}")
    rows = [
        ("inputs", ex["n_inputs"]),
        ("articles (new)", f"{ex['n_articles']} ({ex['n_new_articles']})"),
        ("publication dates inferred", ex["n_dates_inferred"]),
        ("rejected inputs", ex["n_rejects"]),
        ("articles kept with warnings", ex.get("n_warnings", 0)),
        ("superseded (edited) articles", ex.get("n_superseded", 0)),
        ("articles coded", co["articles"] - co.get("rejects", 0)),
        ("coder rejects", co.get("rejects", 0)),
        ("events coded", co["events"]),
        ("events loaded", lo["n_events"]),
    ]
    print_rows(["", "count"], rows, "table")
    print_rows(["stage", "seconds"], summary_timing_rows(summary["timings"], wall_seconds), "table")
    if ex["rejects"]:
        print_rows(["rejected", "line", "reason"], [(r["path"], r["line"], r["reason"]) for r in ex["rejects"]],
                   "table", title="Rejected inputs (see rejects/ in the warehouse)")
    console.print("Query it: [cyan]dyadflow sql \"select * from dyad_month limit 10\"[/]")


# ---- sql -------------------------------------------------------------------------------------
@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL over the warehouse views (events, dyad_month, ...).")],
    warehouse: WarehouseOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """Run SQL over the warehouse's views."""
    import duckdb

    from dyadflow.warehouse import connect

    require_choice(fmt, ("table", "csv", "json"), "--format")
    settings = make_settings(warehouse)
    require_warehouse(settings)
    con = connect(settings.data_dir, settings.sql_dir)
    try:
        cur = con.execute(query)
        if cur.description is None:
            return
        columns = [d[0] for d in cur.description]
        print_rows(columns, cur.fetchall(), fmt)
    except duckdb.Error as exc:
        err_console.print(f"[red]SQL error:[/] {exc}")
        raise typer.Exit(1) from None
    finally:
        con.close()


# ---- code ------------------------------------------------------------------------------------
@app.command("code")
def code_cmd(
    text: Annotated[str | None, typer.Argument(help="Text to code ('-' reads standard input).")] = None,
    input_file: Annotated[Path | None, typer.Option("--input", "-i", help="JSONL with id, text, optional published.")] = None,
    date_: Annotated[str | None, typer.Option("--date", help="Publication date YYYY-MM-DD for TEXT.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per event (with the input's id).")] = False,
    lexicon: LexiconOpt = None,
    lexicon_format: LexiconFormatOpt = None,
    no_geo: Annotated[bool, typer.Option("--no-geo", help="Skip place resolution (faster start).")] = False,
    processes: ProcessesOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show every coder stage: mentions, registry, predicates, "
                                          "candidates and why each became an event or not.")] = False,
    source: Annotated[str | None, typer.Option("--source", help="Who published TEXT (e.g. 'UN Secretary-General "
                                               "statement'): a statement's author is its 'we'.")] = None,
) -> None:
    """Code text directly (no warehouse) and show the events and why they were coded."""
    if text is None and input_file is None:
        err_console.print("[red]error:[/] give TEXT or --input FILE.jsonl")
        raise typer.Exit(2)
    items: list[tuple[str, str, date | None]] = []
    if input_file is not None:
        if not input_file.is_file():
            raise fail(f"--input file does not exist: {input_file}")
        items.extend(_read_code_input(input_file))
    if text is not None:
        body = sys.stdin.read() if text == "-" else text
        items.append(("text", body, parse_date_option(date_, "--date")))
    settings = make_settings(lexicon=lexicon, lexicon_format=lexicon_format)
    check_lexicon(settings)
    if explain:
        _explain(items, settings, source, with_gazetteer=not no_geo)
        return
    # Nothing is stored here, so PETRARCH dictionaries' own non-CAMEO codes are shown as they are
    # (flagged in rule_id); `dyadflow run` maps them to their CAMEO parent before writing Parquet.
    os.environ.setdefault("DYADFLOW_PETRARCH_NONCAMEO", "keep")
    from dyadflow.records import sha256_hex
    from dyadflow.scaleout import code_items

    if processes is not None and processes > 1:
        err_console.print("[yellow]note:[/] `dyadflow code` codes in this process; --processes is ignored "
                          "(scale out with `dyadflow run --task-runner local|dask --workers N`)")
    keyed = [(sha256_hex(body)[:32], body, published, False, source) for _, body, published in items]
    coded = code_items(keyed, settings, with_gazetteer=not no_geo)
    for (item_id, _, _), result in zip(items, coded, strict=True):
        if result.error is not None:
            err_console.print(f"[red]error:[/] {item_id}: {result.error}")
            continue
        events = list(result.events)
        if as_json:
            for e in events:
                row = {k: jsonable(v) for k, v in e.to_row().items()}
                row["id"] = item_id
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            _print_events(item_id, events)



def _explain(items: list[tuple[str, str, date | None]], settings: Any, source: str | None, *,
             with_gazetteer: bool) -> None:
    """Print each coder stage's output for each text (native coder only)."""
    from dyadflow.coder import trace_article
    from dyadflow.coder.explain import explain_lines
    from dyadflow.coder.registry import issuer_mention
    from dyadflow.pipeline import build_resources

    res = build_resources(settings, with_gazetteer=with_gazetteer)
    if getattr(res.lexicon, "engine", "native") != "native":
        raise fail("--explain shows the native coder's stages; it is not available with --lexicon-format petrarch")
    for item_id, body, published in items:
        traces = trace_article(res.nlp(body), res.lexicon, published, gazetteer=res.gazetteer, source=source)
        console.print(f"[bold]{item_id}[/]")
        for line in explain_lines(traces, issuer=issuer_mention(res.lexicon, source, published)):
            console.print(line, markup=False, highlight=False, soft_wrap=True)


def _read_code_input(path: Path) -> list[tuple[str, str, date | None]]:
    """(id, text, published) of each good line; each bad line is reported with its line number."""
    out = []
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise TypeError("a line must be a JSON object")
                body = obj["text"]
                if not isinstance(body, str):
                    raise TypeError("text is not a string")
                published = date.fromisoformat(obj["published"][:10]) if obj.get("published") else None
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:  # UnicodeDecodeError too
                err_console.print(f"[yellow]skipped[/] {escape(str(path))}:{lineno}: {type(exc).__name__}: "
                                  f"{escape(str(exc))}", highlight=False)
                continue
            out.append((str(obj.get("id", lineno)), body, published))
    return out


def _print_events(item_id: str, events: list[Any]) -> None:
    if not events:
        console.print(f"[dim]{item_id}: no events[/]")
        return
    rows = []
    for e in events:
        src = f"{e.source_code or '—'} ({e.source_text})" if e.source_text else (e.source_code or "—")
        tgt = f"{e.target_code or '—'} ({e.target_text})" if e.target_text else (e.target_code or "—")
        when = f"{e.event_date or '?'} [{e.date_precision}]"
        where = f"{e.location_name or ''} {e.location_country or ''}".strip()
        rows.append((e.sentence_index, src, f"{e.cameo_code} {e.cameo_label or ''}", tgt, when, where,
                     f"{e.rule_id} ({e.confidence:.2f}){' ' + e.modality if e.modality != 'asserted' else ''}"))
    print_rows(["sent", "source", "event", "target", "date", "place", "rule (confidence)"], rows, "table",
               title=f"{item_id}: {len(events)} event(s)")


# ---- evaluate --------------------------------------------------------------------------------
@app.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL (format of dev-gold/gold.jsonl).", exists=True,
                                         dir_okay=False, readable=True)],
    corpus: Annotated[Path, typer.Argument(help="Folder with the gold's documents.", exists=True, file_okay=False)],
    warehouse: WarehouseOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    lexicon: LexiconOpt = None,
    lexicon_format: LexiconFormatOpt = None,
    errors: Annotated[bool, typer.Option("--errors", help="Classify every missed required gold row and every "
                                         "unmatched system event by cause, with its rule trail.")] = False,
) -> None:
    """Precision / recall / F1 (dyad+root, dyad+quad, exact code), per root and doc; date and place accuracy."""
    from dyadflow import evaluate as ev

    settings = make_settings(warehouse, lexicon=lexicon, lexicon_format=lexicon_format)
    if errors:
        if warehouse is not None:
            raise fail("--errors codes the corpus itself (it needs the coder's stage traces): drop --warehouse")
        from dyadflow.pipeline import build_resources

        res = build_resources(settings)
        if getattr(res.lexicon, "engine", "native") != "native":
            raise fail("--errors needs the native coder's stage traces; not available with --lexicon-format petrarch")
        events, traces = ev.trace_corpus(corpus, res.nlp, res.lexicon, res.gazetteer)
        gold_rows = ev.read_gold(gold)
        report = ev.score(events, gold_rows)
        cases = ev.error_cases(events, gold_rows, traces)
        if as_json:
            out = {**report.to_dict(), "errors": [asdict(c) for c in cases]}
            sys.stdout.write(json.dumps(out, indent=2, default=jsonable) + "\n")
        else:
            console.print(report.to_text(), soft_wrap=True)
            console.print(ev.errors_text(cases), markup=False, highlight=False, soft_wrap=True)
        return
    if warehouse is not None:
        report = ev.evaluate_warehouse(gold, corpus, settings)
    else:
        from dyadflow.pipeline import build_resources

        res = build_resources(settings)
        report = ev.evaluate_corpus(gold, corpus, res.nlp, res.lexicon, res.gazetteer)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, default=jsonable) + "\n")
    else:
        console.print(report.to_text())


# ---- serve -----------------------------------------------------------------------------------
@app.command()
def serve(
    deployment: Annotated[list[str] | None, typer.Option("--deployment", "-d", help="Only these deployment names.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be served and exit.")] = False,
) -> None:
    """Serve the scheduled deployments of prefect.yaml (runs until interrupted)."""
    from dyadflow.deployments import build_deployments, read_prefect_yaml

    settings = make_settings()
    specs = read_prefect_yaml(settings.project_dir / "prefect.yaml")
    if deployment:
        specs = [s for s in specs if s.name in set(deployment)]
    if not specs:
        err_console.print("[red]error:[/] no deployments to serve")
        raise typer.Exit(2)
    print_rows(["deployment", "entrypoint", "schedule", "parameters"],
               [(s.name, s.entrypoint, ", ".join(s.crons), json.dumps(s.parameters)) for s in specs], "table")
    if dry_run:
        return
    from dyadflow.deployments import serve_deployments
    from dyadflow.runtime import RUN_NOTICES_ENV, prefect_server_for_process

    os.environ[RUN_NOTICES_ENV] = "1"  # each served run prints its start, end and counts here
    with prefect_server_for_process() as url:
        console.print(f"Prefect API: {url or os.environ.get('PREFECT_API_URL')} (Ctrl-C or SIGTERM stops serving)",
                      soft_wrap=True, highlight=False)
        serve_deployments(build_deployments(specs, settings.project_dir))


def _register_optional() -> None:
    """Add command groups that live in their own modules."""
    for mod in ("dyadflow.cli.warehouse_cmds", "dyadflow.cli.lexicon_cmds", "dyadflow.cli.actors_cmds", "dyadflow.cli.import_cmds",
                "dyadflow.cli.dashboard_cmds"):
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        module.register(app)


_register_optional()


def main() -> None:
    """Console-script entry point."""
    app()
