"""bench/code_shape.py measures what it says, and monitor/ keeps no import cycle."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_code_shape():
    spec = importlib.util.spec_from_file_location("code_shape", ROOT / "bench" / "code_shape.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_cycle_through_a_lazy_import_and_a_package_init_is_found(tmp_path):
    shape = load_code_shape()
    package = tmp_path / "monitor"
    (package / "asr").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "records.py").write_text("X = 1\n")
    (package / "asr" / "__init__.py").write_text(
        "from ..records import X\n\ndef create():\n    from .vosk import Engine\n")
    (package / "asr" / "vosk.py").write_text("from . import X as Engine\n")
    found = shape.modules(tmp_path)
    assert shape.cycles(shape.import_graph(found)) == [["monitor.asr", "monitor.asr.vosk"]]
    (package / "asr" / "vosk.py").write_text("from ..records import X as Engine\n")
    assert shape.cycles(shape.import_graph(shape.modules(tmp_path))) == []


def test_function_lengths_count_methods_and_nested_functions():
    import ast

    tree = ast.parse("class A:\n    def f(self):\n        def g():\n            pass\n"
                     "        return g\n")
    assert sorted(load_code_shape().functions(tree, "m")) == [(2, "m.A.f.g"), (4, "m.A.f")]


def test_monitor_has_no_import_cycle():
    shape = load_code_shape()
    assert shape.cycles(shape.import_graph(shape.modules())) == []
