"""`dyadflow dyads` (the dyad table at a glance) and `dyadflow export` (dashboard-ready files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from dyadflow.cli.common import (
    console,
    err_console,
    make_settings,
    parse_date_option,
    print_rows,
    require_choice,
    require_warehouse,
)

PERIODS = ("day", "week", "month", "quarter", "year")
FORMATS = ("parquet", "csv", "json")

WarehouseOpt = Annotated[
    str | None, typer.Option("--warehouse", "-w", help="Warehouse folder or fsspec URL (default: warehouse/data/).")
]



def dyads_query(
    period: str, country_level: bool, undirected: bool, since: date | None, until: date | None, top: int
) -> tuple[str, list[object]]:
    """The SQL (and parameters) behind `dyadflow dyads`: the top dyads by events over the range."""
    view = f"dyad_{period}" + ("_country" if country_level else "") + ("_undirected" if undirected else "")
    where, params = [], []
    if since is not None:
        where.append("period_start >= date_trunc(?, ?::date)")
        params += [period, since]
    if until is not None:
        where.append("period_start <= ?::date")
        params.append(until)
    if since is not None or until is not None:
        where.append("period_start is not null")
    clause = ("where " + " and ".join(where)) if where else ""
    sql = f"""
        select
            actor1,
            actor2,
            count(period_start) as n_periods,
            min(period_start) as first_period,
            max(period_start) as last_period,
            sum(n_events) as n_events,
            sum(n_q1) as q1,
            sum(n_q2) as q2,
            sum(n_q3) as q3,
            sum(n_q4) as q4,
            sum(net_cooperation) as net_coop,
            round(sum(goldstein_sum), 1) as goldstein,
            sum(fatalities) as fatalities
        from {view}
        {clause}
        group by actor1, actor2
        order by n_events desc, actor1 nulls last, actor2 nulls last
        limit {int(top)}
    """
    return sql, params


def register(app: typer.Typer) -> None:
    """Add the `dyads` and `export` commands to the dyadflow app."""

    @app.command()
    def dyads(
        warehouse: WarehouseOpt = None,
        period: Annotated[str, typer.Option("--period", "-p", help="day, week, month, quarter or year.")] = "month",
        country_level: Annotated[bool, typer.Option("--country-level", help="Dyads of countries (ISO3).")] = False,
        undirected: Annotated[bool, typer.Option("--undirected", help="Merge A->B and B->A.")] = False,
        top: Annotated[int, typer.Option("--top", "-n", help="Show the N dyads with most events.")] = 20,
        since: Annotated[str | None, typer.Option("--since", help="First date YYYY-MM-DD.")] = None,
        until: Annotated[str | None, typer.Option("--until", help="Last date YYYY-MM-DD.")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    ) -> None:
        """The dyad table at a glance: top dyads by events, with quad classes and Goldstein sums."""
        from dyadflow.warehouse import connect

        require_choice(period, PERIODS, "--period")
        if top < 1:
            err_console.print("[red]error:[/] --top must be at least 1")
            raise typer.Exit(2)
        require_choice(fmt, ("table", "csv", "json"), "--format")
        settings = make_settings(warehouse)
        require_warehouse(settings)
        sql, params = dyads_query(
            period, country_level, undirected, parse_date_option(since, "--since"), parse_date_option(until, "--until"), top
        )
        con = connect(settings.data_dir, settings.sql_dir)
        try:
            cur = con.execute(sql, params)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
        finally:
            con.close()
        level = "country" if country_level else "actor"
        title = f"Top {top} {'undirected' if undirected else 'directed'} {level} dyads ({period}ly views)"
        if not rows:
            console.print("[yellow]no events in the warehouse for this selection[/]")
            return
        print_rows(columns, rows, fmt, title=title)

    @app.command()
    def export(
        view: Annotated[str, typer.Argument(help="A warehouse view: dyad_month, events, acled_export, ...")],
        out: Annotated[Path, typer.Argument(help="Output file.")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="parquet, csv or json.")] = "parquet",
        warehouse: WarehouseOpt = None,
    ) -> None:
        """Write one view to a dashboard-ready file (DuckDB COPY)."""
        from dyadflow.warehouse import view_names

        require_choice(fmt, FORMATS, "--format")
        settings = make_settings(warehouse)
        known = view_names(settings.sql_dir)
        if view.lower() not in known:
            err_console.print(f"[red]error:[/] unknown view {view!r}; known views: {', '.join(known)}")
            raise typer.Exit(2)
        require_warehouse(settings)
        out = out.expanduser().resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        n = export_view(settings.data_dir, settings.sql_dir, view.lower(), out, fmt)
        console.print(f"wrote {n:,} rows of [cyan]{view}[/] to {out} ({fmt})")


def export_view(data_dir: Path, sql_dir: Path, view: str, out: Path, fmt: str) -> int:
    """COPY one known view to a file (written to a temp name, then renamed); returns the row count."""
    from dyadflow.warehouse import connect, view_names

    if view not in view_names(sql_dir):
        raise ValueError(f"unknown view {view!r}")
    options = {
        "parquet": "(format parquet, compression zstd)",
        "csv": "(format csv, header true)",
        "json": "(format json, array true)",
    }[fmt]
    tmp = out.with_name(f".tmp-{out.name}")
    con = connect(data_dir, sql_dir)
    try:
        target = "'" + str(tmp).replace("'", "''") + "'"
        con.execute(f"copy (select * from {view}) to {target} {options}")
        n = int(con.execute(f"select count(*) from {view}").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()
    tmp.replace(out)
    return n
