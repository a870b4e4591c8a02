"""Write a run folder atomically: everything appears at once, or nothing does.

Files are written into a temporary sibling folder, checksummed into ``run.json``, and the
folder is renamed into place only when complete. A lock file stops two runs writing to the
same place at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from corridorsim.errors import OutputError
from corridorsim.result import RunResult

__all__ = ["check_output_dir", "footprints_document", "output_lock", "write_parquet_chunks",
           "write_run"]

TABLES = ("summary.csv", "facilities.csv", "consignments.parquet", "legs.parquet",
          "vehicles.parquet")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_output_dir(out: Path, scenario_name: str, *, force: bool) -> None:
    """Fail early (before simulating) if ``out`` cannot or must not be written."""
    parent = out.resolve().parent
    if not parent.exists():
        raise OutputError(f"{out}: parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: parent folder {parent} is not writable")
    if out.exists():
        if not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder")
        info = out / "run.json"
        if info.exists() and not force:
            try:
                other = json.loads(info.read_text(encoding="utf-8")).get("scenario")
            except (OSError, ValueError):
                other = None
            if other != scenario_name:
                raise OutputError(
                    f"{out}: holds results of scenario {other!r}, not {scenario_name!r}; "
                    "use --force to overwrite or --out to choose another folder"
                )
        elif any(out.iterdir()) and not info.exists() and not force:
            raise OutputError(
                f"{out}: folder is not empty and holds no corridorsim results; "
                "use --force to overwrite or --out to choose another folder"
            )


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold ``<out>.lock`` for the duration; a second run aimed at ``out`` fails clearly."""
    lock = out.resolve().parent / f".{out.name}.lock"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise OutputError(
            f"{out}: another corridorsim run is writing here (lock {lock}); wait for it, "
            "or delete the lock file if no run is active"
        ) from None
    except OSError as exc:
        raise OutputError(f"{out}: cannot create lock {lock} ({exc.strerror})") from exc
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


#: Record rows (stage slots, entered or not) per chunk when the big tables are written
#: piece by piece (one Parquet row group per chunk); bounds the memory a write needs
#: whatever the size of the run. At 250k a chunk's columns (~2 MB each) mostly re-use
#: memory freed by the chunk before; at 500k most were fresh pages (10 M TEU run:
#: 17-50k page faults per write against 140-320k, about a second of system time).
CHUNK_ROWS = 250_000


#: columns whose Parquet statistics (min/max per row group) are written: those a reader
#: filters on; the others' would cost a fifth of the encoding time and serve no query
STATS_COLUMNS = ("consignment_id", "route", "route_key", "origin", "destination",
                 "stage_index", "created_h", "start_h")


def write_parquet_chunks(path: Path, tables: Iterable[pa.Table]) -> int:
    """Write Arrow tables with the same columns into one Parquet file, a row group each.

    Returns the number of rows written; one chunk is in memory at a time (the caller runs
    the two big files side by side, see :func:`_write_tables`). Text columns are
    dictionary-encoded (written from Arrow dictionary arrays as they are); the Arrow schema
    is not stored, so readers get plain text columns whatever the chunks were built from.
    """
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for table in tables:
            if writer is None:
                # dictionary-encode only the text columns: trying it on float columns
                # (which never fit a dictionary) costs more than half the write time
                text = [f.name for f in table.schema if pa.types.is_string(f.type)
                        or pa.types.is_large_string(f.type) or pa.types.is_dictionary(f.type)]
                stats = [c for c in STATS_COLUMNS if c in table.schema.names]
                writer = pq.ParquetWriter(path, table.schema, use_dictionary=text or False,
                                          write_statistics=stats or False,
                                          store_schema=False)
            elif not table.schema.equals(writer.schema, check_metadata=False):
                raise OutputError(f"{path.name}: chunk columns differ from the first chunk's "
                                  "(a bug in corridorsim)")
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows


def _write_tables(res: RunResult, tmp: Path,
                  extras: list[Callable[[RunResult, Path], list[Path]]] | None = None
                  ) -> dict[str, str]:
    """Every table, then the ``extras`` (map, report); returns the SHA-256 of the two big
    Parquet files. Each big file is encoded in a background thread (Parquet releases the
    GIL; each file is single-threaded) while another thread builds its next chunk
    (:func:`_built_ahead`), and this thread writes the small tables and runs the extras,
    which only read the result; each file's bytes are the same as written one after the
    other, chunk by chunk."""
    names = ("legs.parquet", "consignments.parquet")
    # four threads: a writer per file and the chunk each has building ahead (a writer
    # waits on its builder, so fewer threads could leave a builder queued behind it)
    with ThreadPoolExecutor(max_workers=2 * len(names),
                            thread_name_prefix="corridorsim-parquet") as pool:
        big = [pool.submit(_write_hashed, tmp / name, _built_ahead(
                   res.arrow_chunks(name.removesuffix(".parquet"), CHUNK_ROWS), pool))
               for name in names]
        try:
            _write_small_tables(res, tmp)
            for writer in extras or []:
                writer(res, tmp)
        finally:  # a failed write raises here; the folder is then removed whole
            digests = [f.result() for f in big]
    return dict(zip(names, digests, strict=True))


