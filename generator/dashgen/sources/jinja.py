"""Jinja2 sources (``*.json.j2``): templates rendered to dashboard JSON, once per org.

Includes, imports and extends resolve against ``templates/`` first, then the sources
dir. Variables: the config's global ``[vars]``, then the org's vars, then ``--var``;
``org`` (the org name) and ``folder`` (its folder title) are always defined. Undefined
names are errors (``StrictUndefined``); ``tojson`` writes any value as JSON.

Compiling a template costs about ten times as much as rendering it, so compiled code is
cached in ``<output>/.cache/jinja/`` (keyed by name and checked against a checksum of the
template text), in a few pack files (``cache_pack``), not one file per template: after a
macro edit only the macro is compiled again. New entries are handed to the build, which
writes them only when the build succeeds.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import orjson
from jinja2.bccache import Bucket
from jinja2.lexer import Lexer, TokenStream

from dashgen.errors import SourceError
from dashgen.model.problem import JsonPath
from dashgen.sources import CACHE_FILES, LoadContext, LoadedDocument, Source, relative_name
from dashgen.sources.cache_pack import PackReader, member
from dashgen.sources.jinja_calls import ListTokenStream
from dashgen.sources.jinja_codegen import FusedCodeGenerator, code_generator_class
from dashgen.sources.jinja_lexer import FastLexer, supports
from dashgen.sources.jinja_literals import LiteralParser
from dashgen.sources.jinja_trace import RenderMap, traced_render
from dashgen.sources.kinds import read_source_text
from dashgen.sources.positions import json_lines
from dashgen.sources.viewjson import json_failure

_SESSION_KEY = "jinja.environment"
BYTECODE_DIR = Path(".cache") / "jinja"


class DeferredBytecodeCache(jinja2.BytecodeCache):
    """Reads compiled templates from the packs in the output folder (``cache_pack``); new
    ones wait in ``pending`` for the build."""

    def __init__(self, output_dir: Path, pending: dict[str, bytes]) -> None:
        self.packs = PackReader(output_dir, BYTECODE_DIR)
        self.pending = pending

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.pending.get(member(BYTECODE_DIR, bucket.key))
        if data is None:
            data = self.packs.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.pending[member(BYTECODE_DIR, bucket.key)] = bucket.bytecode_to_string()


class _Undefined(jinja2.StrictUndefined):
    """Names what an imported template defines when ``m.nope`` is none of it (Jinja says
    "'jinja2.environment.TemplateModule object' has no attribute 'nope'")."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        owner = self._undefined_obj
        if isinstance(owner, jinja2.environment.TemplateModule):
            defined = sorted(k for k in vars(owner) if not k.startswith("_"))
            return (
                f"{owner.__name__} defines no macro or variable {self._undefined_name!r} "
                f"(it defines: {', '.join(defined) or 'nothing'})"
            )
        if isinstance(owner, dict) and isinstance(self._undefined_name, str):
            keys = [repr(k) for k in list(owner)[:10]] + (["..."] if len(owner) > 10 else [])
            return (
                f"this mapping has no key {self._undefined_name!r} "
                f"(its keys: {', '.join(keys) or 'none'})"
            )
        return super()._undefined_message


