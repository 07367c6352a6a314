#!/usr/bin/python3
"""Where a server's CPU goes per call, from `perf script` output.

Reads `perf script -F comm,tid,ip,sym` of a profile taken with call graphs
(`perf record -g --call-graph dwarf`) over a whole load generator run, and
prints, for each part of the call path below, the server CPU per call it
accounts for: the part's share of the samples times the server CPU per
call that the load generator measured over the same run. A sample counts
for every part whose pattern matches a frame of its stack, so the indented
parts are shares of the part above them.

    perf_per_call.py --profile gate.txt:231 --profile floor.txt:77

prints one column per profile (NAME.txt:CPU_US_PER_CALL) and, with two,
their difference. Used by bench/one_caller_profile.sh.
"""

import argparse
import collections
import os
import re
import sys

# (label, pattern matched against each frame's symbol or, with "comm:",
# against the thread's name). Indentation in the label is the nesting.
PARTS = [
    ("the handler (Evaluate)", r"GateService::Evaluate$"),
    ("  authentication", r"Authenticator::Authenticate$"),
    ("  the ledger append", r"GateImpl::Record$"),
    ("    the record's encoding", r"Recorder::Draft$"),
    ("    chaining, sealing, hashing", r"Ledger::BuildGroup$"),
    ("    RocksDB's write", r"RocksDbStore::Write$"),
    ("      memtable inserts", r"WriteBatchInternal::InsertInto$"),
    ("      write-ahead log record", r"DBImpl::WriteToWAL$"),
    ("the reply (Finish)", r"ServerCallbackUnaryImpl::Finish$"),
    ("  sendmsg (with loopback delivery)", r"^__libc_sendmsg$"),
    ("reading requests (HTTP/2)", r"^grpc_chttp2_perform_read$"),
    ("  parsing the request message", r"CallbackUnaryHandler<.*>::Deserialize$"),
    ("after the call (CallOnDone)", r"ServerCallbackUnaryImpl::CallOnDone$"),
    ("waking another thread (futex wake)", r"^futex_wake$"),
    ("waiting: epoll_wait", r"^do_epoll_wait$"),
    ("waiting: futex wait", r"^futex_wait$"),
    ("malloc and free (leaf)", None),
    ("thread gate-snapshot", r"comm:gate-snapshot"),
]
ALLOCATION = re.compile(
    r"^(malloc|free|cfree@.*|_int_malloc|_int_free|malloc_consolidate|"
    r"operator new|operator delete|tcache_.*)$")
COMPILED = {p: re.compile(p) for _, p in PARTS
            if p is not None and not p.startswith("comm:")}


def read_stacks(path):
    """(thread name, [frames, leaf first]) per sample of `perf script`."""
    stacks = []
    comm, frames = None, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                if comm is not None:
                    stacks.append((comm, frames))
                comm, frames = None, []
            elif line[0] not in " \t":
                comm, frames = line.split()[0], []
            else:
                fields = line.split(None, 1)
                symbol = fields[1].strip() if len(fields) > 1 else "?"
                frames.append(re.sub(r"\+0x[0-9a-f]+$", "", symbol))
    if comm is not None:
        stacks.append((comm, frames))
    return stacks


def per_call(stacks, cpu_us_per_call):
    """{label: server CPU in microseconds per call} for PARTS."""
    counts = collections.Counter()
    for comm, frames in stacks:
        for label, pattern in PARTS:
            if pattern is None:
                hit = bool(frames) and ALLOCATION.match(frames[0]) is not None
            elif pattern.startswith("comm:"):
                hit = comm.startswith(pattern[len("comm:"):])
            else:
                rx = COMPILED[pattern]
                hit = any(rx.search(frame) for frame in frames)
            if hit:
                counts[label] += 1
    total = len(stacks) or 1
    return {label: counts[label] * cpu_us_per_call / total
            for label, _ in PARTS}



def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="append", required=True,
                        metavar="PERF_SCRIPT_TXT:CPU_US_PER_CALL")
    args = parser.parse_args()
    columns = []
    for spec in args.profile:
        path, _, cpu = spec.rpartition(":")
        name = os.path.splitext(os.path.basename(path))[0]
        columns.append((name, float(cpu), per_call(read_stacks(path),
                                                    float(cpu))))
    header = f"{'server CPU per call (us)':40s}" + "".join(
        f"{name:>10s}" for name, _, _ in columns)
    if len(columns) == 2:
        header += f"{'difference':>12s}"
    print(header)
    rows = [("all of it", [cpu for _, cpu, _ in columns])]
    rows += [(label, [parts[label] for _, _, parts in columns])
             for label, _ in PARTS]
    for label, values in rows:
        line = f"{label:40s}" + "".join(f"{v:10.1f}" for v in values)
        if len(values) == 2:
            line += f"{values[0] - values[1]:12.1f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
