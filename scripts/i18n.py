"""Translations of the plugin's user-visible strings: find them, keep the .ts files in step, compile.

    python3 scripts/i18n.py extract [--json]
    python3 scripts/i18n.py update [--lang fr] [--drop-vanished]
    python3 scripts/i18n.py compile [--force]
    python3 scripts/i18n.py check [--lang fr]

Options common to every command: ``--root DIR`` (the plugin folder; default: this repository).

``extract``
    Every ``tr("literal")`` and ``QCoreApplication.translate("RareSight", "literal")`` in
    ``plugin/**/*.py`` and the root ``__init__.py``, with file and line. A ``tr(...)`` whose argument
    is not a string literal cannot be found by this tool, so it is reported on stderr.
``update``
    Writes ``i18n/raresight_<lang>.ts`` (Qt Linguist TS 2.1, context ``RareSight``): translations
    of strings still in the code are kept, new strings are added as unfinished, and strings gone
    from the code are kept as ``vanished`` (finished ones) or ``obsolete`` (unfinished drafts) until
    ``--drop-vanished``; unfinished strings without a draft are simply dropped. Messages are sorted
    by source text and the file is only rewritten when its content changes, so a second run is a
    no-op. Without ``--lang``, every existing ``.ts`` is refreshed (French when there is none).
``compile``
    ``lrelease`` every ``i18n/*.ts`` into the ``.qm`` beside it (finished translations only),
    skipping those whose ``.qm`` is already newer than the ``.ts`` unless ``--force``. Silent when
    there is nothing to do.
``check``
    Exit status 1, with one line per problem, when a string of the code has no finished
    translation, or when a translation's ``{placeholders}`` (or Qt ``%1`` markers) differ from its
    source's; 0 otherwise.

Standard library only: runs with /usr/bin/python3 or the project venv, without QGIS.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import string
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = "RareSight"
PREFIX = "raresight"
DEFAULT_LANG = "fr"
#: Country used in the TS ``language`` attribute when it is not simply the language in capitals.
COUNTRY = {"en": "US", "ja": "JP", "zh": "CN", "ko": "KR", "sv": "SE", "da": "DK", "cs": "CZ",
           "el": "GR", "uk": "UA", "nb": "NO", "sl": "SI", "et": "EE", "he": "IL", "vi": "VN"}
#: Characters XML 1.0 cannot hold, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

FINISHED, UNFINISHED, VANISHED, OBSOLETE = "finished", "unfinished", "vanished", "obsolete"


class I18nError(Exception):
    """A problem worth one line on stderr and a non-zero exit."""


def warn(message: str) -> None:
    print(f"i18n: warning: {message}", file=sys.stderr)


# --------------------------------------------------------------------------------------------- extract


@dataclass
class Found:
    """One translatable string of the code and where it appears."""

    source: str
    locations: list[tuple[str, int]] = field(default_factory=list)


def source_files(root: Path) -> list[Path]:
    """The Python files whose strings are translated: ``plugin/**/*.py`` and ``__init__.py``."""
    files = sorted(p for p in (root / "plugin").rglob("*.py") if "__pycache__" not in p.parts)
    init = root / "__init__.py"
    if init.is_file():
        files.insert(0, init)
    return [p for p in files if p.is_file()]


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_tr(func: ast.AST) -> bool:
    """``tr(...)``, or ``i18n.tr(...)`` (the module imported under its own name)."""
    if isinstance(func, ast.Name):
        return func.id == "tr"
    return (isinstance(func, ast.Attribute) and func.attr == "tr" and isinstance(func.value, ast.Name)
            and func.value.id == "i18n")


def _is_translate(func: ast.AST) -> bool:
    """``QCoreApplication.translate(...)`` (possibly reached through a module, ``QtCore.QCoreApplication``)."""
    if not (isinstance(func, ast.Attribute) and func.attr == "translate"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Name) and owner.id == "QCoreApplication") or (
        isinstance(owner, ast.Attribute) and owner.attr == "QCoreApplication")


def extract_file(path: Path, rel: str) -> tuple[list[tuple[str, int]], list[str]]:
    """``([(source, line), ...], [warning, ...])`` for one file."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=rel)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        return [], [f"{rel}: skipped, cannot be parsed ({exc.__class__.__name__}: {exc})"]
    found: list[tuple[str, int]] = []
    warnings: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _is_tr(node.func):
            message = _literal(node.args[0]) if node.args else None
            if message is None:
                warnings.append(f"{rel}:{node.lineno}: tr() argument is not a string literal; "
                                "it cannot be extracted or translated")
            else:
                found.append((message, node.lineno))
        elif _is_translate(node.func) and len(node.args) >= 2:
            context, message = _literal(node.args[0]), _literal(node.args[1])
            if context == CONTEXT and message is not None:
                found.append((message, node.lineno))
            elif context == CONTEXT:
                warnings.append(f"{rel}:{node.lineno}: QCoreApplication.translate() message is not a "
                                "string literal; it cannot be extracted")
    return found, warnings