class RecordingEnvironment(jinja2.Environment):
    """Records the file of every template a render loads, cached or not."""

    # Jinja's own, or the same code in fewer walks of the tree (see jinja_codegen); decided
    # once per process, at import (so before the build forks its workers)
    code_generator_class = code_generator_class()

    def __init__(self, search_path: list[Path], bytecode_cache: DeferredBytecodeCache) -> None:
        super().__init__(
            loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
            undefined=_Undefined,
            keep_trailing_newline=True,
            autoescape=False,
            bytecode_cache=bytecode_cache,
            # Constant folding made compiling ~25% slower and rendering no faster here:
            # every template is compiled once and rendered once per org.
            optimized=False,
        )
        self.filters["tojson"] = _ToJson()
        self.deferred_cache = bytecode_cache
        self.loaded_files: set[Path] | None = None
        # One environment serves one build: a template's real path is looked up once in it
        # (every source importing the shared macro file loads it again, and resolving costs
        # a system call per folder of the path).
        self._real_paths: dict[str, Path] = {}
        self._fast_lexer: tuple[Lexer, FastLexer | None] | None = None

    def _tokenize(
        self, source: str, name: str | None, filename: str | None = None, state: str | None = None
    ) -> TokenStream:
        # Jinja's own token stream, read in a fraction of the time (see jinja_lexer); what
        # that lexer is unsure of, Jinja's lexer reads.
        lexer = self.lexer
        if self._fast_lexer is None or self._fast_lexer[0] is not lexer:
            fast = FastLexer(lexer) if supports(self) else None
            self._fast_lexer = (lexer, fast if fast is not None and fast.usable else None)
        fast = self._fast_lexer[1]
        if fast is not None and state is None:
            tokens = fast.tokens(self.preprocess(source, name, filename))
            if tokens is not None:
                return ListTokenStream(tokens, name, filename)  # LiteralParser reads ahead
        return super()._tokenize(source, name, filename, state)

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        # Same generated code as Jinja's own parser, in a fraction of the time for templates
        # made of literal arguments (see jinja_literals).
        parser = LiteralParser(self, source, name, filename)
        if self.code_generator_class is FusedCodeGenerator:  # the Jinja both were written from
            return parser.parse_quickly()
        return parser.parse()

    def _load_template(
        self, name: str, globals: MutableMapping[str, Any] | None
    ) -> jinja2.Template:
        template = super()._load_template(name, globals)
        if self.loaded_files is not None and template.filename:
            self.loaded_files.add(self.real_path(template.filename))
        return template

    def real_path(self, filename: str) -> Path:
        real = self._real_paths.get(filename)
        if real is None:
            real = self._real_paths[filename] = Path(filename).resolve()
        return real


def load(source: Source, ctx: LoadContext) -> list[LoadedDocument]:
    environment = _environment(ctx)
    text = read_source_text(source.path, source.rel, data=ctx.source_bytes)
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
        message = f"template syntax error: {exc.message}"
        raise _error(path, message, exc.lineno, source, None) from None
    except jinja2.TemplateNotFound as exc:
        path, line, called = _template_location(exc.__traceback__, ctx, source)
        raise _error(path, f"template not found: {exc.name}", line, source, called) from None
    except jinja2.UndefinedError as exc:
        path, line, called = _template_location(exc.__traceback__, ctx, source)
        raise _error(path, f"undefined variable: {exc.message}", line, source, called) from None
    except OSError as exc:  # a template that cannot be read (permissions, a symlink loop)
        path, line, called = _template_location(exc.__traceback__, ctx, source)
        unreadable = relative_name(Path(exc.filename), ctx.config.root) if exc.filename else "?"
        message = f"cannot read template {unreadable} ({exc.strerror or type(exc).__name__})"
        raise _error(path, message, line, source, called) from None
    except Exception as exc:  # a filter or test raised while rendering
        path, line, called = _template_location(exc.__traceback__, ctx, source)
        message = f"rendering failed: {type(exc).__name__}: {exc}"
        if isinstance(exc, RecursionError):
            message = (
                "rendering failed: the templates recurse without end (a template that "
                "includes, imports or extends itself, or a macro that calls itself with no "
                "way out; Python's recursion limit stopped it)"
            )
        raise _error(path, message, line, source, called) from None
    finally:
        environment.loaded_files = None
    ctx.dependencies.discard(environment.real_path(str(source.path)))
    output = _RenderedOutput(rendered, template, source, ctx.config.root)
    return [
        LoadedDocument(
            output.parse(),
            source.name,
            line=1,
            text=text,
            keys_in_text=True,
            json_text=output.text,
            locate=output.locate,
        )
    ]


def _error(
    path: str, message: str, line: int | None, source: Source, called: int | None
) -> SourceError:
    """An error in another template (a macro, an include) also names the dashboard being
    rendered, and the line of it that led there: the same macro can fail for several."""
    if path != source.rel:
        at = f" line {called}" if called else ""
        message += f" (while rendering {source.rel}{at})"
    return SourceError(path, message, line)


