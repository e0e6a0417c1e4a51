"""dyadflow: political event data (CAMEO / ACLED) from news text into Parquet and DuckDB."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dyadflow")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
