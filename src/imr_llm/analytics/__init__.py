"""Stage 8, analyse: rows written by `imr-llm extract` as the DWC's tables and charts, on DuckDB.

    >>> from imr_llm.analytics import connect, write_report
    >>> con = connect("out.jsonl", "more.parquet")
    >>> con.sql("SELECT category, count(*) FROM decisions GROUP BY ALL").fetchall()
    >>> write_report(["out.jsonl"], "report/")

Needs the ``report`` extra (duckdb, pyarrow, matplotlib); importing this package loads none of them.
"""

from ._engine import MEMORY_LIMIT, connect, query
from .report import write_report
from .tables import Report, Result

__all__ = ["MEMORY_LIMIT", "Report", "Result", "connect", "query", "write_report"]