def extract(root: Path, report: bool = True) -> dict[str, Found]:
    """Every translatable string under ``root``, by source text, with its locations (sorted)."""
    strings: dict[str, Found] = {}
    for path in source_files(root):
        rel = path.relative_to(root).as_posix()
        found, warnings = extract_file(path, rel)
        if report:
            for w in warnings:
                warn(w)
        for message, line in found:
            if _XML_INVALID.search(message):
                if report:
                    warn(f"{rel}:{line}: string has control characters a .ts file cannot hold; skipped")
                continue
            strings.setdefault(message, Found(message)).locations.append((rel, line))
    for item in strings.values():
        item.locations.sort()
    return dict(sorted(strings.items()))


# ------------------------------------------------------------------------------------------------ .ts


@dataclass
class Message:
    source: str
    translation: str = ""
    state: str = UNFINISHED
    locations: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class TsFile:
    language: str
    messages: dict[str, Message]


def ts_path(root: Path, lang: str) -> Path:
    return root / "i18n" / f"{PREFIX}_{lang}.ts"


def ts_language(lang: str) -> str:
    """The TS ``language`` attribute: ``fr`` -> ``fr_FR``."""
    return f"{lang}_{COUNTRY.get(lang, lang.upper())}"


def read_ts(path: Path) -> TsFile:
    """The ``RareSight`` context of a .ts file (other contexts are ignored, with a warning)."""
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError) as exc:
        raise I18nError(f"cannot read {path}: {exc}") from exc
    ts = tree.getroot()
    if ts.tag != "TS":
        raise I18nError(f"{path} is not a Qt Linguist file (root element <{ts.tag}>)")
    messages: dict[str, Message] = {}
    for context in ts.findall("context"):
        name = context.findtext("name") or ""
        if name != CONTEXT:
            warn(f"{path.name}: context {name!r} ignored (the plugin only uses {CONTEXT!r})")
            continue
        for msg in context.findall("message"):
            source = msg.findtext("source")
            if source is None:
                continue
            node = msg.find("translation")
            if node is None:
                messages[source] = Message(source)
                continue
            state = {"": FINISHED, "unfinished": UNFINISHED, "vanished": VANISHED,
                     "obsolete": OBSOLETE}.get(node.get("type", ""), UNFINISHED)
            messages[source] = Message(source, node.text or "", state)
    return TsFile(ts.get("language", ""), messages)


