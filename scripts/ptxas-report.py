#!/usr/bin/env python3
"""Turn the CUDA build's per-object compile logs into a kernel resource table.

The logs come from scripts/cuda-compile-log.sh (one file per object, holding
nvcc's diagnostics and the -Xptxas=-v report). For every kernel this prints
registers, stack frame and spill bytes, with the kernel's demangled name, and
writes the table to --table.

Checks (each failing makes the exit status 1):
  * any nvcc / cudafe / ptxas / nvlink warning in any log (nvcc_wrapper's
    -Werror reaches only the host compiler);
  * --register-resident REGEX: every kernel whose demangled name matches must
    show 0 bytes stack frame and 0 bytes spill stores, and at least one kernel
    must match (a check that matches nothing would pass vacuously).
"""
import argparse
import pathlib
import re
import subprocess
import sys

ENTRY = re.compile(r"ptxas info\s*: Compiling entry function '([^']+)' for '(\w+)'")
PROPS = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
USED = re.compile(r"ptxas info\s*: Used (\d+) registers")
WARNING = re.compile(r"warning", re.IGNORECASE)


def demangle(names):
    if not names:
        return {}
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True,
                             check=True).stdout.splitlines()
        return dict(zip(names, out))
    except (OSError, subprocess.CalledProcessError):
        return {n: n for n in names}


def shorten(name, width):
    name = name.replace("Kokkos::Impl::cuda_parallel_launch_local_memory", "launch")
    name = name.replace("Kokkos::Impl::cuda_parallel_launch_constant_memory", "launch_const")
    name = name.replace("Kokkos::Impl::cuda_parallel_launch_global_memory", "launch_global")
    return name if len(name) <= width else name[: width - 3] + "..."


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log_dir")
    ap.add_argument("--table", help="write the table here")
    ap.add_argument("--register-resident", action="append", default=[], metavar="REGEX")
    args = ap.parse_args()

    logs = sorted(pathlib.Path(args.log_dir).glob("*.log"))
    if not logs:
        print(f"ptxas-report: no compile logs in {args.log_dir}", file=sys.stderr)
        return 1
    kernels = []  # (log, mangled, arch, regs, stack, spill_st, spill_ld)
    warnings = []
    for log in logs:
        current = None
        for line in log.read_text(errors="replace").splitlines():
            m = ENTRY.search(line)
            if m:
                current = {"log": log.stem, "mangled": m.group(1), "arch": m.group(2)}
                continue
            m = PROPS.search(line)
            if m and current is not None:
                current["stack"], current["spill_st"], current["spill_ld"] = map(int, m.groups())
                continue
            m = USED.search(line)
            if m and current is not None:
                current["regs"] = int(m.group(1))
                kernels.append(current)
                current = None
                continue
            if WARNING.search(line) and not line.startswith("ptxas info"):
                warnings.append(f"{log.name}: {line.strip()}")

    names = demangle(sorted({k["mangled"] for k in kernels}))
    for k in kernels:
        k["name"] = names.get(k["mangled"], k["mangled"])

    header = f"{'regs':>5} {'stack':>6} {'spillS':>6} {'spillL':>6}  {'object':<60} kernel"
    lines = [header, "-" * len(header)]
    for k in sorted(kernels, key=lambda k: (k["log"], k["name"])):
        lines.append(f"{k.get('regs', -1):>5} {k.get('stack', -1):>6} {k.get('spill_st', -1):>6} "
                     f"{k.get('spill_ld', -1):>6}  {shorten(k['log'], 60):<60} {shorten(k['name'], 400)}")
    table = "\n".join(lines) + "\n"
    if args.table:
        pathlib.Path(args.table).write_text(table)
    print(f"ptxas-report: {len(kernels)} kernels in {len(logs)} compile logs"
          + (f"; table in {args.table}" if args.table else ""))

    ok = True
    if warnings:
        ok = False
        print("ptxas-report: FAIL: the CUDA build printed warnings:", file=sys.stderr)
        for w in warnings:
            print("  " + w, file=sys.stderr)
    for pattern in args.register_resident:
        rx = re.compile(pattern)
        matched = [k for k in kernels if rx.search(k["name"])]
        if not matched:
            ok = False
            print(f"ptxas-report: FAIL: no kernel matches --register-resident '{pattern}'", file=sys.stderr)
        for k in matched:
            status = "ok" if k.get("stack") == 0 and k.get("spill_st") == 0 else "FAIL"
            print(f"ptxas-report: register-resident {status}: {k.get('regs')} registers, "
                  f"{k.get('stack')} bytes stack frame, {k.get('spill_st')} bytes spill stores: "
                  f"{shorten(k['name'], 200)}")
            if status != "ok":
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
