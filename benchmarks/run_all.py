"""Run every benchmark, each in a fresh interpreter, and write benchmarks/RESULTS.md.

    python benchmarks/run_all.py            # from the repository root, with the project's environment

One command re-measures everything and rewrites the results table (and README.md's "## Speed" table from it;
``--readme-only`` rebuilds that from the last RESULTS.md) (run it on a quiet machine: the timings are
best-of-k minima, but other load still inflates them). ``--quick`` repeats each measurement twice only, to
check that the suite runs. The scripts run one after the other, never concurrently.

torch is not a dependency of minimopt. The torch reference (``rosenbrock_torch.py``) runs with this interpreter
if it can import torch; otherwise with the interpreter named by the environment variable
``BENCH_TORCH_PYTHON``, or else ``../benchvenv/bin/python`` or ``../torchvenv/bin/python`` next to the
repository, if one of them imports torch. Without any, those rows say "skipped".
"""

import datetime
import glob
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile

from _timing import LANGEVIN, LARGE_D, ROSENBROCK_STEPS, run_script, stream_bytes

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
QUICK = "--quick" in sys.argv


def repeat(k):
    return ["--repeat", 2 if QUICK else k]


def torch_python():
    """An interpreter that can import torch, or None (see the module docstring for the search order)."""
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    candidates = [os.environ.get("BENCH_TORCH_PYTHON"), os.path.join(ROOT, "..", "benchvenv", "bin", "python"),
                  os.path.join(ROOT, "..", "torchvenv", "bin", "python")]
    for python in filter(None, candidates):
        if os.path.exists(python) and subprocess.run([python, "-c", "import torch"],
                                                     capture_output=True).returncode == 0:
            return os.path.normpath(python)
    return None


def power(n):
    """10⁵ for 100000 (n a power of ten), else n with separators."""
    exponent = len(str(n)) - 1
    if n != 10**exponent:
        return f"{n:,}"
    return "10" + str(exponent).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bw(result):
    return f"{fmt_time(result['seconds'])} ({result['gbps']:.1f} GB/s)"


