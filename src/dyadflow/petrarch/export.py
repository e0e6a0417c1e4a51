"""Write PETRARCH dictionaries as native seed tables (what `dyadflow lexicon import-petrarch` does)."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from dyadflow.petrarch.dictionaries import Diagnostic, read_dictionary_folder
from dyadflow.petrarch.lexicon import to_native
from dyadflow.seeds import seed_path

NOTES_FILE = "PETRARCH_IMPORT_NOTES.txt"


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote and what could not be expressed in the native tables."""

    out_dir: Path
    counts: dict[str, int]
    diagnostics: tuple[Diagnostic, ...]
    not_native: tuple[str, ...]


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    tmp.replace(path)


def import_petrarch(lexicon_dir: Path, out_dir: Path, *, seeds_dir: Path) -> ImportReport:
    """Convert a PETRARCH dictionary folder into native seeds in `out_dir`.

    Writes countries.csv, actors.csv, agents.csv, verb_patterns.jsonl, copies the CAMEO code
    table from `seeds_dir`, and lists every entry the native format cannot express in
    PETRARCH_IMPORT_NOTES.txt (multi-word patterns with slots, non-CAMEO codes, prefix agents...).
    """
    d = read_dictionary_folder(Path(lexicon_dir))
    countries, actors, agents, patterns, notes = to_native(d)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "countries.csv", ["code", "iso3", "name", "aliases", "demonyms", "capitals"],
               [[c.code, "", c.name, "|".join(c.aliases), "|".join(c.demonyms), "|".join(c.capitals)]
                for c in sorted(countries, key=lambda c: c.code)])
    _write_csv(out / "actors.csv",
               ["actor_id", "name", "aliases", "code", "country", "role", "kind", "title", "valid_from", "valid_to", "note"],
               [[a.actor_id, a.name, "|".join(a.aliases), a.code, a.country, a.role, a.kind, a.title,
                 a.valid_from.isoformat() if a.valid_from else None, a.valid_to.isoformat() if a.valid_to else None,
                 "imported from PETRARCH"] for a in actors])
    _write_csv(out / "agents.csv", ["term", "role", "kind", "person", "note"],
               [[g.term, g.role, g.kind, "true" if g.person else "false", "imported from PETRARCH"] for g in agents])
    tmp = out / "verb_patterns.jsonl.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        for p in patterns:
            rec: dict[str, object] = {"id": p.id, "lemma": p.lemma, "pos": p.pos, "code": p.code}
            if p.obj:
                rec["obj"] = "|".join(p.obj)
            if p.particle:
                rec["particle"] = p.particle
            if p.symmetric:
                rec["symmetric"] = True
            if p.note:
                rec["note"] = p.note
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    tmp.replace(out / "verb_patterns.jsonl")
    cameo = seed_path(Path(seeds_dir), "cameo_event_codes")
    shutil.copyfile(cameo, out / cameo.name)
    lines = [str(x) for x in d.diagnostics] + [f"not native: {n}" for n in notes]
    (out / NOTES_FILE).write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    counts = {"countries": len(countries), "actors": len(actors), "agents": len(agents), "verb_patterns": len(patterns)}
    return ImportReport(out, counts, d.diagnostics, tuple(notes))
