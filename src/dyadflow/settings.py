"""One typed settings object, built at the entry point and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ENV_PREFIX = "DYADFLOW_"
# The one document-size limit: no setting may exceed it; the parser's max_length is set to it
# (dyadflow.nlp.MAX_LENGTH), so an extracted article always fits the coder.
MAX_DOC_CHARS = 2_000_000


def _default_project_dir() -> Path:
    """The checkout that holds seeds/, schemas/, warehouse/ (src/dyadflow/../..)."""
    here = Path(__file__).resolve()
    candidate = here.parents[2]
    if (candidate / "seeds").is_dir() and (candidate / "schemas").is_dir():
        return candidate
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    """Paths and options of one dyadflow run. Env vars DYADFLOW_<FIELD> override defaults."""

    project_dir: Path = field(default_factory=_default_project_dir)
    warehouse_dir: Path | None = None
    input_paths: tuple[Path, ...] = ()
    lexicon_dir: Path | None = None
    lexicon_format: str = "native"
    max_file_bytes: int = 50 * 1024 * 1024
    max_doc_chars: int = 500_000  # longer texts are rejected at extract; at most MAX_DOC_CHARS
    max_sentence_chars: int = 20_000  # a run of text without a sentence end longer than this is rejected
    batch_size: int = 64
    task_runner: str = "local"  # where coding batches run: local (this machine) or dask (prefect-dask)
    workers: int = 1  # local: worker processes (1 = in the flow's process); dask: LocalCluster workers
    dask_address: str | None = None  # dask: tcp://HOST:8786 of a running scheduler (else a LocalCluster)
    spacy_model: str | None = None
    # languages that have a model configured: articles in other languages are rejected with a reason
    languages: tuple[str, ...] = ("en",)
    # when set, the load flow rewrites this dashboard (dyadflow dashboard) after every load
    dashboard_path: Path | None = None
    # the learned back-off inside the coder (dyadflow.coder.backoff_stage): unmatched verbs with an
    # identified source and target coded by the sentence encoder; off by default (BENCHMARKS.md)
    backoff: bool = False
    backoff_threshold: float | None = None  # minimum probability; None: the one calibrated on the examples
    cache_dir: Path | None = None  # the back-off's trained classifier (default ~/.cache/dyadflow)

    def __post_init__(self) -> None:
        if not 1 <= self.max_doc_chars <= MAX_DOC_CHARS:
            raise ValueError(f"max_doc_chars (DYADFLOW_MAX_DOC_CHARS) must be at most {MAX_DOC_CHARS} "
                             f"(the coder's limit) and at least 1, got {self.max_doc_chars}")

    @property
    def seeds_dir(self) -> Path:
        return self.project_dir / "seeds"

    @property
    def schemas_dir(self) -> Path:
        return self.project_dir / "schemas"

    @property
    def sql_dir(self) -> Path:
        return self.project_dir / "warehouse"

    @property
    def examples_dir(self) -> Path:
        return self.project_dir / "examples" / "corpus"

    @property
    def backoff_cache_dir(self) -> Path:
        return self.cache_dir or Path.home() / ".cache" / "dyadflow"

    @property
    def data_dir(self) -> Path:
        return self.warehouse_dir or (self.project_dir / "warehouse" / "data")

    @property
    def duckdb_path(self) -> Path:
        from dyadflow.location import local_db_path

        return local_db_path(self.data_dir, "dyadflow.duckdb")  # a local cache file for object storage

    @property
    def default_inputs(self) -> tuple[Path, ...]:
        return self.input_paths or (self.examples_dir,)

    def with_overrides(self, **kwargs: object) -> Settings:
        """A copy with the given non-None fields replaced."""
        clean = {k: v for k, v in kwargs.items() if v is not None}
        return replace(self, **clean)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults overridden by DYADFLOW_* environment variables."""
        env = os.environ if environ is None else environ
        kw: dict[str, object] = {}
        if v := env.get(ENV_PREFIX + "PROJECT_DIR"):
            kw["project_dir"] = Path(v).expanduser().resolve()
        if v := env.get(ENV_PREFIX + "WAREHOUSE"):
            from dyadflow.location import resolve_location

            kw["warehouse_dir"] = resolve_location(v)  # a folder, or an fsspec URL such as s3://bucket/prefix
        if v := env.get(ENV_PREFIX + "INPUT"):
            kw["input_paths"] = tuple(Path(p).expanduser().resolve() for p in v.split(os.pathsep) if p)
        if v := env.get(ENV_PREFIX + "LEXICON"):
            kw["lexicon_dir"] = Path(v).expanduser().resolve()
        if v := env.get(ENV_PREFIX + "LEXICON_FORMAT"):
            kw["lexicon_format"] = v
        if v := env.get(ENV_PREFIX + "PROCESSES"):  # the former name of DYADFLOW_WORKERS
            kw["workers"] = int(v)
        if v := env.get(ENV_PREFIX + "TASK_RUNNER"):
            kw["task_runner"] = v
        if v := env.get(ENV_PREFIX + "DASK_ADDRESS"):
            kw["dask_address"] = v
        for name in ("max_file_bytes", "max_doc_chars", "max_sentence_chars", "batch_size", "workers"):
            if v := env.get(ENV_PREFIX + name.upper()):
                kw[name] = int(v)
        if v := env.get(ENV_PREFIX + "SPACY_MODEL"):
            kw["spacy_model"] = v
        if v := env.get(ENV_PREFIX + "LANGUAGES"):
            kw["languages"] = tuple(x.strip().lower() for x in v.split(",") if x.strip())
        if v := env.get(ENV_PREFIX + "BACKOFF"):
            kw["backoff"] = v.strip().lower() in ("1", "true", "yes", "on")
        if v := env.get(ENV_PREFIX + "BACKOFF_THRESHOLD"):
            kw["backoff_threshold"] = float(v)
        if v := env.get(ENV_PREFIX + "CACHE_DIR"):
            kw["cache_dir"] = Path(v).expanduser().resolve()
        if v := env.get(ENV_PREFIX + "DASHBOARD"):
            kw["dashboard_path"] = Path(v).expanduser().resolve()
        return cls(**kw)  # type: ignore[arg-type]
