#!/usr/bin/env python3
"""ctest cli_bad_inputs: every bad input of tests/bad_inputs/catalogue.txt with a
command-line form, run: the program must exit with 2, name every fragment of the
entry on stderr, print no integration report, write no file, and launch no
integration kernel (counted by a Kokkos Tools library, --launch-counter). Each
program's baseline must run, report and launch, so that none of these checks
can pass vacuously. Failures are listed by entry id.

  cli_bad_inputs.py --catalogue FILE --work-dir DIR --launch-counter LIB
                    --program kobie-decay=PATH [--program kobie=PATH]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bad_inputs"))
import catalogue  # noqa: E402

# The report's first line (apps/kobie/run_system.hpp): "kobie: decay, 4 systems, ..."
REPORT = re.compile(r"^kobie: [A-Za-z0-9_-]+, [0-9]+ systems, ", re.M)


def snapshot(folder):
    """Every file under `folder` with its size and modification time."""
    out = {}
    for root, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(root, n)
            st = os.stat(p)
            out[p] = (st.st_size, st.st_mtime_ns)
    return out


def run(args, work, counter_lib, launches_file):
    env = dict(os.environ)
    env.setdefault("OMP_PROC_BIND", "false")
    env["OMP_NUM_THREADS"] = "1"
    env["KOKKOS_PROFILE_LIBRARY"] = counter_lib  # Kokkos 3's name
    env["KOKKOS_TOOLS_LIBS"] = counter_lib  # Kokkos 4's
    env["KOBIE_LAUNCH_COUNTER_FILE"] = launches_file
    if os.path.exists(launches_file):
        os.remove(launches_file)
    p = subprocess.run(args, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120, universal_newlines=True)
    launches = 0
    if os.path.exists(launches_file):
        with open(launches_file) as f:
            launches = len(f.read().split())
    return p, launches


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalogue", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--launch-counter", required=True)
    ap.add_argument("--program", action="append", default=[], help="NAME=PATH")
    ap.add_argument("--only", help="run only the entries whose id contains this")
    ap.add_argument("--given-programs-only", action="store_true",
                    help="run only the entries of the programs given (the sanitizer build has "
                         "only kobie-decay); without it an entry of another program fails")
    a = ap.parse_args()
    programs = {n: os.path.abspath(p) for n, p in (x.split("=", 1) for x in a.program)}
    counter_lib = os.path.abspath(a.launch_counter)
    cat = catalogue.read(a.catalogue)

    work = os.path.abspath(a.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    scratch = work + "-scratch"  # the launch counter's file, outside the watched folder
    os.makedirs(scratch, exist_ok=True)
    launches_file = os.path.join(scratch, "launches")
    for name, text in cat.files.items():
        with open(os.path.join(work, name), "w") as f:
            f.write(text)

    def words(text):
        return [w.replace("{work}", work) for w in catalogue.shlex.split(text)]

    failures = []
    # Each program's baseline: runs, reports and launches (the checks below see it).
    for program, path in programs.items():
        if program not in cat.baselines:
            continue
        p, launches = run([path] + words(cat.baselines[program]), work, counter_lib, launches_file)
        if p.returncode != 0 or not REPORT.search(p.stdout) or launches < 1:
            failures.append("baseline %s: exit %d, report %s, %d integration launches (expected 0, "
                            "a report, >= 1)\n%s%s" % (program, p.returncode, bool(REPORT.search(p.stdout)),
                                                        launches, p.stdout, p.stderr))

    count = 0
    skipped = []
    for e in cat.entries:
        if e.cli == "-" or (a.only and a.only not in e.id):
            continue
        program, rest = e.cli_program()
        if program not in programs:
            if not a.given_programs_only:
                skipped.append(e.id)
            continue
        count += 1
        args = [programs[program]] + words(cat.baselines[program]) + [w.replace("{work}", work) for w in rest]
        before = snapshot(work)
        p, launches = run(args, work, counter_lib, launches_file)
        problems = []
        if p.returncode != 2:
            problems.append("exit status %d, not 2" % p.returncode)
        for frag in e.fragments:
            if frag.replace("{work}", work) not in p.stderr:
                problems.append("stderr lacks '%s'" % frag)
        if REPORT.search(p.stdout):
            problems.append("stdout holds an integration report")
        if launches:
            problems.append("%d integration launches" % launches)
        after = snapshot(work)
        if after != before:
            changed = sorted(set(after.items()) ^ set(before.items()))
            problems.append("files written: %s" % ", ".join(sorted({x[0] for x in changed})))
        if problems:
            failures.append("%s (line %d): %s\n  command: %s\n  stderr: %s" % (
                e.id, e.line, "; ".join(problems), " ".join(catalogue.shlex.quote(x) for x in args),
                p.stderr.strip()))
    if skipped:
        failures.append("entries whose program was not given: " + ", ".join(skipped))
    if failures:
        print("cli_bad_inputs: %d of %d entries failed:\n" % (len(failures), count) + "\n".join(failures))
        return 1
    print("cli_bad_inputs: %d bad inputs refused with exit 2, named, nothing run or written" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
