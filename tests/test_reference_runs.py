"""Every run of minimopt 0.1's fingerprint table, replayed: the arrays must be bit-identical (same SHA-256).

The fingerprints in ``tests/fixtures/reference_runs.json`` were made by ``tests/fixtures/make_reference_runs.py``
with minimopt 0.1, before the 0.2 loop replaced the old one (the noisy runs and ensembles again in 0.2, when the
ziggurat's tables became CPU-independent data: see that script); the chapters' stored outputs depend on these numbers
staying exactly the same. The cases cover every optimizer configuration on 2-D and 100-D problems, noisy runs,
minibatches, diverging runs (the record must stop at the same step) and the two ensembles.
"""

import json
import pathlib
import sys

import pytest

FIXTURES = pathlib.Path(__file__).with_name("fixtures")
sys.path.insert(0, str(FIXTURES))
import make_reference_runs as reference  # noqa: E402  (the case table lives with the script that made it)

STORED = json.loads((FIXTURES / "reference_runs.json").read_text())["runs"]
CASES = reference.cases()


def test_the_stored_table_is_the_scripts_table():
    assert [key for key, _ in CASES] == list(STORED)


@pytest.mark.parametrize("key, description", CASES, ids=[key for key, _ in CASES])
def test_run_is_bit_identical_to_its_stored_fingerprint(key, description):
    got = reference.replay(description)
    want = STORED[key]
    for name in want:
        if name == "diverged":
            assert got[name] == want[name]
            continue
        assert got[name]["shape"] == want[name]["shape"], name
        assert got[name]["last"] == want[name]["last"], name      # readable first: the last row
        assert got[name]["sha256"] == want[name]["sha256"], name  # then every bit of every row
