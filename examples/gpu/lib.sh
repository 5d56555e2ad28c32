# Shared by examples/gpu/check.sh and check-ddp.sh (sourced, not run): their options, the results table, and the
# helpers that read a run's numbers. The sourcing script sets `script`, `usage_lines` and `steps` (its default) first.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tarflow="$root/tarflow"
out=""
cpu_only=0

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

# Reads --cpu-only, --steps N, --out DIR and --help; then picks the device (and the launcher's variant) and the log.
parse_options() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --cpu-only) cpu_only=1 ;;
      --steps) steps="${2:?--steps needs a number}"; shift ;;
      --out) out="${2:?--out needs a directory}"; shift ;;
      -h|--help) usage; exit 0 ;;
      *) echo "$script: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
  done
  case "$steps" in ''|*[!0-9]*) echo "$script: --steps '$steps' is not a number" >&2; exit 2 ;; esac
  [ "$steps" -ge 2 ] || { echo "$script: --steps must be at least 2" >&2; exit 2; }
  if [ "$cpu_only" = 1 ]; then
    device=cpu
    export TARFLOW_GPU=0
  else
    device=cuda
    export TARFLOW_GPU=1
  fi
  [ -n "$out" ] || out="$(mktemp -d "${TMPDIR:-/tmp}/tarflow-${script%.sh}.XXXXXX")"
  mkdir -p "$out"
  log="$out/${script%.sh}.log"
  : > "$log"
}

names=()
states=()
details=()
record() { names+=("$1"); states+=("$2"); details+=("$3"); }

# Runs the tarflow command, its output appended to the log; returns its status.
run() {
  echo "\$ tarflow $*" >> "$log"
  "$tarflow" "$@" >> "$log" 2>&1
}

# The value of "key" in a JSON text (the first occurrence), or nothing.
json() {
  grep -o "\"$1\": *[-0-9.eE+a-zA-Z\"]*" | head -n 1 | sed 's/^[^:]*: *//; s/"//g'
}

# Training losses of a run, one per step, from its metrics.jsonl.
losses() {
  grep '"split":"train"' "$1/metrics.jsonl" | grep -o '"loss":[-0-9.eE+]*' | cut -d: -f2
}

# The validation bound (nats per token) of a run's result.json.
valid() {
  grep -o '"valid":{"nats_per_token":[-0-9.eE+]*' "$1/result.json" | sed 's/.*://'
}

# |a - b| / |b| of two numbers.
relative() {
  awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; printf "%.3g", (m > 0 ? d / m : d) }'
}

# True when a <= b for two numbers.
at_most() {
  awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'
}

# Prints the table of checks and where the runs are; fails when a check failed.
report() {
  local failed=0
  printf '\n%-32s %-6s %s\n' CHECK RESULT NUMBERS
  for i in "${!names[@]}"; do
    printf '%-32s %-6s %s\n' "${names[$i]}" "${states[$i]}" "${details[$i]}"
    [ "${states[$i]}" = FAIL ] && failed=$((failed + 1))
  done
  printf '\nruns and logs: %s\n' "$out"
  [ "$failed" = 0 ]
}
