# Standalone build of the sdvm engine (src/sd_*.c, no R) for the C tests,
# sanitizers and benchmarks.  R builds the package from src/ on its own;
# this file is outside src/ so that R never picks it up.
#
#   make test    every tests/c/test_*.c, computed-goto and switch builds
#   make asan    the same under AddressSanitizer + UBSan (CC=clang or gcc),
#                then every .mdl of $SDVM_CORPUS through the engine (asan-corpus)
#   make fuzz    the libFuzzer harnesses of tests/fuzz (clang; docs/hardening.md)
#   make fuzz-run FUZZ_SECONDS=60   seeds from $SDVM_CORPUS, regressions
#                replayed, then each harness fuzzed for FUZZ_SECONDS
#   make fuzz-fast    the harnesses without sanitizers, for long runs
#   make fuzz-replay  a long run's corpus through the sanitizer build
#   make bench   engine benchmarks (bench/README.md)
#   make bench-table  the benchmark table through R: real and synthetic
#                models, read/compile/run/simulate, both dispatch loops
#   make clean
#   make check   the whole suite, R included (tools/check.sh)
#
# Objects go to cbuild/<mode>/ (cbuild/goto, cbuild/switch, cbuild/goto-asan,
# cbuild/switch-asan): not build/, which belongs to R CMD build (it writes
# build/vignette.rds there, and .Rbuildignore cannot drop one without the
# other).  Each mode records its compiler and flags, so `make test CC=clang`
# after a gcc build rebuilds everything.

CC      ?= cc
AR      ?= ar
# Debian installs clang as clang-<version>: let CC=clang find it
ifeq ($(CC),clang)
ifeq ($(shell command -v clang 2>/dev/null),)
override CC := $(or $(notdir $(lastword $(wildcard /usr/bin/clang-[0-9] /usr/bin/clang-[0-9][0-9]))),clang)
endif
endif
CSTD    = -std=c99
WARN    = -Wall -Wextra -pedantic -Werror
OPT     = -O2 -g
EXTRA   =
CFLAGS_ENGINE = $(CSTD) $(OPT) $(WARN) $(EXTRA)
B       = cbuild

ENGINE  = $(wildcard src/sd_*.c)
TESTS   = $(wildcard tests/c/test_*.c)
TNAMES  = $(basename $(notdir $(TESTS)))
MODES   = goto switch
SAN     = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DSD_LANES_COMPACT

FLAG_goto          = -DSD_HAVE_COMPUTED_GOTO=1
FLAG_switch        = -DSD_HAVE_COMPUTED_GOTO=0
FLAG_goto-asan     = -DSD_HAVE_COMPUTED_GOTO=1
FLAG_switch-asan   = -DSD_HAVE_COMPUTED_GOTO=0

.PHONY: test asan asan-corpus fuzz fuzz-fast fuzz-replay fuzz-seeds fuzz-run bench bench-table clean check FORCE
.SECONDARY:
.DELETE_ON_ERROR:

# Rules for one mode ($1): objects, library, test programs, flags record.
define MODE_RULES
$(B)/$(1)/flags: FORCE
	@mkdir -p $(B)/$(1)
	@echo '$$(CC) $$(CFLAGS_ENGINE) $$(FLAG_$(1))' | cmp -s - $$@ || \
	  echo '$$(CC) $$(CFLAGS_ENGINE) $$(FLAG_$(1))' > $$@

$(B)/$(1)/%.o: src/%.c $(B)/$(1)/flags
	$$(CC) $$(CFLAGS_ENGINE) $$(FLAG_$(1)) -MMD -MP -Isrc -c $$< -o $$@

$(B)/$(1)/libsdvm.a: $(patsubst src/%.c,$(B)/$(1)/%.o,$(ENGINE))
	@rm -f $$@
	$$(AR) rcs $$@ $$^

$(B)/$(1)/test_%: tests/c/test_%.c $(B)/$(1)/libsdvm.a $(B)/$(1)/flags
	$$(CC) $$(CFLAGS_ENGINE) $$(FLAG_$(1)) -MMD -MP -Isrc -Itests/c -Itests/fuzz $$< $(B)/$(1)/libsdvm.a -lm -o $$@

$(B)/$(1)/corpus_run: tests/fuzz/corpus_run.c $(B)/$(1)/libsdvm.a $(B)/$(1)/flags
	$$(CC) $$(CFLAGS_ENGINE) $$(FLAG_$(1)) -MMD -MP -Isrc -Itests/fuzz $$< $(B)/$(1)/libsdvm.a -lm -o $$@

