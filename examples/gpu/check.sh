#!/usr/bin/env bash
# tarflow4j on your GPU: what a user with one NVIDIA GPU runs to see training, evaluation, sampling, the multi-pass
# view and the benchmarks work on it, and agree with the CPU.
#
#   examples/gpu/check.sh [--steps N] [--out DIR]
#   examples/gpu/check.sh --cpu-only      # the script's own self-test where there is no GPU: every step on the CPU
#
# Steps: the host (driver, GPU, CUDA libraries), the GPU build (TARFLOW_GPU=1 ./tarflow), N training steps (default
# 50) of the built-in small model on the embedded corpus on the GPU and on the CPU from one seed, their losses
# compared step by step, the GPU checkpoint evaluated on the GPU and on the CPU, sampling and the multi-pass view on
# both, a latent edit on the GPU, and the benchmarks on the GPU (float32 and bf16 autocast). With two GPUs visible,
# examples/gpu/check-ddp.sh (data-parallel) runs too when it exists. Prints a table of PASS / FAIL / SKIP with the
# numbers, and exits 1 when a check failed.
#
# Tolerances (TF32 stays off, train.tf32 = false, so float32 matmuls are full float32 on the GPU too):
#   - training losses, GPU against CPU: at most 1e-5 relative at the first step (the same model, batch and encoder
#     noise: only the order of float32 sums differs) and at most 1e-3 at every one of the N steps (rounding differences
#     grow over the Adam updates: between 1 and 2 CPU threads, whose float32 sums also differ in order, 50 steps of
#     this check differed by at most 2e-9 relative; a GPU's kernels differ more, by an amount not measured yet);
#   - evaluation of one checkpoint, GPU against CPU: at most 1e-4 relative (the same weights and noise);
#   - the multi-pass view of one text, GPU against CPU: the same decoded texts at every layer.
set -uo pipefail

script=check.sh
steps=50
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_options "$@"

# ---------------------------------------------------------------------------------------------------------------------
visible=0
if [ "$cpu_only" = 1 ]; then
  record "host" SKIP "--cpu-only: no GPU checks"
elif ! command -v nvidia-smi > /dev/null 2>&1; then
  record "host" FAIL "nvidia-smi not found: install the NVIDIA driver (R580 or newer)"
