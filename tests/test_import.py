"""`import probtorch` stays light: the heavy dependencies load on first use (timing lives in benchmarks/)."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["numba", "scipy.special", "scipy.stats", "torch"])
def test_import_probtorch_defers(module):
    code = f"import probtorch, sys; assert {module!r} not in sys.modules, '{module} imported by import probtorch'"
    subprocess.run([sys.executable, "-c", code], check=True)
