#!/usr/bin/env python3
"""The slowest objects of a Ninja build, from its .ninja_log.

    scripts/slowest-objects.py BUILD_DIR [COUNT]

Prints the COUNT (default 10) longest build steps of the latest build of
each output, in seconds, slowest first, and the sum over every output. The
log keeps every build of the build directory, so an output built twice
counts with its latest build, and an output the build no longer has (its
source removed or renamed) is left out.
"""
import os
import subprocess
import sys


def current_outputs(build_dir):
    """The outputs of the build's present graph (None: ninja cannot tell)."""
    try:
        out = subprocess.run(["ninja", "-C", build_dir, "-t", "targets", "all"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return {line.rsplit(":", 1)[0] for line in out.splitlines() if ":" in line}


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip())
    log = os.path.join(sys.argv[1], ".ninja_log")
    count = int(sys.argv[2]) if len(sys.argv) == 3 else 10
    latest = {}  # output -> seconds
    try:
        with open(log) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 4:
                    continue
                start, end, output = int(fields[0]), int(fields[1]), fields[3]
                latest[output] = (end - start) / 1000.0
    except OSError as e:
        sys.exit(f"slowest-objects.py: error: cannot read {log}: {e.strerror}")
    present = current_outputs(sys.argv[1])
    if present is not None:
        latest = {o: t for o, t in latest.items() if o in present}
    slowest = sorted(latest.items(), key=lambda item: -item[1])[:count]
    print(f"the {len(slowest)} slowest of {len(latest)} build steps in {sys.argv[1]} "
          f"(all of them: {sum(latest.values()):.0f} s of compiler time):")
    for output, seconds in slowest:
        print(f"  {seconds:7.1f} s  {output}")


if __name__ == "__main__":
    main()