-include $(wildcard $(B)/$(1)/*.d)
endef
$(foreach m,goto switch goto-asan switch-asan,$(eval $(call MODE_RULES,$(m))))

# Build every test program in every mode, run each, print its
# "N passed, M failed" line, then the total; fail if anything failed or a
# program did not report (crash, sanitizer abort).
test: $(foreach m,$(MODES),$(addprefix $(B)/$(m)/,$(TNAMES)))
	@pass=0; fail=0; status=0; \
	for m in $(MODES); do for t in $(TNAMES); do \
	  b=$(B)/$$m/$$t; \
	  $$b > $$b.out 2> $$b.err || status=1; \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' $$b.out | tail -n 1); \
	  cat $$b.err >&2; \
	  if [ -z "$$line" ]; then \
	    echo "[$$m] $$t: no result line (crashed?)"; tail -n 5 $$b.out; status=1; fail=$$((fail + 1)); \
	  else \
	    echo "[$$m] $$t: $$line"; \
	    pass=$$((pass + $$(echo "$$line" | sed -E 's/ passed.*//'))); \
	    fail=$$((fail + $$(echo "$$line" | sed -E 's/.* passed, ([0-9]+) failed/\1/'))); \
	  fi; \
	done; done; \
	echo "$$pass passed, $$fail failed"; \
	[ $$status -eq 0 ] && [ $$fail -eq 0 ]

# The C tests, then the corpus, under the sanitizers; one total at the end.
asan:
	@status=0; \
	$(MAKE) --no-print-directory test MODES="goto-asan switch-asan" EXTRA="$(SAN)" | tee $(B)/asan-tests.out || status=1; \
	$(MAKE) --no-print-directory asan-corpus EXTRA="$(SAN)" | tee $(B)/asan-corpus.out || status=1; \
	pass=0; fail=0; \
	for f in $(B)/asan-tests.out $(B)/asan-corpus.out; do \
	  line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' $$f | tail -n 1); \
	  if [ -z "$$line" ]; then fail=$$((fail + 1)); status=1; continue; fi; \
	  pass=$$((pass + $$(echo "$$line" | sed -E 's/ passed.*//'))); \
	  fail=$$((fail + $$(echo "$$line" | sed -E 's/.* passed, ([0-9]+) failed/\1/'))); \
	done; \
	echo "asan (C tests and corpus):"; echo "$$pass passed, $$fail failed"; \
	[ $$status -eq 0 ] && [ $$fail -eq 0 ]

# Every .mdl of the corpus read, loaded, compiled and run in both loops
# (tests/fuzz/corpus_run.c) in the goto-asan build; call through `make asan`.
CORPUS_DIR = $(or $(SDVM_CORPUS),$(wildcard ../shared/models))
asan-corpus: $(B)/goto-asan/corpus_run
	@if [ -z "$(CORPUS_DIR)" ] || [ ! -d "$(CORPUS_DIR)" ]; then \
	  echo "asan-corpus: no corpus (set SDVM_CORPUS): skipped"; echo "0 passed, 0 failed"; \
	else \
	  find "$(CORPUS_DIR)" -name '*.mdl' -print0 | sort -z | xargs -0 $(B)/goto-asan/corpus_run; \
	fi

# ---- fuzzing (tests/fuzz; docs/hardening.md) ----
# The engine and a harness built in one clang call with libFuzzer, ASan and
# UBSan.  SD_MAX_VARS, SD_MAX_RANGE_ELEMS and SD_MAX_NODES are lowered so that a model
# the fuzzer makes big is a quick clean error, not an out-of-memory report
# or a tenth of a second of building 100,000 names.
FUZZ_CC ?= clang
ifeq ($(FUZZ_CC),clang)
ifeq ($(shell command -v clang 2>/dev/null),)
override FUZZ_CC := $(or $(notdir $(lastword $(wildcard /usr/bin/clang-[0-9] /usr/bin/clang-[0-9][0-9]))),clang)
endif
endif
FUZZ_BASE = $(CSTD) -O1 -g $(WARN) -fno-sanitize-recover=all -fno-omit-frame-pointer \
            -DSD_HAVE_COMPUTED_GOTO=1 -DSD_MAX_VARS=4000 -DSD_MAX_RANGE_ELEMS=4000 -DSD_MAX_NODES=400000 \
            -DSD_LANES_COMPACT
FUZZ_FLAGS = $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 60
# inputs of at most 4 KB for both harnesses (one make variable: the loop
# below names the harness in a shell variable, which make cannot expand)
FUZZ_MAXLEN = 4096
F = $(B)/fuzz

fuzz: $(F)/fuzz_mdl $(F)/fuzz_eqn

$(F)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fz_common.h $(ENGINE) $(wildcard src/*.h)
	@mkdir -p $(F)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Isrc -Itests/fuzz $< $(ENGINE) -lm -o $@

# The same harnesses without the sanitizers, for throughput in long runs:
# about five times the executions a second (2,468 against 437 for
# fuzz_mdl, 1,981 against 352 for fuzz_eqn, on the same corpus).  They
# still stop on a crash, a timeout, running out of memory, or a dispatch
# or rewrite mismatch; the corpus they grow is then replayed through the
# sanitizer build (fuzz-replay; docs/hardening.md).
FX = $(B)/fuzz-fast
fuzz-fast: $(FX)/fuzz_mdl $(FX)/fuzz_eqn

$(FX)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fz_common.h $(ENGINE) $(wildcard src/*.h)
	@mkdir -p $(FX)
	$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer -Isrc -Itests/fuzz $< $(ENGINE) -lm -o $@

# Every input of the long runs' corpora (FUZZ_CORPUS/corpus-mdl, -eqn)
# run once through the sanitizer build: what the fast build found is
# checked by ASan, LeakSanitizer and UBSan.
FUZZ_CORPUS ?= $(F)
fuzz-replay: fuzz
	@for h in mdl eqn; do \
	  if ! $(F)/fuzz_$$h -runs=0 -timeout=300 -rss_limit_mb=3072 $(FUZZ_CORPUS)/corpus-$$h > $(F)/replay-corpus-$$h.log 2>&1; then \
	    tail -n 30 $(F)/replay-corpus-$$h.log; echo "fuzz_$$h: a corpus input fails"; exit 1; fi; \
	  echo "fuzz_$$h: $$(ls $(FUZZ_CORPUS)/corpus-$$h | wc -l) corpus inputs replayed, $$(grep -E '^#[0-9]+[[:space:]]+INITED' $(F)/replay-corpus-$$h.log)"; \
	done

$(F)/mkseeds: tests/fuzz/mkseeds.c tests/fuzz/fz_common.h $(B)/goto/libsdvm.a
	@mkdir -p $(F)
	$(CC) $(CFLAGS_ENGINE) $(FLAG_goto) -Isrc -Itests/fuzz $< $(B)/goto/libsdvm.a -lm -o $@

# Seeds generated from the corpus at build time (never kept in git).
fuzz-seeds: $(F)/mkseeds
	@rm -rf $(F)/seeds && mkdir -p $(F)/seeds/mdl $(F)/seeds/eqn
	@if [ -n "$(CORPUS_DIR)" ] && [ -d "$(CORPUS_DIR)" ]; then \
	  find "$(CORPUS_DIR)" -name '*.mdl' -print0 | sort -z | xargs -0 $(F)/mkseeds $(F)/seeds/mdl $(F)/seeds/eqn; \
	else echo "fuzz-seeds: no corpus (set SDVM_CORPUS): fuzzing from the regressions alone"; fi

# Replay every kept regression input, then fuzz each harness for
# FUZZ_SECONDS (one job: the machine is shared); ends "N passed, M failed"
# (one per harness: no crash, no sanitizer report, no timeout; 30 s, as a
# shared or virtual machine can stall a 0.2 s input for seconds).
fuzz-run: fuzz fuzz-seeds
	@pass=0; fail=0; \
	for h in mdl eqn; do \
	  mkdir -p $(F)/corpus-$$h; \
	  regs=$$(ls tests/fuzz/regressions/$$h-* 2>/dev/null); \
	  if [ -n "$$regs" ] && ! $(F)/fuzz_$$h $$regs > $(F)/replay-$$h.log 2>&1; then \
	    tail -n 30 $(F)/replay-$$h.log; echo "fuzz_$$h: a regression input fails"; fail=$$((fail + 1)); continue; \
	  fi; \
	  if $(F)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAXLEN) -timeout=30 \
	       -rss_limit_mb=2048 -dict=tests/fuzz/vensim.dict -print_final_stats=1 \
	       -artifact_prefix=$(F)/crash-$$h- $(F)/corpus-$$h $(F)/seeds/$$h > $(F)/fuzz-$$h.log 2>&1; then \
	    pass=$$((pass + 1)); \
	  else \
	    tail -n 40 $(F)/fuzz-$$h.log; fail=$$((fail + 1)); \
	  fi; \
	  done_line=$$(grep -E '^#[0-9]+[[:space:]]+DONE' $(F)/fuzz-$$h.log | tail -n 1); \
	  execs=$$(grep -E '^stat::number_of_executed_units' $(F)/fuzz-$$h.log | sed -E 's/.*: *//'); \
	  echo "fuzz_$$h: $${execs:-?} executions in $(FUZZ_SECONDS) s; $${done_line:-no DONE line}"; \
	done; \
	echo "$$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

# The benchmark links the goto build, which also contains the switch loop,
# so both dispatch modes are timed in one process.
bench: $(B)/goto/libsdvm.a
	$(CC) $(CSTD) -O2 -g $(WARN) $(FLAG_goto) -Isrc bench/bench_engine.c $(B)/goto/libsdvm.a -lm -o $(B)/bench_engine
	./$(B)/bench_engine

# The benchmark table (bench/table.R): the package installed into
# cbuild/R-bench, then every model and phase timed; SDVM_CORPUS (or
# ../shared/models) adds WORLD3 and C-LEARN.
bench-table:
	@mkdir -p $(B)/R-bench
	R CMD INSTALL --no-test-load --library=$(B)/R-bench . > $(B)/R-bench.log 2>&1 || (cat $(B)/R-bench.log; exit 1)
	SDVM_CORPUS="$${SDVM_CORPUS:-$$(cd ../shared/models 2>/dev/null && pwd)}" R_LIBS=$(B)/R-bench Rscript bench/table.R

clean:
	rm -rf $(B)

check:
	bash tools/check.sh
