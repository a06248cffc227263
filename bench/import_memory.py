"""Peak memory of importing hostile files, against a real national file.

Run on demand (no services needed)::

    .venv/bin/python bench/import_memory.py            # every file
    .venv/bin/python bench/import_memory.py --quick    # without the slow ones

Each hostile file is generated into a temporary directory, then imported by
``import_results`` with the default limits in a fresh process, which reports
its outcome (the problem codes) and its peak resident memory. The baseline
is the real France 2017 T1 file (69,242 bureaux), imported in the same run;
each row gives its peak RSS as a ratio of the baseline's. Real files are
read from ``../shared/data/elections`` (or ``$ELECTIONS_DATA_DIR``).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
from collections.abc import Callable

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.elections.unit import _hostile as hostile  # noqa: E402  (generators shared with the tests)

DATA = pathlib.Path(os.environ.get("ELECTIONS_DATA_DIR") or ROOT.parent / "shared" / "data" / "elections")
FRANCE = DATA / "results/bureau/2017-presidentielle-t1_france.csv.gz"
GIB, MIB = 1 << 30, 1 << 20

CHILD = """
import json, resource, sys, time
from ckanext.elections.results import ImportRejected, import_results
started = time.perf_counter()
try:
    outcome = f"accepted, {len(import_results(sys.argv[1]))} areas"
except ImportRejected as rejected:
    outcome = ", ".join(rejected.codes[:3])
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - started,
                  # VmHWM: this program's own peak (ru_maxrss keeps the parent's size at fork)
                  "rss_mb": next(int(line.split()[1]) for line in open("/proc/self/status")
                                 if line.startswith("VmHWM:")) / 1024}))
"""


def measure(path: pathlib.Path) -> dict:
    """Import ``path`` in a fresh process; its outcome, time and peak RSS."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env)
    if out.returncode:
        return {"outcome": f"crashed: {out.stderr.strip().splitlines()[-1:]}", "seconds": 0.0, "rss_mb": 0.0}
    return json.loads(out.stdout)


def utf16(path: pathlib.Path) -> pathlib.Path:
    text = hostile.HEADER + hostile.valid_rows(50_000)
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


def long_at_the_limits(path: pathlib.Path) -> pathlib.Path:
    """The most a long file may hold: 100,000 bureaux x 30 candidates (3 million rows)."""
    with open(path, "w") as out:
        out.write("departement,commune,bureau,inscrits,votants,blancs,exprimes,candidate,voix\n")
        for a in range(99_999):
            code = f"67,{a // 1000 + 1},{a % 1000 + 1},{30_000},{29_000},10,{28_990}"
            out.writelines(f"{code},c{c},{999 if c else 28_990 - 999 * 29}\n" for c in range(30))
    return path


FILES: list[tuple[str, str, Callable[[pathlib.Path], pathlib.Path], bool]] = [
    ("gzip of 1 GiB of zeros", "zeros-1g.csv.gz", lambda p: hostile.gzip_zeros(p, GIB), False),
    ("gzip of 2 GiB of zeros", "zeros-2g.csv.gz", lambda p: hostile.gzip_zeros(p, 2 * GIB), False),
    ("gzip of 1 GiB of '0', no newline", "line-1g.csv.gz", lambda p: hostile.gzip_zeros(p, GIB, byte=b"0"), False),
    ("XLSX, shared strings of 1 GB", "strings-1g.xlsx", lambda p: hostile.xlsx_shared_strings_bomb(p, 10**9), True),
    ("XLSX, same, size header lying", "liar-1g.xlsx",
     lambda p: hostile.xlsx_shared_strings_bomb(p, 10**9, lie=True), True),
    ("CSV of 200 MB (bureau rows)", "big-200m.csv", lambda p: hostile.large_csv(p, 200 * MIB), True),
    ("UTF-16 CSV, 50,000 bureaux", "utf16.csv", utf16, False),
    ("long CSV at the limits (3M rows)", "long-3m.csv", long_at_the_limits, True),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the files slow to generate or import")
    args = parser.parse_args()
    rows = []
    baseline = measure(FRANCE)
    rows.append(("France 2017 T1 (baseline)", FRANCE.stat().st_size, baseline))
    with tempfile.TemporaryDirectory() as folder:
        for label, name, make, slow in FILES:
            if slow and args.quick:
                continue
            path = make(pathlib.Path(folder) / name)
            rows.append((label, path.stat().st_size, measure(path)))
            path.unlink()
    print(f"{'file':38} {'size':>10} {'outcome':34} {'peak RSS':>9} {'ratio':>6} {'time':>7}")
    for label, size, report in rows:
        ratio = report["rss_mb"] / baseline["rss_mb"] if baseline["rss_mb"] else 0
        print(f"{label:38} {size / MIB:8.1f}MB {report['outcome'][:34]:34} {report['rss_mb']:7.0f}MB "
              f"{ratio:6.2f} {report['seconds']:6.1f}s")


if __name__ == "__main__":
    main()
