#!/usr/bin/env python3
"""Instructions per call of one function, from a callgrind output file.

Callgrind counts instructions, which repeat run to run on a noisy shared
machine where wall-clock times do not. Collect only inside the function
of interest, then divide by the number of times it was called:

  valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \\
      --toggle-collect='portcullis::ledger::Ledger::Append*' \\
      build/release/bench/ledger_bench \\
      --benchmark_filter='BM_ProcessDurableAppend/real_time/threads:1$' \\
      --benchmark_min_time=1
  bench/callgrind_per_call.py /tmp/cg.out 'portcullis::ledger::Ledger::Commit('

The second argument names a function called once per unit of work (here
once per append, as the group commit's Commit is with one writer); its
calls are counted from callgrind's call records.
"""
import re
import sys


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    path, callee = argv[1], argv[2]
    names = {}  # callgrind compresses names: "(id) name" once, then "(id)"
    total = None
    calls = 0
    pending = None  # the name of the callee a "calls=" line will count
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            match = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
            if match:
                if match.group(2):
                    names[match.group(1)] = match.group(2).strip()
                if line.startswith("cfn="):
                    pending = names.get(match.group(1), "")
                continue
            if line.startswith("calls=") and pending is not None:
                if callee in pending:
                    calls += int(line.split("=", 1)[1].split()[0])
                pending = None
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    if total is None or calls == 0:
        sys.stderr.write(f"{path}: no totals, or no calls to {callee!r}\n")
        return 1
    print(f"{total} instructions, {calls} calls to {callee}: "
          f"{total // calls} per call")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
