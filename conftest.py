"""Repository-wide pytest configuration.

``tests/nbval_figures.py`` extends nbval so that ``pytest --nbval`` compares every chapter's figures with the
stored ones too (see its docstring).
"""

pytest_plugins = ["tests.nbval_figures"]
