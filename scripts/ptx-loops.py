#!/usr/bin/env python3
"""The loops of the kernels in a PTX file, with their instruction mix.

For each kernel (`.entry`) whose demangled name matches --kernel, lists its
innermost loops (a backward branch to a label and the lines between), with
the number of PTX instructions and how many are float32, float64,
conversions between the two, and integer or predicate work. The per-step
loop of an integration kernel is the innermost loop holding the right-hand
side's arithmetic; what it holds beyond the method's own arithmetic is the
loop's overhead per step (clock, landing, checks, counters). No GPU needed.

A PTX file comes from nvcc's --keep, e.g. for one method and precision
(a file that calls kobie::solve<float, std::tuple<ClassicalRK4>> on
Kokkos::Cuda):

    .deps/kokkos-cuda/bin/nvcc_wrapper -O3 -DNDEBUG -expt-extended-lambda \\
        -expt-relaxed-constexpr -arch=sm_90 -std=c++17 -Iinclude \\
        -Ibuild/cuda/include -isystem .deps/kokkos-cuda/include \\
        --keep --keep-dir=OUT -c FILE.cpp -o OUT/FILE.o
    scripts/ptx-loops.py OUT/FILE.ptx --kernel IntegrationKernel [--print]
"""
import argparse
import re
import subprocess
import sys


def demangle(names):
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True,
                             check=True).stdout.split("\n")
        return out[:len(names)]
    except (OSError, subprocess.CalledProcessError):
        return names


def kernels(lines):
    """(mangled name, first line, last line) of every .entry."""
    i = 0
    while i < len(lines):
        m = re.match(r"^(?:\.visible\s+)?\.entry\s+([\w$]+)", lines[i])
        if m:
            start = i
            while not lines[i].startswith("}"):
                i += 1
            yield m.group(1), start, i
        i += 1


def instruction(line):
    s = line.strip()
    if not s or s.startswith(("$L", "//", ".", "{", "}", "(", ")")):
        return None
    op = s.split()[0]
    if op.startswith("@"):
        op = s.split()[1]
    return op.rstrip(";")


def kind(op):
    if op.startswith("cvt") and (".f32.f64" in op or ".f64.f32" in op):
        return "f32<->f64"
    if ".f64" in op:
        return "f64"
    if ".f32" in op:
        return "f32"
    if op.startswith(("ld", "st")):
        return "memory"
    if op.startswith("bra"):
        return "branch"
    return "int/pred"


KINDS = ["f32", "f64", "f32<->f64", "int/pred", "memory", "branch"]


def innermost_loops(body):
    labels = {}
    for i, line in enumerate(body):
        m = re.match(r"^(\$L__BB\d+_\d+):", line)
        if m:
            labels[m.group(1)] = i
    loops = []
    for i, line in enumerate(body):
        m = re.search(r"\bbra(?:\.uni)?\s+(\$L__BB\d+_\d+);", line)
        if m and labels.get(m.group(1), len(body)) < i:
            loops.append((labels[m.group(1)], i))
    return [a for a in loops if not any(b != a and a[0] <= b[0] and b[1] <= a[1] for b in loops)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ptx")
    ap.add_argument("--kernel", default="", help="substring of the demangled kernel name")
    ap.add_argument("--min", type=int, default=20, help="smallest loop to list (instructions)")
    ap.add_argument("--print", action="store_true", help="print each listed loop's PTX")
    args = ap.parse_args()
    lines = open(args.ptx).read().split("\n")
    found = list(kernels(lines))
    names = demangle([k[0] for k in found])
    listed = 0
    for (mangled, start, end), name in zip(found, names):
        if args.kernel not in name:
            continue
        listed += 1
        body = lines[start:end + 1]
        n_total = sum(1 for l in body if instruction(l))
        print(f"{name[:160]}\n  {n_total} PTX instructions in the kernel")
        for a, b in sorted(innermost_loops(body)):
            ops = [op for op in (instruction(l) for l in body[a:b + 1]) if op]
            if len(ops) < args.min:
                continue
            counts = {k: 0 for k in KINDS}
            for op in ops:
                counts[kind(op)] += 1
            mix = ", ".join(f"{k} {counts[k]}" for k in KINDS if counts[k])
            print(f"  loop at PTX lines {start + a + 1}-{start + b + 1}: {len(ops)} instructions ({mix})")
            if args.print:
                for l in body[a:b + 1]:
                    print("    " + l.strip())
    if listed == 0:
        print(f"ptx-loops: no kernel matches '{args.kernel}' in {args.ptx}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
