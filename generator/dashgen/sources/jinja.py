"""Jinja2 sources (``*.json.j2``): templates rendered to dashboard JSON, once per org.

Includes, imports and extends resolve against ``templates/`` first, then the sources
dir. Variables: the config's global ``[vars]``, then the org's vars, then ``--var``;
``org`` (the org name) and ``folder`` (its folder title) are always defined. Undefined
names are errors (``StrictUndefined``); ``tojson`` writes any value as JSON.

Compiling a template costs about ten times as much as rendering it, so compiled code is
cached in ``<output>/.cache/jinja/`` (keyed by name and checked against a checksum of the
template text): after a macro edit only the macro is compiled again. New entries are
handed to the build, which writes them only when the build succeeds.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from dashgen.errors import SourceError
from dashgen.sources import CACHE_FILES, LoadContext, LoadedDocument, Source, relative_name
from dashgen.sources.viewjson import parse_json

_SESSION_KEY = "jinja.environment"
BYTECODE_DIR = Path(".cache") / "jinja"


class DeferredBytecodeCache(jinja2.BytecodeCache):
    """Reads compiled templates from a folder; new ones wait in ``pending`` for the build."""

    def __init__(self, directory: Path, pending: dict[str, bytes]) -> None:
        self.directory = directory
        self.pending = pending

    def load_bytecode(self, bucket: Bucket) -> None:
        name = f"{bucket.key}.cache"
        data = self.pending.get(str(BYTECODE_DIR / name))
        if data is None:
            try:
                data = (self.directory / name).read_bytes()
            except OSError:
                return
        bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.pending[str(BYTECODE_DIR / f"{bucket.key}.cache")] = bucket.bytecode_to_string()


class RecordingEnvironment(jinja2.Environment):
    """Records the file of every template a render loads, cached or not."""

    def __init__(self, search_path: list[Path], bytecode_cache: DeferredBytecodeCache) -> None:
        super().__init__(
            loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,
            bytecode_cache=bytecode_cache,
            # Constant folding made compiling ~25% slower and rendering no faster here:
            # every template is compiled once and rendered once per org.
            optimized=False,
        )
        self.filters["tojson"] = _tojson
        self.deferred_cache = bytecode_cache
        self.loaded_files: set[Path] | None = None

    def _load_template(
        self, name: str, globals: MutableMapping[str, Any] | None
    ) -> jinja2.Template:
        template = super()._load_template(name, globals)
        if self.loaded_files is not None and template.filename:
            self.loaded_files.add(Path(template.filename).resolve())
        return template


def load(source: Source, ctx: LoadContext) -> list[LoadedDocument]:
    environment = _environment(ctx)
    try:
        text = source.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(source.rel, f"cannot read: {exc}") from exc
    variables = {**ctx.variables, "org": ctx.org.name, "folder": ctx.org.folder}
    environment.loaded_files = ctx.dependencies
    try:
        code = _compiled(environment, text, source)
        # As template globals (not render context) the variables reach imported macros too.
        template = environment.template_class.from_code(
            environment, code, environment.make_globals(variables), None
        )
        rendered = template.render()
    except jinja2.TemplateSyntaxError as exc:
        path = relative_name(Path(exc.filename), ctx.config.root) if exc.filename else source.rel
        raise SourceError(path, f"template syntax error: {exc.message}", exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        path, line = _template_location(exc.__traceback__, ctx, source)
        raise SourceError(path, f"template not found: {exc.name}", line) from None
    except jinja2.UndefinedError as exc:
        path, line = _template_location(exc.__traceback__, ctx, source)
        raise SourceError(path, f"undefined variable: {exc.message}", line) from None
    except Exception as exc:  # a filter or test raised while rendering
        path, line = _template_location(exc.__traceback__, ctx, source)
        raise SourceError(path, f"rendering failed: {type(exc).__name__}: {exc}", line) from None
    finally:
        environment.loaded_files = None
    ctx.dependencies.discard(source.path.resolve())
    doc = parse_json(rendered, source.rel, rendered=True)
    return [LoadedDocument(doc, source.name, line=1, text=text, keys_in_text=True)]


def _environment(ctx: LoadContext) -> RecordingEnvironment:
    environment = ctx.session.get(_SESSION_KEY)
    if environment is None:
        search_path = [ctx.config.templates_dir, ctx.config.sources_dir]
        bytecode_cache = DeferredBytecodeCache(
            ctx.config.output_dir / BYTECODE_DIR, ctx.session.setdefault(CACHE_FILES, {})
        )
        environment = RecordingEnvironment([p for p in search_path if p.is_dir()], bytecode_cache)
        ctx.session[_SESSION_KEY] = environment
    return environment


def _compiled(environment: RecordingEnvironment, text: str, source: Source) -> Any:
    """The source template's code object, from the bytecode cache when its text is unchanged."""
    cache = environment.deferred_cache
    bucket = cache.get_bucket(environment, source.rel, str(source.path), text)
    if bucket.code is None:
        bucket.code = environment.compile(text, name=source.rel, filename=str(source.path))
        cache.set_bucket(bucket)
    return bucket.code


def _template_location(
    tb: TracebackType | None, ctx: LoadContext, source: Source
) -> tuple[str, int | None]:
    """The innermost frame in a template file: Jinja rewrites frames to template lines."""
    template_dirs = (ctx.config.templates_dir.resolve(), ctx.config.sources_dir.resolve())
    location: tuple[str, int | None] = (source.rel, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):
            path = Path(filename).resolve()
            if any(path.is_relative_to(d) for d in template_dirs):
                location = (relative_name(path, ctx.config.root), tb.tb_lineno)
        tb = tb.tb_next
    return location


def _tojson(value: Any, indent: int | None = None) -> str:
    return json.dumps(
        value, ensure_ascii=False, indent=indent, sort_keys=True, default=_json_default
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # raises UndefinedError naming the variable
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
