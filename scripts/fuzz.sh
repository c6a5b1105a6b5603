#!/usr/bin/env bash
# scripts/fuzz.sh TARGET SECONDS [libFuzzer options…]
#
# Builds the fuzzing harnesses once with libFuzzer and AddressSanitizer (.build-fuzz/, its own
# scratch folder: every module is instrumented) and runs TARGET for SECONDS from its seed corpus
# (fuzz/corpus/TARGET, kept in git) with its dictionary when there is one. New inputs go to
# .build-fuzz/corpus/TARGET (not in git); a crash, leak or sanitizer report stops the run and saves
# the input as fuzz/findings/TARGET/crash-… (copy it to fuzz/regressions/TARGET/ with a test once
# fixed). The last lines of the log are the run's figures: executions, coverage (cov:) and features
# (ft:). Targets: csv spec campaign model archetypes json (docs/HARDENING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]}
shift 2
case "$target" in csv|spec|campaign|model|archetypes|json) ;; *)
  echo "fuzz.sh: unknown target '$target'; expected csv, spec, campaign, model, archetypes or json" >&2; exit 2;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }

swift build --product ciblage-fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld 2>&1 | grep -v "unhandled; explicitly declare\|CMakeLists.txt$" >&2
binary=$(swift build --product ciblage-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld --show-bin-path 2>/dev/null)/ciblage-fuzz

work=.build-fuzz/corpus/$target findings=fuzz/findings/$target
mkdir -p "$work" "$findings"
# Inputs up to a few records or keys: the harnesses read each field through every accessor under
# ASan, so exec/s falls with length, and the block reader's blocks (64 to 312 bytes) are small.
case "$target" in csv) max_len=1024;; json) max_len=512;; model) max_len=4096;; *) max_len=2048;; esac
dictionary=()
[[ -f fuzz/dictionaries/$target.dict ]] && dictionary=(-dict=fuzz/dictionaries/$target.dict)
# detect_leaks: LeakSanitizer at exit of each input; -timeout: an input taking 10 s is a hang;
# -rss_limit_mb: an input that makes the process grow past 2 GiB is a finding too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
# Swift's own crash backtracer reads the crashed thread's stack from a helper thread, which ASan
# reports as a stack-buffer-underflow of its own: off, so that the report is the finding's.
export SWIFT_BACKTRACE=enable=no
export CIBLAGE_FUZZ_TARGET=$target
exec "$binary" "$work" "fuzz/corpus/$target" "${dictionary[@]}" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len \
  -artifact_prefix="$findings/" -print_final_stats=1 "$@"
