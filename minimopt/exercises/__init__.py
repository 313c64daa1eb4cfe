"""Coursework checkers: ``check_<name>(student_function)`` returns ``"pass"`` or a message explaining the mistake.

The checkers grow with the chapters; each chapter's module holds the checkers of its exercises.
"""
