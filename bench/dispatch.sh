#!/usr/bin/env bash
# The dispatch question, deterministically: retired instructions and
# simulated branch mispredictions of one run of WORLD3-03 and of C-LEARN in
# each interpreter loop, counted by valgrind's callgrind inside
# sd_run_steps only (reading and compiling the model are not counted).
#   bash bench/dispatch.sh        (sdvm installed; SDVM_CORPUS or ../shared/models)
# Prints one line per model and loop: Ir, conditional and indirect branches
# and their mispredictions, and the same per step.
set -euo pipefail
corpus="${SDVM_CORPUS:-$(cd "$(dirname "$0")/../../shared/models" 2>/dev/null && pwd)}"
[ -d "$corpus" ] || { echo "no corpus: set SDVM_CORPUS"; exit 1; }
command -v valgrind > /dev/null || { echo "valgrind is not installed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/run.R" <<'RS'
library(sdvm)
m <- read_vensim(Sys.getenv("MODEL"))
p <- sdvm:::compiled(m)$ptr
invisible(.Call(sdvm:::C_sdvm_bench_run, p, 1L, as.integer(Sys.getenv("DISP")), TRUE))
RS
printf "%-10s %-7s %14s %12s %10s %12s %10s %9s %9s\n" model loop Ir Bc Bcm Bi Bim Ir/step Bim/step
for model in "world3/wrld3-03.mdl:400:WORLD3" "clearn/C-LEARN v77 for Vensim.mdl:1000:C-LEARN"; do
  path="$corpus/${model%%:*}"; rest="${model#*:}"; steps="${rest%%:*}"; name="${rest#*:}"
  for disp in 1 2; do
    loop=$([ $disp = 1 ] && echo goto || echo switch)
    MODEL="$path" DISP=$disp R -d "valgrind --tool=callgrind --toggle-collect=sd_run_steps --branch-sim=yes --callgrind-out-file=$work/cg.out" \
      --vanilla -s -f "$work/run.R" > "$work/log" 2>&1
    # totals line: Ir Bc Bcm Bi Bim
    read -r ir bc bcm bi bim < <(grep '^summary:' "$work/cg.out" | sed 's/summary: //')
    printf "%-10s %-7s %14s %12s %10s %12s %10s %9.0f %9.0f\n" "$name" "$loop" "$ir" "$bc" "$bcm" "$bi" "$bim" \
      "$(echo "$ir / ($steps + 1)" | bc -l)" "$(echo "$bim / ($steps + 1)" | bc -l)"
  done
done
