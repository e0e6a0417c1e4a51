"""`dyadflow actors ...`: what names code to (search) and which actor-like spans get no code (--unmatched)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from dyadflow.cli.common import console, err_console, jsonable, make_settings, parse_date_option, print_rows


def _period(h: Any) -> str:
    return f"{h.valid_from or '…'} – {h.valid_to or '…'}"


def _short(note: str | None, width: int = 60) -> str:
    if not note:
        return ""
    return note if len(note) <= width else note[: width - 1] + "…"


def _print_search(result: Any) -> None:
    day = result.day.isoformat() if result.day else "any date"
    if not result.actors and not result.terms and not result.partial:
        console.print(f"[yellow]{result.query!r}: no dictionary entry[/] (the coder leaves it uncoded "
                      "unless a title, apposition or place gives a country and role)")
        return
    codes = ", ".join(result.codes) or "—"
    console.print(f"[bold]{result.query}[/] on {day} → [bold green]{codes}[/]")
    if result.actors:
        rows = [(h.code + (" ◀" if h.chosen else ""), f"{h.table}.csv:{h.line}", h.actor_id, h.form, h.title or h.kind,
                 _period(h), "yes" if h.valid_on_date else "no", _short(h.note)) for h in result.actors]
        print_rows(("code", "row", "actor_id", "matched form", "title / kind", "valid", f"valid on {day}", "note"),
                   rows, "table", title="named actors (◀ = the entry the coder uses on that date)")
    if result.terms:
        rows = [(t.code, t.kind, t.key, t.label) for t in result.terms]
        print_rows(("code", "kind", "key", "name / role"), rows, "table",
                   title="countries and agents (a bare country is GOV, or MIL in a military event)")
    if result.partial:
        rows = [(h.code, f"{h.table}.csv:{h.line}", h.actor_id, h.form, _period(h)) for h in result.partial]
        print_rows(("code", "row", "actor_id", "form", "valid"), rows, "table",
                   title="no exact match; entries whose forms contain the name or are contained in it")


def register(app: typer.Typer) -> None:
    """Add the `actors` command group to the main app."""
    actors = typer.Typer(help="Actor dictionaries: search names, list unmatched actor spans.",
                         invoke_without_command=True)

    @actors.callback()
    def actors_main(
        ctx: typer.Context,
        unmatched: Annotated[bool, typer.Option("--unmatched", help="List actor-like spans of the warehouse's articles that got no code.")] = False,
        warehouse: Annotated[Path | None, typer.Option("--warehouse", "-w", help="Warehouse directory (default: warehouse/data/).")] = None,
        top: Annotated[int, typer.Option("--top", min=1, help="Show the N most frequent spans.")] = 50,
        limit: Annotated[int | None, typer.Option("--limit", min=1, help="Read at most N articles.")] = None,
        fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
        lexicon: Annotated[Path | None, typer.Option("--lexicon", help="Dictionary folder (default: seeds/).")] = None,
    ) -> None:
        """Actor dictionaries. `dyadflow actors --unmatched` lists what the dictionaries miss."""
        if ctx.invoked_subcommand is not None:
            return
        if not unmatched:
            console.print(ctx.get_help())
            raise typer.Exit(2)
        if fmt not in ("table", "csv", "json"):
            err_console.print("[red]error:[/] --format must be one of table, csv, json")
            raise typer.Exit(2)
        settings = make_settings(warehouse, lexicon=lexicon)
        from dyadflow.actors_report import unmatched_actors
        from dyadflow.geo import Gazetteer
        from dyadflow.nlp import build_nlp
        from dyadflow.pipeline import load_lexicon_for
        from dyadflow.store import ParquetStore

        store = ParquetStore(settings.data_dir, settings.schemas_dir)
        if not store.articles_dir.is_dir():
            err_console.print(f"[red]error:[/] no articles in {settings.data_dir}; run `dyadflow run` first")
            raise typer.Exit(2)
        articles = store.read_articles()[:limit] if limit else store.read_articles()
        lex = load_lexicon_for(settings)
        nlp = build_nlp(lex, model=settings.spacy_model)
        gazetteer = Gazetteer.from_package(seeds_dir=settings.seeds_dir, schemas_dir=settings.schemas_dir)
        docs = zip((a.doc_id for a in articles), nlp.pipe(a.text for a in articles), strict=True)
        found = unmatched_actors(docs, gazetteer)[:top]
        rows = [(u.count, u.n_docs, u.label, u.text, u.example) for u in found]
        print_rows(("count", "articles", "label", "span", "example"), rows, fmt,
                   title=f"actor-like spans with no code in {len(articles)} article(s)")

    @actors.command("search")
    def search_cmd(
        name: Annotated[str, typer.Argument(help="A name, alias, title or place, e.g. 'Hezbollah' or 'Kyiv'.")],
        date_: Annotated[str | None, typer.Option("--date", help="Date YYYY-MM-DD (default: any date, latest entry).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="The result as one JSON object.")] = False,
        lexicon: Annotated[Path | None, typer.Option("--lexicon", help="Dictionary folder (default: seeds/).")] = None,
    ) -> None:
        """Show what NAME codes to on a date and why (seed table and row, validity)."""
        from dataclasses import asdict

        from dyadflow.actors_report import search_name
        from dyadflow.lexicon.loader import load_lexicon, named_actor_rows

        day = parse_date_option(date_, "--date")
        settings = make_settings(lexicon=lexicon)
        seeds = settings.lexicon_dir or settings.seeds_dir
        result = search_name(name, named_actor_rows(seeds, settings.schemas_dir),
                             load_lexicon(seeds, settings.schemas_dir), day)
        if as_json:
            payload = {"query": result.query, "date": result.day, "codes": list(result.codes),
                       "actors": [asdict(h) for h in result.actors], "terms": [asdict(t) for t in result.terms],
                       "partial": [asdict(h) for h in result.partial]}
            sys.stdout.write(json.dumps(payload, default=jsonable, ensure_ascii=False) + "\n")
            return
        _print_search(result)

    app.add_typer(actors, name="actors")
