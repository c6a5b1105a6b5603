#!/usr/bin/env python3
"""The CI gate of the benchmarks: reads package-benchmark's markdown report and fails if a gated
benchmark allocated. Gated: the Newton iterations and the scoring kernel must allocate nothing per
iteration after warm-up. No timing is checked (machines here are shared and noisy).

    swift package --package-path benchmarks benchmark --metric mallocCountTotal --format markdown --path stdout > report.md
    scripts/check-benchmark-allocations.py report.md
"""
import re
import sys

GATED = ("Newton iteration (1 thread)", "Scoring kernel", "Memory read baseline (SIMD sum)")
# Reported, not gated: with 2 threads, DispatchQueue.concurrentPerform allocates a few blocks per
# parallel pass (6 measured, independent of the number of rows); Ciblage's own code allocates nothing.
text = open(sys.argv[1], encoding="utf-8").read()
sections = re.split(r"^### ", text, flags=re.M)[1:]
seen, failures = {}, []
for section in sections:
    name = section.splitlines()[0].strip()
    row = next((line for line in section.splitlines() if line.startswith("| Malloc (total)")), None)
    if row is None:
        continue
    values = [int(v.strip()) for v in row.strip("|").split("|")[1:-1]]  # p0 … p100, without the sample count
    seen[name] = max(values)
for name in GATED:
    if name not in seen:
        failures.append(f"{name}: missing from the report")
    elif seen[name] > 0:
        failures.append(f"{name}: {seen[name]} allocations in a measured iteration (expected 0)")
for name, worst in sorted(seen.items()):
    print(f"{name}: malloc (total) p100 = {worst}{'  [gated]' if name in GATED else ''}")
if failures:
    print("allocation gate failed:\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
print(f"allocation gate: {len(GATED)} gated benchmarks, 0 allocations")