class _RenderedOutput:
    """A render's text, and where in the templates each of its lines came from."""

    def __init__(self, text: str, template: jinja2.Template, source: Source, root: Path) -> None:
        self.text = text
        self.template = template
        self.source = source
        self.root = root
        self._map: RenderMap | bool | None = None  # False: could not be traced

    def parse(self) -> Any:
        try:
            return orjson.loads(self.text)
        except orjson.JSONDecodeError as exc:
            failure = json_failure(self.text, exc)
        if failure.too_deep:  # valid JSON, deeper than any parser here reads
            message = f"rendered output {failure.reason}"
        else:
            message = (
                f"rendered output is not valid JSON: {failure.reason} at line {failure.line} "
                f"column {failure.column} of the output, near: {failure.snippet}"
            )
        place = self.template_line(failure.line)
        if place is None:
            raise SourceError(self.source.rel, message)
        path, line = place
        message += "; this template line wrote it"
        raise _error(path, message, line, self.source, None)

    def locate(self, pointers: list[JsonPath]) -> dict[JsonPath, tuple[str, int]]:
        """Template file and line of each JSON path of the output."""
        found: dict[JsonPath, tuple[str, int]] = {}
        for pointer, output_line in json_lines(self.text, pointers).items():
            place = self.template_line(output_line)
            if place is not None:
                found[pointer] = place
        return found

    def template_line(self, output_line: int) -> tuple[str, int] | None:
        if self._map is None:
            traced = traced_render(self.template)
            # A template that renders differently twice (it reads a clock, say) cannot be
            # mapped: the problem then names the dashboard's template alone.
            self._map = traced[1] if traced is not None and traced[0] == self.text else False
        if self._map is False:
            return None
        assert isinstance(self._map, RenderMap)
        place = self._map.template_line(output_line)
        if place is None:
            return None
        return relative_name(place[0].resolve(), self.root), place[1]


def _environment(ctx: LoadContext) -> RecordingEnvironment:
    environment = ctx.session.get(_SESSION_KEY)
    if environment is None:
        search_path = [ctx.config.templates_dir, ctx.config.sources_dir]
        bytecode_cache = DeferredBytecodeCache(
            ctx.config.output_dir, ctx.session.setdefault(CACHE_FILES, {})
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
) -> tuple[str, int | None, int | None]:
    """The innermost frame in a template file (Jinja rewrites frames to template lines), and
    the innermost line of the dashboard's own template on the way there."""
    template_dirs = (ctx.config.templates_dir.resolve(), ctx.config.sources_dir.resolve())
    own = source.path.resolve()
    location: tuple[str, int | None] = (source.rel, None)
    called: int | None = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):
            path = Path(filename).resolve()
            if any(path.is_relative_to(d) for d in template_dirs):
                location = (relative_name(path, ctx.config.root), tb.tb_lineno)
                if path == own:
                    called = tb.tb_lineno
        tb = tb.tb_next
    return location[0], location[1], called


class _ToJson:
    """The ``tojson`` filter: ``json.dumps(value, ensure_ascii=False, sort_keys=True)``.

    Without an indent, a string is encoded as ``json.dumps`` encodes it, and anything else
    by one C encoder made once (``json.dumps`` makes that same encoder again for every call,
    a dashboard's panel macro calls it several times per panel)."""

    def __init__(self) -> None:
        self._markers: dict[int, Any] = {}  # the encoder's, to find circular values
        self._encode = (
            None
            if c_make_encoder is None
            else c_make_encoder(
                self._markers, _json_default, encode_basestring, None, ": ", ", ", True, False, True
            )
        )

    def __call__(self, value: Any, indent: int | None = None) -> str:
        if indent is not None:
            return json.dumps(
                value, ensure_ascii=False, indent=indent, sort_keys=True, default=_json_default
            )
        if isinstance(value, str):
            return encode_basestring(value)
        if self._encode is None:
            return _TOJSON.encode(value)
        try:
            return "".join(self._encode(value, 0))
        except BaseException:
            self._markers.clear()  # what a failed encoding left in it is not a cycle
            raise


def _json_default(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # raises UndefinedError naming the variable
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_TOJSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_json_default)