def _write_hashed(path: Path, tables: Iterable[pa.Table]) -> str:
    """:func:`write_parquet_chunks`, then the file's SHA-256 (read back while cached)."""
    write_parquet_chunks(path, tables)
    return _sha256(path)


def _built_ahead(chunks: Iterator[pa.Table], pool: ThreadPoolExecutor) -> Iterator[pa.Table]:
    """``chunks`` in order, each built in ``pool`` while the caller encodes the one before
    (one chunk ahead: building and encoding a big table take about as long)."""
    nxt = pool.submit(next, chunks, None)
    try:
        while (table := nxt.result()) is not None:
            nxt = pool.submit(next, chunks, None)
            yield table
    finally:  # the writer stopped (done, or failed): no chunk left building behind it
        if not nxt.cancel():
            nxt.exception()  # waits; an error there is the writer's to report, or moot


def _write_small_tables(res: RunResult, tmp: Path) -> None:
    res.summary.to_csv(tmp / "summary.csv", index=False, float_format="%.6f")
    res.facilities.to_csv(tmp / "facilities.csv", index=False, float_format="%.6f")
    res.vehicles.to_parquet(tmp / "vehicles.parquet", index=False)
    for name, df in res.extra_tables.items():
        if name.endswith(".csv"):
            df.to_csv(tmp / name, index=False, float_format="%.6f")
        else:
            df.to_parquet(tmp / name, index=False)
    if res.footprints:
        (tmp / "footprints.json").write_text(json.dumps(footprints_document(res), indent=2)
                                             + "\n", encoding="utf-8")


def footprints_document(res: RunResult) -> dict[str, Any]:
    """The content of ``footprints.json``: one iLEAP / PACT ShipmentFootprint per route
    instance (a 1-TEU shipment at the instance's mean per-TEU emissions, one transport
    chain element per stage), ordered by route family, origin and destination, and
    ``routes``: the ``route`` (family), ``origin`` and ``destination`` of each footprint's
    ``shipmentId``, in the same order (the iLEAP objects themselves stay as specified)."""
    def who(key: str) -> tuple[str, str, str]:
        inst = res.routes.get(key)
        return (inst.family, inst.origin, inst.destination) if inst is not None else (key, "", "")

    keys = sorted(res.footprints, key=who)
    fps = [res.footprints[k] for k in keys]
    return {"schema": "iLEAP ShipmentFootprint (PACT Technical Specification extension)",
            "scenario": res.scenario.name, "seed": res.scenario.seed,
            "shipmentFootprints": fps,
            "routes": [{"shipmentId": fp["shipmentId"], "route": f, "origin": o or None,
                        "destination": d or None}
                       for fp, (f, o, d) in zip(fps, map(who, keys), strict=True)]}


def write_run(
    res: RunResult,
    out: Path,
    *,
    extras: list[Callable[[RunResult, Path], list[Path]]] | None = None,
) -> list[Path]:
    """Write every output of ``res`` into ``out``; return the paths written.

    ``extras`` are writers (map, report) called with the temporary folder.
    """
    out = Path(out)
    parent = out.resolve().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    try:
        digests = _write_tables(res, tmp, extras)
        files = sorted(p.name for p in tmp.iterdir() if p.is_file())
        info = dict(res.info)
        info["outputs"] = {name: digests.get(name) or _sha256(tmp / name) for name in files}
        (tmp / "run.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n",
                                      encoding="utf-8")
        backup = None
        if out.exists():
            backup = parent / f".{out.name}.old"
            if backup.exists():
                shutil.rmtree(backup)
            out.rename(backup)
        tmp.rename(out)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / name for name in sorted(p.name for p in out.iterdir())]


def read_summary(run_dir: Path) -> pd.DataFrame:
    """Read a run folder's ``summary.csv`` (for ``compare``)."""
    path = Path(run_dir) / "summary.csv"
    if not path.exists():
        raise OutputError(f"{run_dir}: no summary.csv; is this a corridorsim results folder?")
    return pd.read_csv(path)
