"""Repository-wide pytest configuration.

``tests/nbval_figures.py`` extends nbval so that ``pytest --nbval`` compares every chapter's figures with the
stored ones too (see its docstring). ``two_threads`` is the fixture of the tests that run the same ensemble with one
and two numba threads.
"""

import pytest

pytest_plugins = ["tests.nbval_figures"]


@pytest.fixture
def two_threads():
    """Skip unless numba can use 2 threads; restore the thread count afterwards."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba was started with a single thread")
    previous = numba.get_num_threads()
    yield
    numba.set_num_threads(previous)
