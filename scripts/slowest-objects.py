#!/usr/bin/env python3
"""The slowest objects of a Ninja build, from its .ninja_log.

    scripts/slowest-objects.py BUILD_DIR [COUNT]

Prints the COUNT (default 10) longest build steps of the latest build of
each output, in seconds, slowest first. The log keeps every build of the
build directory, so an output built twice counts with its latest build.
"""
import os
import sys


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
    slowest = sorted(latest.items(), key=lambda item: -item[1])[:count]
    print(f"the {len(slowest)} slowest of {len(latest)} build steps in {sys.argv[1]}:")
    for output, seconds in slowest:
        print(f"  {seconds:7.1f} s  {output}")


if __name__ == "__main__":
    main()
