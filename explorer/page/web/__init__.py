"""The page's own code: the network runtime and the Explore view, plain ES modules with no
build step and no dependencies, run by the app (as a Streamlit component) and by the share
file alike.

A share file opened from file:// cannot import other files, and a Streamlit component is
one script; `script(entry)` joins a module and every module it imports (relative imports,
followed recursively) into one text, each imported module wrapped in its own scope. It does
so with regular expressions, not a parser, so every module it joins keeps to this form
(ModuleFormError says where one does not):

- imports one per line, named and relative, at the start of the line:
  `import { a, b as c } from "./x.js";` (or "../y/x.js"); no default, namespace (`* as`)
  or bare ("lib") imports, and no import split over lines (a dynamic `import()` is left
  as it is, not joined);
- exports written on the declaration, at the start of the line (`export function f`,
  `export class C`, `export const k`); no `export { a }` lists, no re-exports; only the
  entry may also have `export default`;
- file names (without .js) unique among the modules one entry joins: each module's scope
  is named after its stem.

A real bundler (esbuild, rollup) would lift these rules but needs a build step and a
toolchain; the modules stay plain ES modules that a browser and Node import as they are.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"(\.\.?/[\w./-]+\.js)";\s*$', re.M)
_EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function\*?|class|const|let)\s+([\w$]+)", re.M)


class ModuleFormError(ValueError):
    """A module that `script` cannot join (an import or export it does not understand)."""


def _scope_name(path: Path) -> str:
    return "__lx_" + re.sub(r"\W", "_", path.stem)


def _bindings(names: str) -> str:
    """`a, b as c` -> `a, b: c` (destructuring)."""
    parts = [p.split(" as ") for p in (n.strip() for n in names.split(",")) if p]
    return ", ".join(p[0].strip() if len(p) == 1 else f"{p[0].strip()}: {p[1].strip()}"
                     for p in parts)


def _with_imports_bound(path: Path, text: str, order: list[Path], seen: set[Path]) -> str:
    """The module's text with each import line replaced by a binding from the imported
    module's scope (joining that module first)."""
    def bind(m: re.Match) -> str:
        dep = (path.parent / m.group(2)).resolve()
        _collect(dep, order, seen)
        return f"const {{ {_bindings(m.group(1))} }} = {_scope_name(dep)};"

    text = _IMPORT.sub(bind, text)
    if re.search(r"^\s*import[\s{*]", text, re.M):
        raise ModuleFormError(f"{path.name}: an import that is not of the form "
                              '`import { a, b } from "./x.js";`')
    return text


def _collect(path: Path, order: list[Path], seen: set[Path]) -> None:
    if path in seen:
        return
    seen.add(path)
    text = path.read_text(encoding="utf-8")
    _with_imports_bound(path, text, order, seen)  # dependencies first
    order.append(path)


def _scoped(path: Path, order: list[Path], seen: set[Path]) -> str:
    text = _with_imports_bound(path, path.read_text(encoding="utf-8"), order, seen)
    if re.search(r"^export\s+default", text, re.M):
        raise ModuleFormError(f"{path.name}: only the entry module may export default")
    names = _EXPORT.findall(text)
    text = _EXPORT.sub(lambda m: m.group(0)[len("export"):].lstrip(), text)
    if re.search(r"^export\b", text, re.M):
        raise ModuleFormError(f"{path.name}: an export that is not on a declaration")
    return (f"// ---- {path.name}\nconst {_scope_name(path)} = (() => {{\n{text}\n"
            f"return {{ {', '.join(names)} }};\n}})();\n")


@cache
def script(entry: Path) -> str:
    """`entry` and every module it imports, as one module's text (cached per process)."""
    entry = Path(entry).resolve()
    order: list[Path] = []
    seen: set[Path] = {entry}
    body = _with_imports_bound(entry, entry.read_text(encoding="utf-8"), order, seen)
    stems = [p.stem for p in order]
    if len(set(stems)) < len(stems):
        twice = sorted({s for s in stems if stems.count(s) > 1})
        raise ModuleFormError(f"{entry.name}: two modules named {', '.join(twice)}.js")
    parts = [_scoped(p, [], set(order)) for p in order]
    return "".join(parts) + f"// ---- {entry.name}\n{body}"


def css(name: str = "view.css") -> str:
    return (HERE / name).read_text(encoding="utf-8")
