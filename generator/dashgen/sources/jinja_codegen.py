"""Jinja's code generator with the root template's five look-arounds made in one walk.

Before writing a template's code, ``CodeGenerator.visit_Template`` walks the whole tree five
times besides the symbol analysis and the writing itself: ``find(Extends)``,
``find_all(Block)``, ``find_all(ImportedName)``, ``find_undeclared(body, ("self",))`` and
``pull_dependencies(body)`` (the filters and tests used). For a dashboard template (mostly
macro calls) those walks were most of the code generator's time. ``FusedCodeGenerator``
makes one walk that collects all five answers, in the order and with the stops each of
them has (pre-order, as ``iter_child_nodes`` goes; the name and dependency visitors do not
enter a ``Block``), and otherwise is Jinja 3.1's ``visit_Template`` line for line, so it
writes the same code. It is used only when the Jinja functions it stands for are the ones
it was written from (``matches_jinja``): a release that changes any of them gets Jinja's
own generator. tests/build/test_build_jinja_calls compares the generated source with
stock Jinja's for every template the tests, the examples, the corpus and the benchmark hold.
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import compiler, nodes, parser, visitor
from jinja2.compiler import CodeGenerator, EvalContext, Frame, find_undeclared

# sha256 of the source of the Jinja functions this module (and
# jinja_literals.LiteralParser.parse_quickly) replaces or relies on, as in Jinja 3.1.6 (see
# _jinja_sources)
_JINJA_SOURCES_SHA256 = "5e48cfaa8255836c227e460500f64bcf590264e5908b908888345de0107f0d56"
# sha256 of Jinja 3.1.6's files that hold those functions (see _jinja_files): when the
# installed ones are these, so are the functions, and reading them out one by one (~10 ms
# at every start: ``inspect`` tokenizes each function to find its end) is not needed
_JINJA_FILES_SHA256 = "4896d7581271f83a6f7f6a9bd1ee9d69b33be767474da2d383404c7500c4c3c7"


@dataclass
class _Facts:
    has_extends: bool = False
    blocks: list[nodes.Block] = field(default_factory=list)
    imported: list[nodes.ImportedName] = field(default_factory=list)
    self_undeclared: bool = False
    filters: set[str] = field(default_factory=set)
    tests: set[str] = field(default_factory=set)


# the attribute of a parsed Template holding its _Facts, taken by its code generation
FACTS = "_dashgen_facts"


def parsed_with_facts(template: nodes.Template, environment: Any) -> nodes.Template:
    """``template`` with its nodes given ``environment`` (as ``Node.set_environment``
    does) and its facts found in the same walk, for its code generation to take."""
    setattr(template, FACTS, _facts(template, environment))
    return template


def _facts(template: nodes.Template, environment: Any = None) -> _Facts:
    """What the five walks find, in one pre-order walk (the order ``find_all`` yields);
    every node given ``environment`` on the way, if one is given."""
    facts = _Facts()
    tracking_self = True  # UndeclaredNameVisitor({"self"}): still listening for a load of it
    stack: list[tuple[nodes.Node, bool]] = [(template, False)]  # (node, a Block or inside one)
    while stack:
        node, in_block = stack.pop()
        if environment is not None:
            node.environment = environment
        if node is not template:
            if isinstance(node, nodes.Extends):
                facts.has_extends = True
            elif isinstance(node, nodes.Block):
                facts.blocks.append(node)
            elif isinstance(node, nodes.ImportedName):
                facts.imported.append(node)
            if not in_block:
                kind = type(node).__name__  # the visitors dispatch on the class name
                if kind == "Filter":
                    facts.filters.add(node.name)  # type: ignore[attr-defined]
                elif kind == "Test":
                    facts.tests.add(node.name)  # type: ignore[attr-defined]
                elif kind == "Name" and tracking_self:
                    name = node.name  # type: ignore[attr-defined]
                    if node.ctx == "load" and name == "self":  # type: ignore[attr-defined]
                        facts.self_undeclared = True
                        tracking_self = False
                    elif name == "self":  # declared (stored) before any load
                        tracking_self = False
        children: list[nodes.Node] = []
        for name in node.fields:  # as Node.iter_child_nodes
            try:
                item = getattr(node, name)
            except AttributeError:
                continue
            if isinstance(item, list):
                children.extend(n for n in item if isinstance(n, nodes.Node))
            elif isinstance(item, nodes.Node):
                children.append(item)
        for child in reversed(children):  # so that they come off the stack in order
            stack.append((child, in_block or type(child).__name__ == "Block"))
    return facts


class FusedCodeGenerator(CodeGenerator):
    """``CodeGenerator`` whose root template is looked around in one walk (see above)."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # Jinja 3.1's CodeGenerator.visit_Template, with the five walks replaced by _facts.
        assert frame is None, "no root frame allowed"
        eval_ctx = EvalContext(self.environment, self.name)

        from jinja2.runtime import async_exported, exported

        if self.environment.is_async:
            exported_names = sorted(exported + async_exported)
        else:
            exported_names = sorted(exported)

        self.writeline("from jinja2.runtime import " + ", ".join(exported_names))

        envenv = "" if self.defer_init else ", environment=environment"
        # found while parsing (parsed_with_facts), once: a tree generated again is walked
        facts = node.__dict__.pop(FACTS, None) or _facts(node)
        have_extends = facts.has_extends

        for block in facts.blocks:
            if block.name in self.blocks:
                self.fail(f"block {block.name!r} defined twice", block.lineno)
            self.blocks[block.name] = block

        for import_ in facts.imported:
            if import_.importname not in self.import_aliases:
                imp = import_.importname
                self.import_aliases[imp] = alias = self.temporary_identifier()
                if "." in imp:
                    module, obj = imp.rsplit(".", 1)
                    self.writeline(f"from {module} import {obj} as {alias}")
                else:
                    self.writeline(f"import {imp} as {alias}")

        self.writeline(f"name = {self.name!r}")
        self.writeline(f"{self.func('root')}(context, missing=missing{envenv}):", extra=1)
        self.indent()
        self.write_commons()

        frame = Frame(eval_ctx)
        if facts.self_undeclared:
            ref = frame.symbols.declare_parameter("self")
            self.writeline(f"{ref} = TemplateReference(context)")
        frame.symbols.analyze_node(node)
        frame.toplevel = frame.rootlevel = True
        frame.require_output_check = have_extends and not self.has_known_extends
        if have_extends:
            self.writeline("parent_template = None")
        self.enter_frame(frame)
        self._pull_found(facts.filters, facts.tests)
        self.blockvisit(node.body, frame)
        self.leave_frame(frame, with_python_scope=True)
        self.outdent()

        if have_extends:
            if not self.has_known_extends:
                self.indent()
                self.writeline("if parent_template is not None:")
            self.indent()
            if not self.environment.is_async:
                self.writeline("yield from parent_template.root_render_func(context)")
            else:
                self.writeline("agen = parent_template.root_render_func(context)")
                self.writeline("try:")
                self.indent()
                self.writeline("async for event in agen:")
                self.indent()
                self.writeline("yield event")
                self.outdent()
                self.outdent()
                self.writeline("finally: await agen.aclose()")
            self.outdent(1 + (not self.has_known_extends))

        for name, block in self.blocks.items():
            self.writeline(
                f"{self.func('block_' + name)}(context, missing=missing{envenv}):",
                block,
                1,
            )
            self.indent()
            self.write_commons()
            block_frame = Frame(eval_ctx)
            block_frame.block_frame = True
            undeclared = find_undeclared(block.body, ("self", "super"))
            if "self" in undeclared:
                ref = block_frame.symbols.declare_parameter("self")
                self.writeline(f"{ref} = TemplateReference(context)")
            if "super" in undeclared:
                ref = block_frame.symbols.declare_parameter("super")
                self.writeline(f"{ref} = context.super({name!r}, block_{name})")
            block_frame.symbols.analyze_node(block)
            block_frame.block = name
            self.writeline("_block_vars = {}")
            self.enter_frame(block_frame)
            self.pull_dependencies(block.body)
            self.blockvisit(block.body, block_frame)
            self.leave_frame(block_frame, with_python_scope=True)
            self.outdent()

        blocks_kv_str = ", ".join(f"{x!r}: block_{x}" for x in self.blocks)
        self.writeline(f"blocks = {{{blocks_kv_str}}}", extra=1)
        debug_kv_str = "&".join(f"{k}={v}" for k, v in self.debug_info)
        self.writeline(f"debug_info = {debug_kv_str!r}")

    def _pull_found(self, filters: set[str], tests: set[str]) -> None:
        # Jinja 3.1's CodeGenerator.pull_dependencies after its DependencyFinderVisitor.
        for id_map, names, dependency in (
            (self.filters, filters, "filters"),
            (self.tests, tests, "tests"),
        ):
            for name in sorted(names):
                if name not in id_map:
                    id_map[name] = self.temporary_identifier()
                self.writeline("try:")
                self.indent()
                self.writeline(f"{id_map[name]} = environment.{dependency}[{name!r}]")
                self.outdent()
                self.writeline("except KeyError:")
                self.indent()
                self.writeline("@internalcode")
                self.writeline(f"def {id_map[name]}(*unused):")
                self.indent()
                self.writeline(
                    f'raise TemplateRuntimeError("No {dependency[:-1]} named {name!r} found.")'
                )
                self.outdent()
                self.outdent()


