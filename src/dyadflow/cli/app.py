"""Commands: run, sql, code, evaluate, serve (+ dyads/export, lexicon from their modules)."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
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
from dyadflow.settings import Settings

app = typer.Typer(
    name="dyadflow",
    help="Political event data (CAMEO / ACLED) from news text into Parquet and DuckDB views by dyad and period.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

WarehouseOpt = Annotated[
    Path | None, typer.Option("--warehouse", "-w", help="Warehouse directory (default: warehouse/data/).")
]
LexiconOpt = Annotated[Path | None, typer.Option("--lexicon", help="Dictionary folder (default: seeds/).")]
ProcessesOpt = Annotated[
    int | None, typer.Option("--processes", "-p", min=1, help="Worker processes for coding (default 1).")
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
) -> None:
    """Run the pipeline flow (extract → code → load) into the warehouse."""
    from dyadflow.progress import progress_callback
    from dyadflow.store import WarehouseLocked

    settings = make_settings(warehouse, paths, lexicon, lexicon_format)
    for p in settings.default_inputs:
        if not p.exists():
            err_console.print(f"[red]error:[/] input path does not exist: {p}")
            raise typer.Exit(2)
    sources_path = _check_sources(sources, settings)
    from dyadflow.runtime import prefect_server_for_process

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        # Prefect's local API server runs as a child that dies with this process, even on SIGKILL.
        with Progress(*columns, console=err_console, transient=True) as bar, prefect_server_for_process():
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
                    processes=processes or settings.processes,
                )
    except WarehouseLocked as exc:
        err_console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(3) from None
    except Exception as exc:  # the run itself failed
        err_console.print(f"[red]run failed:[/] {type(exc).__name__}: {exc}")
        logging.getLogger(__name__).debug("run failed", exc_info=True)
        raise typer.Exit(1) from None
    _print_summary(summary)


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


def _print_summary(summary: dict[str, Any]) -> None:
    ex, co, lo = summary["extract"], summary["code"], summary["load"]
    console.print(f"[bold]dyadflow run[/] {summary['run_id']} → {summary['warehouse']}")
    rows = [
        ("inputs", ex["n_inputs"]),
        ("articles (new)", f"{ex['n_articles']} ({ex['n_new_articles']})"),
        ("publication dates inferred", ex["n_dates_inferred"]),
        ("rejected inputs", ex["n_rejects"]),
        ("articles coded", co["articles"]),
        ("events coded", co["events"]),
        ("events loaded", lo["n_events"]),
        ("seconds", f"{sum(summary['timings'].values()):.1f}"),
    ]
    print_rows(["", "count"], rows, "table")
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
) -> None:
    """Code text directly (no warehouse) and show the events and why they were coded."""
    if text is None and input_file is None:
        err_console.print("[red]error:[/] give TEXT or --input FILE.jsonl")
        raise typer.Exit(2)
    items: list[tuple[str, str, date | None]] = []
    if input_file is not None:
        items.extend(_read_code_input(input_file))
    if text is not None:
        body = sys.stdin.read() if text == "-" else text
        items.append(("text", body, parse_date_option(date_, "--date")))
    settings = make_settings(lexicon=lexicon, lexicon_format=lexicon_format)
    # Nothing is stored here, so PETRARCH dictionaries' own non-CAMEO codes are shown as they are
    # (flagged in rule_id); `dyadflow run` maps them to their CAMEO parent before writing Parquet.
    os.environ.setdefault("DYADFLOW_PETRARCH_NONCAMEO", "keep")
    from dyadflow.parallel import code_items
    from dyadflow.records import sha256_hex

    keyed = [(sha256_hex(body)[:32], body, published) for _, body, published in items]
    coded = code_items(keyed, settings, processes or settings.processes, with_gazetteer=not no_geo)
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



def _read_code_input(path: Path) -> list[tuple[str, str, date | None]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                body = obj["text"]
                if not isinstance(body, str):
                    raise TypeError("text is not a string")
                published = date.fromisoformat(obj["published"][:10]) if obj.get("published") else None
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                err_console.print(f"[yellow]skipped[/] {path}:{lineno}: {type(exc).__name__}: {exc}")
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
) -> None:
    """Precision / recall / F1 (dyad+root, dyad+quad, exact code), per root and doc; date and place accuracy."""
    from dyadflow import evaluate as ev

    settings = make_settings(warehouse, lexicon=lexicon, lexicon_format=lexicon_format)
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
    from prefect import serve as prefect_serve

    prefect_serve(*build_deployments(specs, settings.project_dir))


def _register_optional() -> None:
    """Add command groups that live in their own modules."""
    for mod in ("dyadflow.cli.warehouse_cmds", "dyadflow.cli.lexicon_cmds", "dyadflow.cli.import_cmds"):
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
