#!/usr/bin/env bash
# The GPU check, in two halves, because the lent GPU machine has CUDA but no .NET SDK and cannot download one:
#
#   bench/gpu-check.sh pack   here, with the SDK: builds Release and packs the built tests and bench with a minimal
#                             .NET runtime, the VSTest runner, ../shared/goldens and the vocabulary into .gpu/bundle.tar.xz
#                             (ignored by git; it must stay under the device tool's 64 MiB for what travels)
#   bench/gpu-check.sh        on the GPU machine, from the repository root, with .gpu carried along; it also works
#                             on a machine that has the SDK (then it builds instead of unpacking)
#
# The run writes one log per step and summary.txt (step, status, seconds) under $OUT (else ./gpu-check-out). Each
# step has its own timeout and the whole stays under 8 minutes: a step that would not fit is skipped, not started.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

readonly BUNDLE=.gpu/bundle.tar.xz
# Unpacked inside the repository, so the tests, which look for shared/goldens above their binaries, find the copy.
readonly UNPACKED=.gpu/run
readonly BUDGET_S=470
readonly CPU_VERBS=" peak sgemm ops tokenize info kernels train-step "

pack() {
  set -e
  dotnet build ClipEngine.sln -c Release
  local sdk root stage
  sdk=$(dotnet --version)
  root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  stage=$(mktemp -d)
  # The runtime, the host and, from the SDK, only what vstest.console needs to run test assemblies.
  mkdir -p "$stage/dotnet/sdk/$sdk/Extensions" "$stage/dotnet/shared" "$stage/tests"
  cp "$root/dotnet" "$stage/dotnet/"
  cp -r "$root/host" "$stage/dotnet/"
  cp -r "$root/shared/Microsoft.NETCore.App" "$stage/dotnet/shared/"
  (cd "$root/sdk/$sdk" && cp vstest.console.* testhost* Microsoft.TestPlatform.*.dll Microsoft.VisualStudio.TestPlatform.*.dll \
    Newtonsoft.Json.dll Microsoft.Extensions.FileSystemGlobbing.dll Microsoft.Extensions.DependencyModel.dll \
    "$stage/dotnet/sdk/$sdk/" && cp Extensions/*.dll "$stage/dotnet/sdk/$sdk/Extensions/")
  for project in tests/*/; do
    project=$(basename "$project")
    cp -r "tests/$project/bin/Release/net10.0" "$stage/tests/$project"
  done
  cp -r bench/bin/Release/net10.0 "$stage/bench"
  # Windows-only natives (BenchmarkDotNet's ETW tracing) and translated messages only take room.
  rm -rf "$stage"/bench/{x86,amd64,arm64} "$stage"/bench/runtimes/win
  find "$stage/bench" "$stage/tests" -mindepth 1 -maxdepth 2 -type d -name '*-*' ! -name '*linux*' -prune -exec rm -rf {} +
  find "$stage/bench" "$stage/tests" -mindepth 1 -maxdepth 2 -type d -regex '.*/[a-z][a-z]' -prune -exec rm -rf {} +
  # Native packages (SkiaSharp under ScottPlot) ship every platform, ~11 MiB each: the GPU machine is linux-x64.
  local natives
  for natives in "$stage"/*/runtimes "$stage"/tests/*/runtimes; do
    [ -d "$natives" ] && find "$natives" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
  done
  if [ -d ../shared/goldens ]; then
    # The ResNet goldens (tiny_rn.*, 24 MiB) have no tests until the ResNet tower exists; the vocabulary does.
    mkdir -p "$stage/shared/goldens" "$stage/shared/data"
    find -L ../shared/goldens -maxdepth 1 -type f ! -name 'tiny_rn.*' -exec cp -L {} "$stage/shared/goldens/" \;
    cp -L ../shared/data/bpe_simple_vocab_16e6.txt.gz "$stage/shared/data/"
  else
    echo "warning: no ../shared/goldens; the golden-file tests will fail on the GPU machine" >&2
  fi
  mkdir -p .gpu
  tar -cJf "$BUNDLE" -C "$stage" .
  rm -rf "$stage"
  local exclude
  exclude=$(git rev-parse --git-path info/exclude)
  grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >>"$exclude"
  local size
  size=$(stat -c %s "$BUNDLE")
  echo "packed $BUNDLE: $((size / 1048576)) MiB; on the GPU machine: run bench/gpu-check.sh with carry [\".gpu\"]"
  [ "$size" -lt $((62 * 1048576)) ] || { echo "the bundle is over 62 MiB: with the repository it will not travel" >&2; exit 1; }
}

out=${OUT:-gpu-check-out}
start=$SECONDS
summary=()
failures=0

# step NAME TIMEOUT_S COMMAND...: runs COMMAND with its own timeout, its output in $out/NAME.log (appended, so
# several commands can share one log), and records a summary row.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((BUDGET_S - (SECONDS - start)))
  if [ "$left" -lt "$limit" ]; then
    summary+=("$(printf '%-28s %-12s %6s' "$name" "skipped" "-")")
    echo "== $name: skipped (${left}s left of the budget, needs ${limit}s)"
    return
  fi
  echo "== $name (timeout ${limit}s)"
  local began=$SECONDS rc status
  timeout --kill-after=10 "$limit" "$@" >>"$out/${name%% *}.log" 2>&1
  rc=$?
  case $rc in
    0) status=ok ;;
    124 | 137) status=TIMEOUT ;;
    *) status="FAIL($rc)" ;;
  esac
  [ "$rc" -eq 0 ] || failures=$((failures + 1))
  summary+=("$(printf '%-28s %-12s %6d' "$name" "$status" $((SECONDS - began)))")
  tail -n 3 "$out/${name%% *}.log"
}