def _jinja_sources() -> str:
    """The source of every Jinja function ``FusedCodeGenerator`` replaces or relies on."""
    return "".join(inspect.getsource(part) for part in _jinja_parts() if inspect.isfunction(part))


def _jinja_parts() -> list[Any]:
    return [
        CodeGenerator.visit_Template,
        CodeGenerator.pull_dependencies,
        compiler.find_undeclared,
        *vars(compiler.UndeclaredNameVisitor).values(),
        *vars(compiler.DependencyFinderVisitor).values(),
        nodes.Node.find,
        nodes.Node.find_all,
        nodes.Node.iter_child_nodes,
        nodes.Node.iter_fields,
        visitor.NodeVisitor.get_visitor,
        visitor.NodeVisitor.visit,
        visitor.NodeVisitor.generic_visit,
        parser.Parser.parse,  # jinja_literals.LiteralParser.parse_quickly, parsed_with_facts
        nodes.Node.set_environment,
    ]


def _jinja_files() -> str | None:
    """sha256 of the files of Jinja's modules that hold its functions ``_jinja_sources``
    reads, if every one of those functions is still defined in them (none replaced at run
    time by another's); else None."""
    files = [module.__file__ for module in (compiler, nodes, parser, visitor)]
    for part in _jinja_parts():
        code = getattr(part, "__code__", None)
        if inspect.isfunction(part) and (code is None or code.co_filename not in files):
            return None
    digest = hashlib.sha256()
    try:
        for file in files:
            digest.update(Path(str(file)).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def matches_jinja() -> bool:
    """Whether this Jinja's functions are the ones ``FusedCodeGenerator`` was written from."""
    if _jinja_files() == _JINJA_FILES_SHA256:
        return True
    try:
        text = _jinja_sources()
    except (OSError, TypeError):  # no source to compare (a frozen or stripped install)
        return False
    return hashlib.sha256(text.encode()).hexdigest() == _JINJA_SOURCES_SHA256


def code_generator_class() -> type[CodeGenerator]:
    """The fused generator when it matches the installed Jinja, else Jinja's own."""
    return FusedCodeGenerator if matches_jinja() else CodeGenerator
