#!/usr/bin/env bash
# Long fuzzing runs with a saved corpus and a coverage report.
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--save] [--out DIR] [fuzzer ...]
#
# Runs each libFuzzer target (default: all four) for N seconds (default 1800) on its own corpus
# under DIR/<fuzzer>/corpus (default DIR: build/fuzz), which persists between runs and is seeded
# from tests/fuzz/corpus/<fuzzer>. A crash is kept as DIR/<fuzzer>/crash-*. Afterwards a coverage
# build of the same target replays the corpus and llvm-cov reports the line and region coverage of
# our sources. --save merges the inputs that add coverage into tests/fuzz/corpus/<fuzzer> (commit
# them: ctest's short runs start from there). J fuzzers run at once (default 1), at nice 10.
# Writes DIR/report.json and prints one summary line per fuzzer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=1800 jobs=1 save=0 out="$root/build/fuzz"
fuzzers=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --save) save=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) fuzzers+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "fuzz.sh: --seconds must be a positive integer" >&2; exit 2; }
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
  nice -n 10 "$bin/$f" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=9000 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" "${seeds[@]}" >"$dir/fuzz.log" 2>&1 || rc=$?
  echo "$rc" >"$dir/rc"
  # Coverage: replay the corpus (and the seeds) once in the coverage build.
  rm -f "$dir"/cov-*.profraw
  LLVM_PROFILE_FILE="$dir/cov-%p.profraw" "$bin/${f}_cov" -runs=0 "$dir/corpus" "${seeds[@]}" \
    >"$dir/cov-run.log" 2>&1 || true
  llvm-profdata merge -sparse "$dir"/cov-*.profraw -o "$dir/cov.profdata"
  llvm-cov report "$bin/${f}_cov" -instr-profile="$dir/cov.profdata" \
    -ignore-filename-regex='(^/usr/|/tests/)' >"$dir/coverage.txt"
  if ((save)); then
    "$bin/$f" -merge=1 -max_len=9000 "$root/tests/fuzz/corpus/$f" "$dir/corpus" >"$dir/merge.log" 2>&1
  fi
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
    crashes = sorted(os.path.basename(p) for p in glob.glob(os.path.join(d, "crash-*")) +
                     glob.glob(os.path.join(d, "leak-*")) + glob.glob(os.path.join(d, "timeout-*")) +
                     glob.glob(os.path.join(d, "oom-*")))
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
        "findings": crashes,
    }
    failed |= rc != 0 or bool(crashes)
    report["fuzzers"].append(entry)
    print(f"{name}: {entry['executions']} runs ({entry['exec_per_second']}/s), edges {entry['edges']}, "
          f"lines {entry['line_coverage']}, regions {entry['region_coverage']}, "
          f"corpus {entry['corpus_files']}, findings {crashes or 'none'}")
json.dump(report, open(os.path.join(out, "report.json"), "w"), indent=2)
print("report:", os.path.join(out, "report.json"))
sys.exit(1 if failed else 0)
EOF
