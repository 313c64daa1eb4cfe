"""Coursework checkers: ``check_<name>(student_function)`` returns ``"pass"`` or a message explaining the mistake.

The checkers grow with the chapters: each chapter has a module here (``gradient_descent``, ``momentum``, …) whose
public ``check_*`` functions are collected into this namespace, so a student writes
``minimopt.exercises.check_<name>(my_function)``. Each module also lists its exercises in ``EXERCISES`` (records
of :class:`minimopt.exercises._checking.Exercise`), from which ``python -m minimopt.assign`` writes the
assignment notebooks and ``python -m minimopt.grade`` grades them; all of them share the rules of
:mod:`minimopt.exercises._checking` (time limit, coercion, tolerance, seeded random cases).
"""

import importlib
import pkgutil

__all__ = []
for _module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
    _module = importlib.import_module(f"{__name__}.{_module_info.name}")
    for _name in getattr(_module, "__all__", ()):
        globals()[_name] = getattr(_module, _name)
        __all__.append(_name)
