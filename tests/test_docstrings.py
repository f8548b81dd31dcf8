"""Every docstring example in the package runs (as ``pytest --doctest-modules`` would)."""

import doctest
import importlib
import pkgutil

import numpy
import pytest

import ssgm_zoo

# ``__main__`` runs the command line on import.
MODULES = sorted(m.name for m in pkgutil.walk_packages(ssgm_zoo.__path__, "ssgm_zoo.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, extraglobs={"np": numpy}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring examples of {name} failed (see above)"