class Table:
    """Rows of (benchmark, minimopt, reference, ratio, target, met?); ratio = reference time / minimopt time."""

    def __init__(self):
        self.rows = []

    def add(self, name, mine, reference, ratio=None, target=None, minimum=None, met=None):
        """``minimum``: the ratio the target asks for, or ``met`` given directly (neither: informational row)."""
        if met is None and minimum is not None and ratio is not None:
            met = ratio >= minimum
        self.rows.append((name, mine, reference, "—" if ratio is None else f"{ratio:.3g}×", target or "—",
                          "—" if met is None else ("yes" if met else "**no**")))

    def markdown(self):
        lines = ["| benchmark | minimopt | reference | ratio | target | met? |", "|---|---|---|---|---|---|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in self.rows])


def rosenbrock(table, notes):
    mine = run_script("rosenbrock_minimopt.py", *repeat(7))
    numpy = run_script("rosenbrock_numpy.py", *repeat(3))
    python = torch_python()
    runs = {"NumPy": ("rosenbrock_numpy.py", sys.executable, [], numpy)}  # script, interpreter, options, timed
    name = f"Adam (lr=1e-3) on 2-D Rosenbrock, {power(ROSENBROCK_STEPS)} steps, warm"
    if python is None:
        table.add(name + " — vs torch.optim.Adam", fmt_time(mine["seconds"]), "skipped: torch not importable",
                  target="≥ 100×")
        notes["torch"] = "torch reference skipped: no interpreter that imports torch (see run_all.py's docstring)."
    for grad in ("autograd", "analytic") if python else ():
        torch = run_script("rosenbrock_torch.py", "--grad", grad, *repeat(3), python=python)
        runs[f"torch ({grad})"] = ("rosenbrock_torch.py", python, ["--grad", grad], torch)
        table.add(f"{name} — vs torch.optim.Adam, {grad} gradient", fmt_time(mine["seconds"]),
                  fmt_time(torch["seconds"]), torch["seconds"] / mine["seconds"], "≥ 100×", 100)
        notes["torch"] = (f"torch {torch['torch']} ({torch['torch_threads']} threads), run by `{python}`; "
                          "torch.optim.Adam with its defaults (single-tensor implementation on CPU); `autograd`: "
                          "loss.backward() each step, `analytic`: the gradient formula in torch ops under no_grad.")
    table.add(f"{name} — vs NumPy loop (NumPy Adam step per iteration)", fmt_time(mine["seconds"]),
              fmt_time(numpy["seconds"]), numpy["seconds"] / mine["seconds"], "≥ 30×", 30)

    # Same computation? Compare final iterates after 10⁴ steps (still descending) and after the timed 10⁵.
    short = run_script("rosenbrock_minimopt.py", "--steps", 10_000, "--repeat", 1)["final"]
    lines = []
    for key, (script, interpreter, args, timed) in runs.items():
        other = run_script(script, *args, "--steps", 10_000, "--repeat", 1, python=interpreter)["final"]
        gap_short = max(abs(a - b) for a, b in zip(short, other))
        gap_long = max(abs(a - b) for a, b in zip(mine["final"], timed["final"]))
        lines.append(f"{key}: {gap_short:.1e} after 10⁴ steps, {gap_long:.1e} after 10⁵ "
                     f"({'≤' if gap_short <= 1e-9 else '**>**'} 1e-9 after 10⁴)")
    notes["rosenbrock"] = (
        f"Same computation: minimopt's final iterate after 10⁵ steps is {mine['final']}; largest coordinate "
        "difference of the reference loops — " + "; ".join(lines) + ". Once Adam reaches the minimum (after about "
        "2×10⁴ steps) it hovers around it at the scale of lr, and that motion amplifies any one-ulp difference: "
        "torch's iterates first differ from minimopt's by 1 ulp near step 3.5×10³ (measured while writing these "
        "scripts) and drift apart to ~1e-7 by 10⁵ steps; NumPy's, written with the same operations, stay "
        "identical. minimopt's `minimize` also records every iterate and the loss at every step; the reference "
        "loops record nothing.")


def loop_overhead(table, notes):
    """minimize against a hand-written numba loop, every optimizer, 2-D and 100-D (the issue's 2× target)."""
    result = run_script("loop_overhead.py", *repeat(7))
    worst = {}
    for key, row in result["loops"].items():
        name, d = key.split("|")
        label = f"`minimize`, {name} on {d}-D Rosenbrock, {power(row['steps'])} steps — vs a hand-written numba loop"
        table.add(label, fmt_time(row["minimize"]), fmt_time(row["hand"]), row["hand"] / row["minimize"],
                  "≥ 0.5× (within 2×)", 0.5)
        worst[d] = max(worst.get(d, 0.0), row["minimize"] / row["hand"])
    gaps = max(row["max_abs_diff"] for row in result["loops"].values())
    chunks = "; ".join(f"{key}: {fmt_time(v['chunked'])} in chunks against {fmt_time(v['single'])} in one call "
                       f"({100 * v['cost']:+.1f} %)" for key, v in result["chunks"].items())
    notes["loops"] = (
        "Hand-written loops: `benchmarks/handwritten.py`, one `@njit` function per optimizer with the gradient and "
        "the update written out and the hyperparameters as constants, recording every iterate and loss and "
        "checking finiteness, as `minimize` does; each pair timed alternately in CPU time, best of "
        f"{result['repeat']}. Largest difference between the two loops' iterates: {gaps:.1e} (the same "
        f"arithmetic). Slowest `minimize` relative to its hand-written loop: "
        + ", ".join(f"{d}-D {worst[d]:.2f}×" for d in sorted(worst, key=int))
        + f". Cost of the chunks that let Ctrl-C through (a compiled call returns to Python every "
        f"{result['chunk_work_minimize']:,} operations in `minimize`, {result['chunk_work_ensembles']:,} "
        f"particle-coordinate steps in the ensembles): {chunks}.")


def large_steps(table, notes, rules):
    for rule in rules:
        label = {"adam": "Adam", "sgd": "SGD (lr only)", "heavyball": "HeavyBall"}[rule]
        mine = run_script("large_step_minimopt.py", "--rule", rule, *repeat(5))
        numpy = run_script("large_step_numpy.py", "--rule", rule, *repeat(5))
        bound = run_script("stream_bound.py", "--rule", rule, *repeat(5))
        name = f"{label} `step_`, d = {power(LARGE_D)}, warm"
        table.add(f"{name} — vs fastest NumPy ({numpy['fastest']})", fmt_bw(mine), fmt_bw(numpy),
                  numpy["seconds"] / mine["seconds"], "≥ 1× (no slower)", 1.0)
        table.add(f"{name} — vs memory-stream bound (fused numba pass, 1 thread)", fmt_bw(mine),
                  fmt_bw(bound["serial"]), bound["serial"]["seconds"] / mine["seconds"], "≥ 0.5× (within 2×)",
                  0.5)
        kernel = dict(seconds=mine["kernel_seconds"], gbps=mine["kernel_gbps"])
        table.add(f"{label} kernel alone (`_updates`, no validation) — vs the same bound", fmt_bw(kernel),
                  fmt_bw(bound["serial"]), bound["serial"]["seconds"] / kernel["seconds"])
        table.add(f"{label} `step_` — vs memory-stream bound, all {bound['threads']} cores (prange)",
                  fmt_bw(mine), fmt_bw(bound["parallel"]), bound["parallel"]["seconds"] / mine["seconds"])
        variants = ", ".join(f"{key} {fmt_time(v['seconds'])} (max rel. diff. to minimopt {v['max_rel_diff']:.1e})"
                             for key, v in numpy["variants"].items())
        notes[f"step_{rule}"] = (
            f"{label}: bytes that must move {stream_bytes(rule) / 1e6:.0f} MB per step; validation in `step_` "
            f"(shape/dtype checks + `np.sum` finiteness of params and grad) {fmt_time(mine['validation_seconds'])} "
            f"of {fmt_time(mine['seconds'])}; NumPy variants: {variants}; NumPy copy bandwidth "
            f"{bound['numpy_copy']['gbps']:.1f} GB/s (16 bytes per element).")


def langevin(table, notes):
    mine = run_script("langevin_minimopt.py", *repeat(5))
    single = run_script("langevin_minimopt.py", "--threads", 1, *repeat(3))
    numpy = run_script("langevin_numpy.py", *repeat(3))
    name = (f"`langevin`, DoubleWell, {power(LANGEVIN['n'])} particles × {power(LANGEVIN['steps'])} steps, "
            f"σ={LANGEVIN['sigma']}, dt={LANGEVIN['dt']}, warm")

    def rate(result):
        return f"{fmt_time(result['seconds'])} ({result['particle_steps_per_second']:.3g} particle-steps/s)"

    table.add(f"{name} — vs vectorised NumPy ensemble ({mine['threads']} numba threads)", rate(mine), rate(numpy),
              numpy["seconds"] / mine["seconds"], "≥ 3×", 3)
    table.add("`langevin`, same, 1 numba thread — vs NumPy", rate(single), rate(numpy),
              numpy["seconds"] / single["seconds"])
    notes["langevin"] = (
        f"numba threads {mine['threads']} (threading layer {mine['threading_layer']}); speed-up 1 → "
        f"{mine['threads']} threads {single['seconds'] / mine['seconds']:.2f}×. Final ensembles agree "
        f"statistically (different random streams): fraction in the right well minimopt {mine['right_well']:.4f} "
        f"(same with 1 thread: {single['right_well']:.4f}), NumPy {numpy['right_well']:.4f}; mean "
        f"{mine['mean']:.4f} vs {numpy['mean']:.4f}.")


def exit_times(table, notes):
    both = run_script("exit_times.py", *repeat(5))
    name = (f"`exit_times`, DoubleWell, {power(LANGEVIN['n'])} particles, σ={LANGEVIN['sigma']}, "
            f"dt={LANGEVIN['dt']}, warm ({both['threads']} numba threads), particle-steps per second")

    def rate(key):
        return f"{both[key + '_particle_steps_per_second']:.3g}/s"

    table.add(f"{name}: a boundary never reached ({power(LANGEVIN['steps'])} steps each) — vs `langevin`, same work",
              rate("exit_times_same_work"), rate("langevin"), both["ratio_same_work"], "≥ 1×", 1)
    table.add(f"{name}: real exits (to the barrier top) — vs `langevin`", rate("exit_times_real_exits"),
              rate("langevin"), both["ratio_real_exits"], "≥ 1×", 1)
    notes["exit_times"] = (
        "`exit_times` and `langevin` timed alternately in one process (best of each); per particle-step, "
        "`exit_times` also tests each step for the crossing, which `langevin` does not.")


def first_calls(table, notes):
    warm_env = {"NUMBA_CACHE_DIR": None}  # minimopt's own cache, minimopt/__pycache__
    results = {}
    for call in ("minimize", "langevin"):
        run_script("first_call.py", "--call", call, env=warm_env)  # make sure the cache is populated
        warm = [run_script("first_call.py", "--call", call, env=warm_env) for _ in range(2 if QUICK else 3)]
        cold = []
        for _ in range(2):
            with tempfile.TemporaryDirectory(prefix="numba-cold-") as directory:
                cold.append(run_script("first_call.py", "--call", call, env={"NUMBA_CACHE_DIR": directory}))
        results[call] = {key: min(runs, key=lambda r: r["total_seconds"]) for key, runs in
                         (("warm", warm), ("cold", cold))}
        results[call]["import"] = min(r["import_seconds"] for r in warm + cold)
    minimize, dynamics = results["minimize"], results["langevin"]

    def split(result):
        return (f"{fmt_time(result['total_seconds'])} (import {fmt_time(result['import_seconds'])} + first call "
                f"{fmt_time(result['first_call_seconds'])})")

    table.add("Fresh process: `import minimopt` + first `minimize` (Adam, Rosenbrock, 1000 steps), cache warm",
              split(minimize["warm"]), "—", target="< 1 s total", met=minimize["warm"]["total_seconds"] < 1.0)
    table.add("Fresh process: import + first `minimize`, cache cold (NUMBA_CACHE_DIR = new empty directory)",
              split(minimize["cold"]), "—")
    table.add("Fresh process: import + first `langevin` (10³ particles × 10³ steps), cache warm",
              split(dynamics["warm"]), "—")
    table.add("Fresh process: import + first `langevin`, cache cold", split(dynamics["cold"]), "—")
    table.add("`import minimopt` alone (numpy, numba and the package's own imports)",
              fmt_time(min(minimize["import"], dynamics["import"])), "—")
    notes["first_call"] = (
        f"Best of {len(warm)} fresh processes (warm) and 2 (cold); in-process times, interpreter start-up "
        f"excluded (wall time of the warm `minimize` process: {fmt_time(minimize['warm']['wall'])}). NUMBA_CACHE_DIR "
        f"is honoured for `cache=True` functions: the cold `minimize` run left {minimize['cold']['cache_files']} "
        f"files in its fresh cache directory.")


README_SCRIPTS = [  # (start of a RESULTS.md row, the script that measures it alone)
    ("Adam (lr=1e-3) on 2-D Rosenbrock, 10⁵ steps, warm — vs torch", "rosenbrock_minimopt.py, rosenbrock_torch.py"),
    ("Adam (lr=1e-3) on 2-D Rosenbrock, 10⁵ steps, warm — vs NumPy", "rosenbrock_minimopt.py, rosenbrock_numpy.py"),
    ("`minimize`, Adam on 2-D", "loop_overhead.py"),
    ("`minimize`, Adam on 100-D", "loop_overhead.py"),
    ("Adam `step_`, d = 10⁷, warm — vs fastest NumPy",
     "large_step_minimopt.py --rule adam, large_step_numpy.py --rule adam"),
    ("`langevin`, DoubleWell", "langevin_minimopt.py, langevin_numpy.py"),
    ("`exit_times`, DoubleWell", "exit_times.py"),
    ("Fresh process: `import minimopt` + first `minimize`", "first_call.py --call minimize"),
]


def update_readme():
    """Rewrite the table of README.md's "## Speed" section from benchmarks/RESULTS.md (the same run)."""
    with open(os.path.join(HERE, "RESULTS.md")) as results:
        text = results.read()
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| benchmark")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    loops = [c for c in cells if c[0].startswith("`minimize`, ") and "hand-written" in c[0]]
    date = next((line[len("- Date: "):] for line in text.splitlines() if line.startswith("- Date: ")), "?")
    load = next((line[len("- Load average (1 min) before / after: "):].split(" on ")[0] for line in text.splitlines()
                 if line.startswith("- Load average")), "?")
    cpu = next((line.split("CPU: ", 1)[1].split(",")[0] for line in text.splitlines()
                if line.startswith("- Machine: CPU: ")), "?")
    table = ["| benchmark | minimopt | reference | ratio | target | met? | reproduce alone (`python benchmarks/…`) |",
             "|---|---|---|---|---|---|---|"]
    for prefix, script in README_SCRIPTS:
        for c in cells:
            if c[0].startswith(prefix):
                table.append("| " + " | ".join(c + [f"`{script}`"]) + " |")
                break
    for d in ("2", "100"):
        mine = [c for c in loops if f" on {d}-D " in c[0]]
        if mine:
            worst = min(mine, key=lambda c: float(c[3].rstrip("×")))
            met = sum(c[5] == "yes" for c in mine)
            name = worst[0].split(", ")[1].split(" on ")[0]
            table.append(f"| `minimize` vs a hand-written numba loop, {d}-D Rosenbrock: the slowest of {len(mine)} "
                         f"optimizers ({name}); {met} of {len(mine)} within 2× | {worst[1]} | {worst[2]} | "
                         f"{worst[3]} | {worst[4]} | {'yes' if met == len(mine) else '**no**'} | "
                         "`loop_overhead.py` |")
    section = "\n".join([
        "## Speed", "",
        f"Measured in one run of `python benchmarks/run_all.py` (every script in a fresh interpreter) on {date}, load average {load} on this project's shared 2-core machine ({cpu}): other work on "
        "the machine inflates every time, and ratios measured within one process (the hand-written loops, timed "
        "alternately in CPU time) are the most robust numbers. Ratio = reference time / minimopt time. The full "
        "table, with the machine, the load and how each number was taken, is in "
        "[`benchmarks/RESULTS.md`](benchmarks/RESULTS.md); run_all.py rewrites it and this table. The ratios depend "
        "on the CPU, and earlier runs on other machines are in that file's history (`git log -p "
        "benchmarks/RESULTS.md`): on an AMD EPYC (the run of commit 78b9b06) `minimize` on 2-D Rosenbrock took "
        "2.5–4.4× the time of its hand-written loop for 10 of the 12 optimizers, for a reason not found yet.", "",
        *table, ""])
    readme_path = os.path.join(ROOT, "README.md")
    with open(readme_path) as readme:
        old = readme.read()
    start = old.index("## Speed")
    end = old.index("\n## ", start + 1) + 1
    with open(readme_path, "w") as readme:
        readme.write(old[:start] + section + "\n" + old[end:])


def machine():
    model = "unknown"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
                         model)
    caches = []
    for index in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        with open(f"{index}/level") as level, open(f"{index}/type") as kind, open(f"{index}/size") as size:
            if kind.read().strip() != "Instruction":
                caches.append(f"L{level.read().strip()} {size.read().strip()}")
    import llvmlite
    import numba
    import numpy

    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    return (f"CPU: {model}, {os.cpu_count()} logical cores, caches "
            f"{', '.join(caches) or 'unknown'}; {platform.platform()}; Python "
            f"{platform.python_version()} (`{sys.executable}`), NumPy {numpy.__version__}, numba "
            f"{numba.__version__}, llvmlite {llvmlite.__version__}; minimopt at commit {commit}")


