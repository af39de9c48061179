#!/usr/bin/env bash
# Long fuzzing runs with a saved corpus and a coverage report.
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--timeout T] [--out DIR] [fuzzer ...]
#
# Runs each libFuzzer target (default: all four) for N seconds (default 1800) on its own corpus
# under DIR/<fuzzer>/corpus (default DIR: build/fuzz), which is kept between runs (the saved
# corpus: the next run starts from it) and is seeded from tests/fuzz/corpus/<fuzzer>. An input
# that crashes, leaks or runs longer than T seconds (default 60) is kept as DIR/<fuzzer>/crash-*
# (leak-*, timeout-*, oom-*) and replayed once: a finding that does not reproduce alone is
# reported as such (a busy machine can stall one input). Afterwards a coverage build of the same
# target replays the corpus and llvm-cov reports the line and region coverage of each of our
# source files. J fuzzers run at once (default 1), at nice 10. Writes DIR/report.json, prints one
# summary line per fuzzer, and fails if any finding reproduces.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=1800 jobs=1 timeout=60 out="$root/build/fuzz"
fuzzers=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) fuzzers+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "fuzz.sh: --seconds must be a positive integer" >&2; exit 2; }
[[ "$timeout" =~ ^[0-9]+$ && "$timeout" -gt 0 ]] || { echo "fuzz.sh: --timeout must be a positive integer" >&2; exit 2; }
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -gt 0 ]] || { echo "fuzz.sh: --jobs must be a positive integer" >&2; exit 2; }
((${#fuzzers[@]})) || fuzzers=(auth_token_fuzzer auth_jwks_fuzzer signalling_fuzzer input_protocol_fuzzer)

build="$root/build"
[[ -f "$build/CMakeCache.txt" ]] || "$root/scripts/build.sh"
bin="$build/tests/fuzz"
for f in "${fuzzers[@]}"; do
  { make -C "$build" --no-print-directory "${f}_build" && make -C "$build" --no-print-directory "${f}_cov_build"; } >/dev/null \
    || { echo "fuzz.sh: cannot build $f (is clang with libclang-rt-14-dev installed?)" >&2; exit 1; }
done

run_one() {
  local f=$1 dir="$out/$1"
  mkdir -p "$dir/corpus"
  local seeds=()
  [[ -d "$root/tests/fuzz/corpus/$f" ]] && seeds=("$root/tests/fuzz/corpus/$f")
  local rc=0
  nice -n 10 "$bin/$f" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -max_len=9000 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" "${seeds[@]}" >"$dir/fuzz.log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
  # Coverage: replay the corpus (and the seeds) once in the coverage build.
  rm -f "$dir"/cov-*.profraw
  LLVM_PROFILE_FILE="$dir/cov-%p.profraw" "$bin/${f}_cov" -runs=0 "$dir/corpus" "${seeds[@]}" \
    >"$dir/cov-run.log" 2>&1 || true
  llvm-profdata merge -sparse "$dir"/cov-*.profraw -o "$dir/cov.profdata"
  llvm-cov report "$bin/${f}_cov" -instr-profile="$dir/cov.profdata" \
    -ignore-filename-regex='(^/usr/|/tests/)' >"$dir/coverage.txt"
  # Replay each finding alone: exit status 0 means it did not reproduce.
  local finding
  for finding in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
    [[ -e "$finding" && "$finding" != *.replay ]] || continue
    if "$bin/$f" -timeout="$timeout" -rss_limit_mb=2048 "$finding" >"$finding.replay" 2>&1; then
      echo "not reproduced" >>"$finding.replay"
    fi
  done
}

running=0
for f in "${fuzzers[@]}"; do
  echo "fuzz.sh: $f for ${seconds}s (log: $out/$f/fuzz.log)"
  run_one "$f" &
  running=$((running + 1))
  if ((running >= jobs)); then wait -n; running=$((running - 1)); fi
done
wait

python3 - "$out" "$seconds" "${fuzzers[@]}" <<'EOF'
import json, os, re, sys, glob
out, seconds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
report = {"seconds_each": seconds, "cores": os.cpu_count(), "fuzzers": []}
failed = False
for name in names:
    d = os.path.join(out, name)
    log = open(os.path.join(d, "fuzz.log"), errors="replace").read()
    stat = lambda key: int(m.group(1)) if (m := re.search(r"stat::%s:\s+(\d+)" % key, log)) else None
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", log)
    total = [l for l in open(os.path.join(d, "coverage.txt")) if l.startswith("TOTAL")]
    cols = total[0].split() if total else []
    findings = []
    for kind in ("crash", "leak", "timeout", "oom"):
        for path in sorted(glob.glob(os.path.join(d, kind + "-*"))):
            if path.endswith(".replay"):
                continue
            replay = open(path + ".replay", errors="replace").read() if os.path.exists(path + ".replay") else ""
            findings.append({"file": os.path.basename(path),
                             "reproduced": "not reproduced" not in replay})
    files = {}
    for line in open(os.path.join(d, "coverage.txt")):
        c = line.split()
        if len(c) > 9 and c[0].endswith((".cpp", ".hpp")) and c[4] != "0":
            files[c[0]] = {"lines": c[9], "regions": c[3]}
    rc = int(open(os.path.join(d, "rc")).read())
    entry = {
        "fuzzer": name, "exit_code": rc,
        "executions": stat("number_of_executed_units"),
        "exec_per_second": stat("average_exec_per_sec"),
        "edges": int(cov[-1][0]) if cov else None, "features": int(cov[-1][1]) if cov else None,
        "corpus_files": len(os.listdir(os.path.join(d, "corpus"))),
        # llvm-cov TOTAL: regions, missed, cover%, functions, missed, exec%, lines, missed, cover%
        "region_coverage": cols[3] if len(cols) > 3 else None,
        "line_coverage": cols[9] if len(cols) > 9 else None,
        "files": files,
        "findings": findings,
    }
    reproduced = [f["file"] for f in findings if f["reproduced"]]
    failed |= bool(reproduced) or (rc != 0 and not findings)
    report["fuzzers"].append(entry)
    print(f"{name}: {entry['executions']} runs ({entry['exec_per_second']}/s), edges {entry['edges']}, "
          f"lines {entry['line_coverage']}, regions {entry['region_coverage']}, "
          f"corpus {entry['corpus_files']}, findings: "
          + (", ".join(f"{f['file']} ({'reproduced' if f['reproduced'] else 'not reproduced'})"
                       for f in findings) or "none"))
json.dump(report, open(os.path.join(out, "report.json"), "w"), indent=2)
print("report:", os.path.join(out, "report.json"))
sys.exit(1 if failed else 0)
EOF
