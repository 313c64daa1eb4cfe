"""The process that grades one submission (started by :mod:`minimopt.grade`; not meant to be run by hand).

    python -m minimopt._grade_worker SUBMISSION.ipynb RESULT.jsonl SEED SECONDS LABEL [LABEL ...]

It runs in a fresh interpreter under the memory limit that :mod:`minimopt.grade` set; the submission's
``SECONDS`` start once the grader's own imports are done. The exercises' checkers
are imported first (so that a submission that rebinds ``mo.exercises.check_…`` does not change what grades
it). Then the submission's code cells run, top to bottom, in a fresh IPython shell (the engine of the Jupyter
kernel: magics, ``display`` and top-level ``await`` work as in the notebook), each cell's error recorded and the
next cell run anyway, as long as the ``SECONDS`` of the submission last. Finally each exercise's checker runs on
the function of that name with ``seed``. Every step is appended to ``RESULT.jsonl`` at once, one JSON object a
line, so that what was done survives if the process is killed.
"""

import json
import os
import signal
import sys
import threading
import time


class DeadlineReached(KeyboardInterrupt):
    """The submission's time is up. A ``KeyboardInterrupt``, so that the checkers' ``call`` and
    ``except Exception`` in the student's code let it through."""


class _Tail:
    """A text stream that keeps the last few thousand characters written to it (the submission's output)."""

    def __init__(self, limit=4000):
        self.limit, self.text = limit, ""

    def write(self, text):
        self.text = (self.text + str(text))[-self.limit:]
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def _describe(error) -> str:
    if isinstance(error, SyntaxError):
        where = f" (line {error.lineno})" if error.lineno else ""
        return f"SyntaxError: {error.msg}{where}"
    if isinstance(error, SystemExit):
        return f"SystemExit: the cell called sys.exit({error.code!r})"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def main(argv):
    submission, result_path, seed, seconds, *labels = argv
    out = open(result_path, "a", encoding="utf-8", buffering=1)

    def record(**item):
        out.write(json.dumps(item) + "\n")

    import nbformat

    from minimopt import _book
    from minimopt.exercises import _checking

    table = _book.exercises_by_label()
    exercises = [table[label] for label in labels]
    notebook = nbformat.read(submission, as_version=4)

    def on_deadline(signum, frame):
        raise DeadlineReached

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history database written for a submission
    shell = InteractiveShell.instance(config=config)
    os.chdir(os.path.dirname(os.path.abspath(submission)))
    sys.stdout = sys.stderr = _Tail()

    # The submission's time starts now, once the grader's own imports are done.
    deadline = time.monotonic() + float(seconds)
    signal.signal(signal.SIGUSR1, on_deadline)
    main_pid = os.getpid()
    watchdog = threading.Timer(float(seconds), lambda: os.kill(main_pid, signal.SIGUSR1))
    watchdog.daemon = True
    watchdog.start()
    record(event="started")
    cell_errors, number = [], 0
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    try:
        for number, cell in enumerate(code_cells, start=1):
            record(event="cell", cell=number)
            result = shell.run_cell(cell.source, store_history=True)
            error = result.error_before_exec or result.error_in_exec
            if isinstance(error, DeadlineReached):
                raise error
            if error is not None:
                cell_errors.append(f"code cell {number} raised {_describe(error)}")
                record(event="cell_error", cell=number, error=_describe(error))
    except DeadlineReached:
        record(event="timeout", phase="run", cell=number)
        return 0
    record(event="executed")
    hint = f" ({'; '.join(cell_errors[:3])})" if cell_errors else ""
    try:
        for exercise in exercises:
            record(event="grading", name=exercise.function)
            function = shell.user_ns.get(exercise.function)
            if function is None:
                message = f"no function named {exercise.function} is defined in the submission{hint}"
            elif not callable(function):
                message = (f"{exercise.function} is a {type(function).__name__}, not a function: "
                           f"write def {exercise.function}({exercise.signature}): ...")
            else:
                _checking.TIME_LIMIT_S = max(0.1, min(_checking.TIME_LIMIT_S, deadline - time.monotonic()))
                message = exercise.checker(function, seed=int(seed))
                if not isinstance(message, str):
                    message = f"the checker returned {message!r} (a bug of the checker: please report it)"
            record(event="graded", name=exercise.function, score=exercise.points if message == _checking.PASS else 0,
                   max_score=exercise.points, message=message)
    except DeadlineReached:
        record(event="timeout", phase="grade", name=exercise.function)
        return 0
    record(event="done")
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(code)  # do not wait for threads the submission left running