else
  gpu="$(nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>> "$log" | head -n 1)"
  if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
    visible="$(echo "$CUDA_VISIBLE_DEVICES" | tr ',' '\n' | grep -c .)"
  else
    visible="$(nvidia-smi -L 2>> "$log" | grep -c '^GPU')"
  fi
  name="$(echo "$gpu" | cut -d, -f1 | xargs)"
  driver="$(echo "$gpu" | cut -d, -f2 | xargs)"
  capability="$(echo "$gpu" | cut -d, -f3 | xargs)"
  missing=()
  for lib in libcudart.so.13 libcupti.so.13 libcublas.so.13 libcublasLt.so.13 libcufft.so.12 libcurand.so.10 \
      libcusolver.so.12 libcusparse.so.12 libnvrtc.so.13 libnvJitLink.so.13 libcudnn.so.9 libnccl.so.2 libcufile.so.0; do
    found=0
    ldconfig -p 2> /dev/null | grep -q " $lib " && found=1
    for d in ${LD_LIBRARY_PATH//:/ }; do [ -e "$d/$lib" ] && found=1; done
    [ "$found" = 1 ] || missing+=("$lib")
  done
  problems=()
  [ "${driver%%.*}" -ge 580 ] 2> /dev/null || problems+=("driver $driver is older than R580")
  at_most 7.5 "${capability:-0}" || problems+=("compute capability $capability is below 7.5 (Turing)")
  [ "${#missing[@]}" = 0 ] || problems+=("missing ${missing[*]}")
  if [ "${#problems[@]}" = 0 ]; then
    record "host" PASS "$name, driver $driver, compute capability $capability, $visible GPU(s) visible, 13 CUDA libraries found"
  else
    record "host" FAIL "$name: $(IFS=';'; echo "${problems[*]}")"
  fi
fi

# ---------------------------------------------------------------------------------------------------------------------
if run --version; then
  record "build ($([ "$cpu_only" = 1 ] && echo cpu || echo gpu) variant)" PASS "$(tail -n 1 "$log")"
else
  record "build" FAIL "see $log"
fi

common=(--set "train.steps=$steps" --set train.log_every=1 --set train.eval_every=0 --set train.checkpoint_every=0
  --set eval.max_batches=10 --set train.tf32=false)
# Trains the built-in model into directory $1 on device $2, under the name $3.
train() {
  rm -rf "$1"
  if run train --run-dir "$1" --set "train.device=$2" "${common[@]}"; then
    local test memory
    test="$(grep -o '"test":{[^}]*}' "$1/result.json")"
    memory="$(json device_peak_allocated_mib < "$1/result.json")"
    record "$3" PASS "$(printf 'test %.4f bpc, %.0f tokens/s' "$(echo "$test" | json bpc)" \
      "$(json tokens_per_s < "$1/result.json")")${memory:+, peak $(printf '%.0f' "$memory") MiB allocated on the device}"
    trained+=("$1")
  else
    record "$3" FAIL "see $log"
  fi
}
trained=()
train "$out/gpu" "$device" "train $steps steps on $device"
train "$out/cpu" cpu "train $steps steps on the CPU"

if [ "${#trained[@]}" = 2 ]; then
  mapfile -t a < <(losses "$out/gpu")
  mapfile -t b < <(losses "$out/cpu")
  if [ "${#a[@]}" != "$steps" ] || [ "${#b[@]}" != "$steps" ]; then
    record "losses, $device vs CPU" FAIL "${#a[@]} and ${#b[@]} losses logged, $steps expected"
  else
    first="$(relative "${a[0]}" "${b[0]}")"
    worst=0
    for ((i = 0; i < steps; i++)); do
      d="$(relative "${a[$i]}" "${b[$i]}")"
      at_most "$d" "$worst" || worst="$d"
    done
    if at_most "$first" 1e-5 && at_most "$worst" 1e-3; then state=PASS; else state=FAIL; fi
    record "losses, $device vs CPU" "$state" \
      "step 1: ${a[0]} vs ${b[0]} (rel $first <= 1e-5); worst of $steps steps: rel $worst <= 1e-3; last: ${a[$((steps - 1))]} vs ${b[$((steps - 1))]}"
  fi
else
  record "losses, $device vs CPU" SKIP "needs both training runs"
fi

# ---------------------------------------------------------------------------------------------------------------------
if [ -f "$out/gpu/last.ckpt" ]; then
  if run eval "$out/gpu" --split valid --device "$device" && cp "$out/gpu/eval-valid-k1.json" "$out/eval-device.json" \
    && run eval "$out/gpu" --split valid --device cpu; then
    x="$(json bpc < "$out/eval-device.json")"
    y="$(json bpc < "$out/gpu/eval-valid-k1.json")"
    d="$(relative "$x" "$y")"
    if at_most "$d" 1e-4; then state=PASS; else state=FAIL; fi
    record "eval on $device vs CPU" "$state" "valid $x vs $y bpc (rel $d <= 1e-4)"
  else
    record "eval" FAIL "see $log"
  fi

  text="the european parliament"
  if run trace "$out/gpu" --device "$device" --text "$text" --json && cp "$out/gpu/trace.json" "$out/trace-device.json" \
    && run trace "$out/gpu" --device cpu --text "$text" --json; then
    if diff -q <(grep -A1 '"texts"' "$out/trace-device.json") <(grep -A1 '"texts"' "$out/gpu/trace.json") > /dev/null; then
      record "trace on $device" PASS "every layer decodes as on the CPU"
    else
      record "trace on $device" FAIL "layers decode differently from the CPU: compare $out/trace-device.json and $out/gpu/trace.json"
    fi
  else
    record "trace" FAIL "see $log"
  fi

  if run edit "$out/gpu" --device "$device" --text "$text" --span 4:12 --num 2; then
    record "edit on $device" PASS "2 resamplings of \"${text:4:8}\" in \"$text\""
  else
    record "edit on $device" FAIL "see $log"
  fi

  samples=()
  for where in "$device" cpu; do
    if "$tarflow" sample "$out/gpu" --device "$where" --num 4 --seed 1 --json > "$out/samples-$where.jsonl" 2>> "$log"; then
      samples+=("$out/samples-$where.jsonl")
    fi
  done
  if [ "${#samples[@]}" = 2 ]; then
    same="$(paste -d'\n' "$out/samples-$device.jsonl" "$out/samples-cpu.jsonl" | awk 'NR % 2 { a = $0; next } a == $0 { n++ } END { print n + 0 }')"
    record "sample on $device" PASS "4 samples of seed 1; $same of 4 identical to the CPU's (argmax decoding; float32 backbones may flip a near tie)"
  else
    record "sample" FAIL "see $log"
  fi
else
  record "eval, trace, edit, sample" SKIP "no checkpoint from the $device run"
fi

# ---------------------------------------------------------------------------------------------------------------------
if run bench train --set "train.device=$device" --steps 4 --json && bench="$(grep '"training"' "$log" | tail -n 1)"; then
  tps="$(echo "$bench" | grep -o '"model":"flow","precision":"[a-z0-9]*","ms_per_step":[0-9.eE+-]*,"tokens_per_s":[0-9.eE+-]*' \
    | sed 's/.*precision":"\([a-z0-9]*\)".*tokens_per_s":\([0-9.eE+-]*\)/\1 \2/' | awk '{ printf "%s%s %.0f tokens/s", (NR > 1 ? ", " : ""), $1, $2 }')"
  record "bench train on $device" PASS "flow: $tps"
else
  record "bench train" FAIL "see $log"
fi
if run bench couplings --device "$device" --quick; then
  record "bench couplings on $device" PASS "table in $log"
else
  record "bench couplings" FAIL "see $log"
fi

# ---------------------------------------------------------------------------------------------------------------------
ddp="$root/examples/gpu/check-ddp.sh"
if [ "$cpu_only" = 1 ]; then
  record "data-parallel (2 GPUs)" SKIP "--cpu-only"
elif [ "$visible" -lt 2 ]; then
  record "data-parallel (2 GPUs)" SKIP "$visible GPU visible"
elif [ ! -f "$ddp" ]; then
  record "data-parallel (2 GPUs)" SKIP "examples/gpu/check-ddp.sh not in this checkout"
elif bash "$ddp" --out "$out/ddp" >> "$log" 2>&1; then
  record "data-parallel (2 GPUs)" PASS "examples/gpu/check-ddp.sh"
else
  record "data-parallel (2 GPUs)" FAIL "examples/gpu/check-ddp.sh failed; see $log"
fi

# ---------------------------------------------------------------------------------------------------------------------
report
