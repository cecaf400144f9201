#!/usr/bin/env bash
# Lanes, deterministically: retired instructions and simulated branch
# mispredictions per run and step of a batch of 8 runs with different
# parameters (one lane group), stepped in lanes (counted inside
# sd_run_lanes) and one run at a time (inside sd_run_steps), in each
# interpreter loop, under valgrind's callgrind.
#   bash bench/lanes.sh        (sdvm installed; SDVM_CORPUS or ../shared/models)
set -euo pipefail
corpus="${SDVM_CORPUS:-$(cd "$(dirname "$0")/../../shared/models" 2>/dev/null && pwd)}"
[ -d "$corpus" ] || { echo "no corpus: set SDVM_CORPUS"; exit 1; }
command -v valgrind > /dev/null || { echo "valgrind is not installed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/run.R" <<'RS'
library(sdvm)
m <- read_vensim(Sys.getenv("MODEL"))
cache <- sdvm:::compiled(m)
pn <- strsplit(Sys.getenv("PARAMS"), "|", fixed = TRUE)[[1]]
idx <- match(pn, cache$vars$name) - 1L
vals <- matrix(rep(seq(0.8, 1.2, length.out = 8), each = length(pn)), length(pn))
vals <- vals * vapply(pn, function(p) sdvm:::sd_run(m, vars = p)[[p]][1], 0)
st <- sdvm:::run_settings(NULL, NULL, NULL, NULL)
meth <- sdvm:::run_method(NULL, NULL, m$settings$precision)
invisible(.Call(sdvm:::C_sdvm_batch, cache$ptr, idx, vals, st, meth, idx, as.integer(Sys.getenv("DISP")), 1L,
                Sys.getenv("LANES") == "1"))
RS
printf "%-10s %-7s %-13s %14s %12s %10s %12s %10s %11s %11s\n" model loop mode Ir Bc Bcm Bi Bim "Ir/run-step" "mis/run-step"
for model in "world3/wrld3-03.mdl:400:WORLD3:industrial capital output ratio 1|desired completed family size normal" \
             "clearn/C-LEARN v77 for Vensim.mdl:1000:C-LEARN:Climate Sensitivity to 2x CO2[Deterministic]|Temperature Threshold for Methane Emissions from Permafrost and Clathrate"; do
  path="$corpus/${model%%:*}"; rest="${model#*:}"; steps="${rest%%:*}"; rest="${rest#*:}"; name="${rest%%:*}"; params="${rest#*:}"
  for disp in 1 2; do
    loop=$([ $disp = 1 ] && echo goto || echo switch)
    for lanes in 1 0; do
      fn=$([ $lanes = 1 ] && echo sd_run_lanes || echo sd_run_steps)
      mode=$([ $lanes = 1 ] && echo "8 in lanes" || echo "8 one by one")
      MODEL="$path" DISP=$disp LANES=$lanes PARAMS="$params" R -d "valgrind --tool=callgrind --toggle-collect=$fn --branch-sim=yes --callgrind-out-file=$work/cg.out" \
        --vanilla -s -f "$work/run.R" > "$work/log" 2>&1
      read -r ir bc bcm bi bim < <(grep '^summary:' "$work/cg.out" | sed 's/summary: //')
      printf "%-10s %-7s %-13s %14s %12s %10s %12s %10s %11.0f %11.1f\n" "$name" "$loop" "$mode" "$ir" "$bc" "$bcm" "$bi" "$bim" \
        "$(echo "$ir / (8 * ($steps + 1))" | bc -l)" "$(echo "($bcm + $bim) / (8 * ($steps + 1))" | bc -l)"
    done
  done
done