# The CUDA toolkit's and pip's NVRTC and cuBLAS are not on the loader's path by default.
find_cuda_libraries() {
  local dir dirs=() pip_dirs=()
  read -ra pip_dirs < <(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, d, "lib") for p in nvidia.__path__ for d in os.listdir(p)))' 2>/dev/null)
  for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/nvidia/lib64 "${pip_dirs[@]}"; do
    [ -d "$dir" ] && dirs+=("$dir")
  done
  local joined
  joined=$(IFS=:; echo "${dirs[*]}")
  export LD_LIBRARY_PATH="${joined}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# Sets BENCH and TESTS, the commands that run the bench app and the test suite (the latter on the real driver).
setup() {
  if dotnet --list-sdks 2>/dev/null | grep -q .; then
    timeout 200 dotnet build ClipEngine.sln -c Release || return 1
    BENCH=(dotnet bench/bin/Release/net10.0/ClipEngine.Bench.dll)
    TESTS=(env CLIPENGINE_DEVICE=cuda dotnet test ClipEngine.sln -c Release --no-build)
  else
    [ -f "$BUNDLE" ] || { echo "no .NET SDK here and no $BUNDLE: run 'bench/gpu-check.sh pack' where the SDK is, and carry .gpu" >&2; return 1; }
    rm -rf "$UNPACKED" && mkdir -p "$UNPACKED" && timeout 60 tar -xJf "$BUNDLE" -C "$UNPACKED" || return 1
    export DOTNET_ROOT=$PWD/$UNPACKED/dotnet
    BENCH=("$DOTNET_ROOT/dotnet" "$UNPACKED/bench/ClipEngine.Bench.dll")
    TESTS=(env CLIPENGINE_DEVICE=cuda "$DOTNET_ROOT/dotnet" exec "$DOTNET_ROOT"/sdk/*/vstest.console.dll "$UNPACKED"/tests/*/*.Tests.dll)
  fi
  echo "tests: ${TESTS[*]}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
}

# Every bench verb that is not one of the CPU ones (or info/kernels, run as their own steps).
gpu_verbs() {
  "${BENCH[@]}" 2>&1 | awk '/^  [a-z]/ {print $1}' | while read -r verb; do
    [[ "$CPU_VERBS" == *" $verb "* ]] || echo "$verb"
  done
}

# The cuda verb's full run is sized to finish in under 90 s on an H200 (CudaBenchOptions.Full), its kernels compiled
# by the test step already; the margin covers a cold kernel cache. The timeouts of info, tests, kernels and cuda sum
# to 430 s, which leaves the budget 40 s for the setup (unpacking the bundle).
verb_timeout() {
  case $1 in
    cuda) echo 100 ;;
    *) echo 60 ;;
  esac
}

check() {
  mkdir -p "$out"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 CLIPENGINE_KERNEL_CACHE=/tmp/gpu-check-kernels
  find_cuda_libraries
  local setup_rc
  # Not in a pipe or subshell: setup sets BENCH and TESTS.
  setup >"$out/setup.log" 2>&1
  setup_rc=$?
  summary+=("$(printf '%-28s %-12s %6d' setup "$([ "$setup_rc" -eq 0 ] && echo ok || echo "FAIL($setup_rc)")" $((SECONDS - start)))")
  if [ "$setup_rc" -ne 0 ]; then
    failures=1
    tail -n 20 "$out/setup.log"
  else
    step info 30 "${BENCH[@]}" info
    step tests 240 "${TESTS[@]}"
    step kernels 60 "${BENCH[@]}" kernels --arch device
    local verb
    for verb in $(gpu_verbs); do
      step "bench $verb" "$(verb_timeout "$verb")" "${BENCH[@]}" "$verb"
    done
    # Last, so that they only use what the budget has left: a training step's time and peak memory, fp32 then bf16.
    local precision
    for precision in fp32 bf16; do
      step "train-step $precision" 40 "${BENCH[@]}" train-step --device cuda --precision "$precision" --no-profile
    done
  fi
  {
    printf '%-28s %-12s %6s\n' step status seconds
    printf '%s\n' "${summary[@]}"
    grep -hE '^(Passed|Failed)!' "$out/tests.log" 2>/dev/null
    echo "total ${SECONDS}s, $failures failed"
  } | tee "$out/summary.txt"
  [ "$failures" -eq 0 ]
}

case ${1:-check} in
  pack) pack ;;
  check) check ;;
  *) echo "usage: bench/gpu-check.sh [pack | check]" >&2; exit 2 ;;
esac
