"""The jobs of a batch: read from a manifest (CSV or JSON) or paired by file name.

A job is one ``raresight score`` run: ``targets`` (and ``references``), a ``method`` and its
``params``, and an output ``name`` (the files ``NAME.tif``, ``NAME.tif.json`` and ``NAME.gpkg`` in
the batch's output folder).

JSON: a list of objects, or ``{"jobs": [...]}``; each object has ``targets`` (a path or a list),
optional ``references``, ``method``, ``params`` (an object) and ``name`` (or ``output``).

CSV: a header row with ``targets`` and optional ``references``, ``method``, ``params`` and ``name``
(or ``output``) columns; several files are separated by ``;``, parameters are ``KEY=VALUE`` pairs
separated by ``;``.

Relative paths are relative to the manifest's folder. Without a name a job is called after its first
target's file name. Names must be unique and plain (letters, digits, ``-``, ``_``, ``.``).
"""

from __future__ import annotations

import csv
import fnmatch
import glob
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Job:
    name: str
    targets: tuple[str, ...]
    references: tuple[str, ...] = ()
    method: str = "rx"
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"], d["references"] = list(self.targets), list(self.references)
        return d


def read_manifest(path: str | os.PathLike[str], method: str = "rx") -> list[Job]:
    """The jobs of a CSV or JSON manifest; ``method`` is the default of rows without one.

    Raises:
        InputError: the file cannot be read or a row is malformed (which row, and why).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the job manifest {p} ({exc}).") from None
    rows = _json_rows(text, p) if p.suffix.lower() == ".json" else _csv_rows(text, p)
    if not rows:
        raise InputError(f"The job manifest {p} lists no job.")
    jobs = [_job(row, p.parent, method, f"{p.name}, job {i + 1}") for i, row in enumerate(rows)]
    return _unique(jobs, str(p))


def pair_by_name(post: str, pre: str | None, method: str, params: dict[str, Any]) -> list[Job]:
    """Jobs from file patterns with one ``*`` each: the post files of ``post`` (e.g.
    ``post/*_S2.tif``), each with the pre file of ``pre`` whose ``*`` matched the same text; the job
    is named after that text.

    Raises:
        InputError: a pattern without exactly one ``*``, no file, or a post file without its pre.
    """
    for pattern in (post, pre):
        if pattern is not None and pattern.count("*") != 1:
            raise InputError(
                f"The pattern {pattern!r} must hold exactly one '*' (the part that pairs files)."
            )
    posts = _matches(post)
    if not posts:
        raise InputError(f"No file matches {post!r}.")
    pres = _matches(pre) if pre else {}
    jobs = []
    for key, path in sorted(posts.items()):
        if pre and key not in pres:
            raise InputError(f"{path} has no pre-event file: nothing matches {pre.replace('*', key)!r}.")
        refs = (pres[key],) if pre else ()
        jobs.append(Job(_plain(key, path), (path,), refs, method, dict(params)))
    return _unique(jobs, post)


def _matches(pattern: str) -> dict[str, str]:
    """``{text matched by the '*': path}`` of the files matching ``pattern``."""
    head, tail = pattern.split("*")
    out = {}
    for path in glob.glob(pattern):
        if os.path.isfile(path) and fnmatch.fnmatchcase(path, pattern):
            out[path[len(head) : len(path) - len(tail)]] = os.path.abspath(path)
    return out


def _json_rows(text: str, path: Path) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"The job manifest {path} is not valid JSON ({exc}).") from None
    rows = data.get("jobs") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(f'The job manifest {path} must be a list of job objects (or {{"jobs": [...]}}).')
    return rows


def _csv_rows(text: str, path: Path) -> list[dict]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "targets" not in [f.strip() for f in reader.fieldnames]:
        raise InputError(f"The job manifest {path} needs a header row with a 'targets' column.")
    rows = []
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        row["targets"] = _split(row.get("targets", ""))
        row["references"] = _split(row.get("references", ""))
        row["params"] = _params(row.get("params", ""), path)
        rows.append({k: v for k, v in row.items() if v not in ("", [], {})})
    return rows


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _params(text: str, path: Path) -> dict[str, str]:
    out = {}
    for pair in _split(text):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"In {path}, parameter {pair!r} is not KEY=VALUE.")
        out[key.strip()] = value.strip()
    return out


def _job(row: dict, folder: Path, method: str, where: str) -> Job:
    unknown = set(row) - {"name", "output", "targets", "references", "method", "params"}
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    targets, references = _paths(row.get("targets"), folder), _paths(row.get("references", []), folder)
    if not targets:
        raise InputError(f"{where}: no target.")
    params = row.get("params") or {}
    if not isinstance(params, dict):
        raise InputError(f"{where}: params must be an object of KEY: VALUE.")
    name = row.get("name") or row.get("output") or Path(targets[0]).stem
    return Job(_plain(str(name), where), targets, references, str(row.get("method") or method), dict(params))


def _paths(value: Any, folder: Path) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value or [])
    return tuple(str((folder / str(v)).resolve()) if not os.path.isabs(str(v)) else str(v) for v in items)


def _plain(name: str, where: str) -> str:
    name = name.removesuffix(".tif")
    if not _NAME.match(name):
        raise InputError(
            f"{where}: the job name {name!r} must be letters, digits, '-', '_' or '.' (it names the outputs)."
        )
    return name


def _unique(jobs: list[Job], where: str) -> list[Job]:
    seen: set[str] = set()
    for job in jobs:
        if job.name in seen:
            raise InputError(f"{where}: two jobs are named {job.name!r}; their outputs would collide.")
        seen.add(job.name)
    return jobs
