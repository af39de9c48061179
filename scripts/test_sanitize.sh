#!/usr/bin/env bash
# Builds deskstream instrumented by sanitizers in a build directory of its own and runs the
# tests under it (docs/testing.md). Extra args go to ctest.
#   scripts/test_sanitize.sh asan   ASan+LSan+UBSan (build-asan/): unit, component, integration,
#                                   e2e and security tiers (not the image's), then a 50-cycle
#                                   soak (--check)
#   scripts/test_sanitize.sh asan-ci  the CI stage (scripts/test.sh runs it): the same tiers and
#                                   a 25-cycle soak (docs/testing.md)
#   scripts/test_sanitize.sh tsan   TSan (build-tsan/): only deskstream and the tests that run
#                                   GStreamer and webrtcbin callbacks (component tier, two e2e)
# A sanitizer report fails the test that produced it: gtest binaries exit non-zero, and the
# browser harness (tests/e2e/lib/harness.mjs, DS_SANITIZER set) fails a test whose deskstream
# printed one. Suppressions (third-party code only) are in tests/sanitizers/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:?usage: scripts/test_sanitize.sh asan|asan-ci|tsan [ctest args]}
shift
supp=$root/tests/sanitizers
export DS_SANITIZER=$kind
case "$kind" in
  asan|asan-ci)
    export DS_SANITIZER=asan
    build=${BUILD_DIR:-$root/build-asan}
    # detect_leaks: LSan runs at every exit. UBSan aborts on the first finding (the build uses
    # -fno-sanitize-recover=undefined), ASan on the first error.
    export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0:check_initialization_order=1:strict_init_order=1
    # fast_unwind_on_malloc=0: Debian's GLib and GStreamer are built without frame pointers, so the
    # fast unwinder stops at g_malloc and no suppression could name the third-party frame.
    export LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp
    # GLib 2.74 hands GSlice blocks (GstBuffer, GstCaps, GList nodes...) out of magazines that stay
    # reachable: a leaked one is invisible to LSan unless every slice is a plain malloc().
    export G_SLICE=always-malloc
    BUILD_DIR=$build CMAKE_ARGS="-DDS_SANITIZE=address,undefined ${CMAKE_ARGS:-}" "$root/scripts/build.sh"
    cd "$build"
    ctest --output-on-failure --timeout 900 -L unit -j2 "$@"
    # Every component and integration test, then every browser and security test (the
    # container image's are left to the ordinary suite: the image holds the plain build).
    ctest --output-on-failure --timeout 900 -L 'component|integration' "$@"
    # The browser tiers spend most of their time under ASan unwinding a stack at each malloc and
    # free (GLib has no frame pointers, so it is the slow unwinder): 16 frames instead of the
    # default 30 cut that. At 12, a GError copied by gst_message_parse_error() was reported with
    # its stack cut just below its caller (e2e_static, once): almost certainly webrtcbin's data
    # channel, whose leak lsan.supp names by libgstwebrtc.so one frame further up.
    LSAN_OPTIONS=$LSAN_OPTIONS:malloc_context_size=16 \
      ctest --output-on-failure --timeout 900 -L 'e2e|security' -LE image "$@"
    # The CI stage's soak is half the full mode's.
    if [ "$kind" = asan-ci ]; then cycles=(--cycles 25 --warmup 5); else cycles=(--cycles 50 --warmup 10); fi
    DESKSTREAM_BIN=$build/apps/deskstream/deskstream "$root/scripts/soak.sh" "${cycles[@]}" --check
    ;;
  tsan)
    build=${BUILD_DIR:-$root/build-tsan}
    export TSAN_OPTIONS=suppressions=$supp/tsan.supp:halt_on_error=0:second_deadlock_stack=1:history_size=4
    export G_SLICE=always-malloc  # GSlice's per-thread magazines recycle memory TSan cannot follow
    # The component tests run GStreamer pipelines and webrtcbin with our callbacks in them.
    targets="deskstream media_pipeline_test media_encode_switch_test media_failover_test media_hygiene_test webrtc_branch_isolation_test webrtc_codec_negotiation_test webrtc_ice_release_test wsmedia_tap_test audio_pipeline_test"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDS_SANITIZE=thread ${CMAKE_ARGS:-} >/dev/null
    cmake --build "$build" -j"$(nproc)" --target $targets
    cd "$build"
    ctest --output-on-failure --timeout 900 -L component -E 'NOT_BUILT' "$@"
    ctest --output-on-failure --timeout 900 -R '^(e2e_stream|security_peer_isolation)$' "$@"
    ;;
  *)
    echo "scripts/test_sanitize.sh: unknown sanitizer '$kind' (asan, asan-ci or tsan)" >&2
    exit 2
    ;;
esac
