#!/usr/bin/env bash
# scripts/sanitize-tests.sh address|thread [swift test options…]
#
# The whole test suite under AddressSanitizer or ThreadSanitizer (docs/HARDENING.md), in a scratch
# folder of its own (.build-asan, .build-tsan: every module is rebuilt instrumented, which takes
# about as long as a fresh debug build). PostgreSQL and the browser test are included as in `make
# test`. The sanitizer's report, if any, is in the output; the exit status is the suite's.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize-tests.sh address|thread}
shift
case "$kind" in
  address) scratch=.build-asan; export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan-suppressions.txt:print_suppressions=1};;
  thread) scratch=.build-tsan
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan-suppressions.txt:print_suppressions=1};;
  *) echo "sanitize-tests.sh: expected address or thread, got '$kind'" >&2; exit 2;;
esac
swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" 2>&1 | grep -v "unhandled; explicitly declare\|CMakeLists.txt$"
url=$(scripts/start-test-postgres.sh)
CIBLAGE_TEST_POSTGRES_URL=$url CIBLAGE_BROWSER_TEST=${CIBLAGE_BROWSER_TEST:-1} \
  swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" "$@"
