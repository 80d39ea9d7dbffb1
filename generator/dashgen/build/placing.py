"""Where a problem is: the file and line of the value it is about.

A problem from ``dashgen.model.validate`` carries the JSON path of its value; the loader's
``LoadedDocument.locate`` turns paths into (file, line) (View JSON: the position scanner;
Jinja: the rendered line, then the template line that wrote it). Without one (Python
sources), a panel's title is looked for in the source text, else the dashboard's own line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import orjson

from dashgen.model.validate import JsonPath, Problem
from dashgen.sources import LoadedDocument, Source


def place(loaded: LoadedDocument, pointer: JsonPath, source: Source) -> tuple[str, int | None]:
    """Where a JSON path of the document is written: (file, line)."""
    if loaded.locate is not None:
        found = loaded.locate([pointer]).get(pointer)
        if found is not None:
            return found
    return source.rel, loaded.line


def placed(
    problems: list[Problem],
    loaded: LoadedDocument,
    source: Source,
    line: int | None,
    prefix: JsonPath,
) -> list[Problem]:
    """Each problem with the file and line of the value it is about (the loader's map from
    JSON paths to lines), else of the panel title it names, else where the dashboard starts."""
    pointers = [(*prefix, *p.pointer) for p in problems if p.pointer is not None]
    places = loaded.locate(pointers) if pointers and loaded.locate is not None else {}
    result = []
    for problem in problems:
        found = places.get((*prefix, *problem.pointer)) if problem.pointer is not None else None
        if found is None:
            near = _near_title(loaded, problem.subject, line)
            result.append(problem.located(Path(source.rel), near))
            continue
        path, found_line = found
        message = problem.message
        if path != source.rel:  # written by an included template
            message += f" (in the output of {source.rel})"
        result.append(replace(problem, message=message, path=Path(path), line=found_line))
    return result


def _near_title(loaded: LoadedDocument, subject: str | None, line: int | None) -> int | None:
    """The line of a panel's title in the source text, else where the dashboard starts."""
    if subject and loaded.text:
        needle = orjson.dumps(subject).decode()
        position = loaded.text.find(f'"title": {needle}')
        if position < 0:
            position = loaded.text.find(needle)
        if position >= 0:
            return loaded.text.count("\n", 0, position) + 1
    return line