def main():
    if "--readme-only" in sys.argv:  # rebuild README's table from the RESULTS.md of the last run
        update_readme()
        return
    started = datetime.datetime.now().astimezone()
    load_before = os.getloadavg()
    table, notes = Table(), {}
    rosenbrock(table, notes)
    loop_overhead(table, notes)
    large_steps(table, notes, ("adam", "sgd", "heavyball"))
    langevin(table, notes)
    exit_times(table, notes)
    first_calls(table, notes)
    load_after = os.getloadavg()
    text = "\n".join([
        "# minimopt benchmarks",
        "",
        "Written by `benchmarks/run_all.py`; do not edit by hand. Reproduce (from the repository root, in the "
        "project's environment; torch is found as the docstring of run_all.py says):",
        "",
        "    python benchmarks/run_all.py",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M %Z}{' (--quick: 2 repeats per measurement)' if QUICK else ''}",
        f"- Machine: {machine()}",
        f"- Load average (1 min) before / after: {load_before[0]:.2f} / {load_after[0]:.2f}"
        f" on {os.cpu_count()} cores — other load inflates every time below.",
        "- Timing: `time.perf_counter`, best of k repeats (the minimum is reported; k = 7 for minimopt's "
        "Rosenbrock run and for each `minimize`/hand-written pair (those two in CPU time, `time.process_time`), 3 for the pure-Python loops and the NumPy ensemble, 5 for the d = 10⁷ steps, 5 for "
        "`langevin`, 3 fresh processes for a warm first call and 2 for a cold one). Warm = compiled (or loaded "
        "from numba's cache) before timing. Each benchmark runs in its own fresh interpreter.",
        "- Ratio = reference time / minimopt time (above 1: minimopt is faster). For the memory-stream bound the "
        "\"reference\" is the bound, so within 2× means ratio ≥ 0.5. GB/s counts the bytes the update must move "
        "(Adam: 7 arrays × 8 bytes × 10⁷); where the last-level cache is as large as those arrays (see the caches "
        "above), the \"memory\" bound is partly a cache bound — the same for every contender.",
        "",
        table.markdown(),
        "",
        "## Notes",
        "",
        *[f"- {note}" for note in notes.values()],
        "",
    ])
    with open(os.path.join(HERE, "RESULTS.md"), "w") as results:
        results.write(text)
    update_readme()
    print(text)


if __name__ == "__main__":
    main()