def _escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def render_ts(ts: TsFile) -> str:
    """The .ts text: present messages by source, then vanished and obsolete ones by source."""
    ordered = sorted(ts.messages.values(),
                     key=lambda m: (m.state in (VANISHED, OBSOLETE), m.source))
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
           f'<TS version="2.1" language="{_escape(ts.language, True)}">', "<context>",
           f"    <name>{CONTEXT}</name>"]
    for m in ordered:
        out.append("    <message>")
        for filename, line in m.locations:
            out.append(f'        <location filename="{_escape("../" + filename, True)}" line="{line}"/>')
        out.append(f"        <source>{_escape(m.source)}</source>")
        kind = "" if m.state == FINISHED else f' type="{m.state}"'
        out.append(f"        <translation{kind}>{_escape(m.translation)}</translation>")
        out.append("    </message>")
    out += ["</context>", "</TS>", ""]
    return "\n".join(out)


def _file_mode(path: Path) -> int:
    """``path``'s permissions when it exists, else the umask's default for a new file."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` (UTF-8, atomically) unless the file already holds exactly that; True if written."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def merge(old: TsFile, strings: dict[str, Found], drop_vanished: bool) -> TsFile:
    """``old``'s translations, brought in step with the strings of the code."""
    messages: dict[str, Message] = {}
    for source, found in strings.items():
        prev = old.messages.get(source)
        if prev is None:
            messages[source] = Message(source, "", UNFINISHED, list(found.locations))
            continue
        state = {VANISHED: FINISHED, OBSOLETE: UNFINISHED}.get(prev.state, prev.state)
        messages[source] = Message(source, prev.translation, state, list(found.locations))
    if not drop_vanished:
        for source, prev in old.messages.items():
            if source in strings:
                continue
            if prev.state in (FINISHED, VANISHED):
                messages[source] = Message(source, prev.translation, VANISHED)
            elif prev.translation:  # an unfinished draft: kept, out of the way
                messages[source] = Message(source, prev.translation, OBSOLETE)
    return TsFile(old.language, messages)


def languages(root: Path, requested: list[str] | None) -> list[str]:
    """The requested languages, else those with a .ts file, else French."""
    if requested:
        for lang in requested:
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise I18nError(f"--lang {lang!r}: expected a two- or three-letter language code, like fr")
        return sorted(set(requested))
    existing = sorted(p.stem[len(PREFIX) + 1:] for p in (root / "i18n").glob(f"{PREFIX}_*.ts"))
    return existing or [DEFAULT_LANG]


def cmd_extract(root: Path, as_json: bool) -> int:
    strings = extract(root)
    if as_json:
        print(json.dumps({s: [f"{f}:{n}" for f, n in v.locations] for s, v in strings.items()},
                         ensure_ascii=False, indent=1))
    else:
        for item in strings.values():
            where = ", ".join(f"{f}:{n}" for f, n in item.locations)
            print(f"{where}\t{item.source!r}")
        print(f"i18n: {len(strings)} string(s)", file=sys.stderr)
    return 0


def cmd_update(root: Path, langs: list[str] | None, drop_vanished: bool) -> int:
    strings = extract(root)
    for lang in languages(root, langs):
        path = ts_path(root, lang)
        old = read_ts(path) if path.is_file() else TsFile(ts_language(lang), {})
        if not old.language:
            old.language = ts_language(lang)
        new = merge(old, strings, drop_vanished)
        counts = {s: sum(m.state == s for m in new.messages.values())
                  for s in (FINISHED, UNFINISHED, VANISHED, OBSOLETE)}
        changed = write_if_changed(path, render_ts(new))
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        print(f"i18n: {rel} {'updated' if changed else 'unchanged'} ({summary or 'empty'})")
    return 0


# -------------------------------------------------------------------------------------------- compile


def find_lrelease() -> str | None:
    for candidate in (shutil.which("lrelease"), "/usr/lib/qt5/bin/lrelease"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def cmd_compile(root: Path, force: bool) -> int:
    todo = []
    for ts in sorted((root / "i18n").glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if force or not qm.is_file() or qm.stat().st_mtime_ns <= ts.stat().st_mtime_ns:
            todo.append((ts, qm))
    if not todo:
        return 0
    lrelease = find_lrelease()
    if lrelease is None:
        raise I18nError("lrelease not found (on PATH or /usr/lib/qt5/bin); install qttools5-dev-tools")
    for ts, qm in todo:
        fd, tmp = tempfile.mkstemp(dir=qm.parent, prefix=f".{qm.name}.", suffix=".part")
        os.close(fd)
        try:
            run = subprocess.run([lrelease, "-silent", "-nounfinished", str(ts), "-qm", tmp],
                                 capture_output=True, text=True)
            if run.returncode != 0 or not Path(tmp).stat().st_size:
                detail = (run.stderr or run.stdout).strip().splitlines()
                raise I18nError(f"lrelease failed on {ts.name}: {detail[-1] if detail else run.returncode}")
            os.chmod(tmp, _file_mode(qm))
            os.replace(tmp, qm)
        finally:
            Path(tmp).unlink(missing_ok=True)
        print(f"i18n: compiled {qm.relative_to(root).as_posix()}")
    return 0


# ---------------------------------------------------------------------------------------------- check


def placeholders(text: str) -> list[str]:
    """The ``{fields}`` (with their format specs) and Qt ``%1`` markers of ``text``, sorted."""
    fields: list[str] = []
    try:
        for _, name, spec, conversion in string.Formatter().parse(text):
            if name is not None:
                fields.append("{" + name + (f"!{conversion}" if conversion else "")
                              + (f":{spec}" if spec else "") + "}")
    except ValueError:  # unbalanced braces: compare the raw brace groups instead
        fields = re.findall(r"\{[^{}]*\}", text)
    fields += re.findall(r"%L?\d+", text)
    return sorted(fields)


def cmd_check(root: Path, langs: list[str] | None) -> int:
    strings = extract(root)
    problems: list[str] = []
    for lang in languages(root, langs):
        path = ts_path(root, lang)
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        if not path.is_file():
            if strings:
                problems.append(f"{rel}: missing (run: python3 scripts/i18n.py update --lang {lang})")
            continue
        messages = read_ts(path).messages
        for source, found in strings.items():
            where = "{}:{}".format(*found.locations[0])
            m = messages.get(source)
            if m is None or m.state in (VANISHED, OBSOLETE):
                problems.append(f"{rel}: {where}: {source!r} is not in the .ts (run update)")
            elif m.state != FINISHED or not m.translation:
                problems.append(f"{rel}: {where}: {source!r} has no finished translation")
            elif placeholders(source) != placeholders(m.translation):
                problems.append(f"{rel}: {where}: {source!r}: placeholders differ in the translation "
                                f"({', '.join(placeholders(source)) or 'none'} vs "
                                f"{', '.join(placeholders(m.translation)) or 'none'})")
    for line in problems:
        print(line)
    if problems:
        print(f"i18n: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"i18n: {len(strings)} string(s), all translated")
    return 0


# ------------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="i18n.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="plugin folder (default: this repository)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="list the translatable strings of the code")
    p.add_argument("--json", action="store_true", help="JSON: {source: [file:line, ...]}")
    p = sub.add_parser("update", help="write/refresh i18n/raresight_<lang>.ts")
    p.add_argument("--lang", action="append", help="language code (repeatable; default: existing .ts, else fr)")
    p.add_argument("--drop-vanished", action="store_true", help="remove strings no longer in the code")
    p = sub.add_parser("compile", help="lrelease every i18n/*.ts into .qm")
    p.add_argument("--force", action="store_true", help="compile even when the .qm is up to date")
    p = sub.add_parser("check", help="exit 1 when a string of the code lacks a finished translation")
    p.add_argument("--lang", action="append", help="language code (repeatable; default: existing .ts, else fr)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "extract":
            return cmd_extract(root, args.json)
        if args.command == "update":
            return cmd_update(root, args.lang, args.drop_vanished)
        if args.command == "compile":
            return cmd_compile(root, args.force)
        return cmd_check(root, args.lang)
    except I18nError as exc:
        print(f"i18n: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
