# Standalone build of the sdvm engine (src/sd_*.c, no R) for the C tests,
# sanitizers and benchmarks.  R builds the package from src/ on its own;
# this file is outside src/ so that R never picks it up.
#
#   make test    every tests/c/test_*.c, computed-goto and switch builds
#   make asan    the same under AddressSanitizer + UBSan (CC=clang or gcc)
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
SAN     = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

FLAG_goto          = -DSD_HAVE_COMPUTED_GOTO=1
FLAG_switch        = -DSD_HAVE_COMPUTED_GOTO=0
FLAG_goto-asan     = -DSD_HAVE_COMPUTED_GOTO=1
FLAG_switch-asan   = -DSD_HAVE_COMPUTED_GOTO=0

.PHONY: test asan bench bench-table clean check FORCE
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
	$$(CC) $$(CFLAGS_ENGINE) $$(FLAG_$(1)) -MMD -MP -Isrc -Itests/c $$< $(B)/$(1)/libsdvm.a -lm -o $$@

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

asan:
	@$(MAKE) --no-print-directory test MODES="goto-asan switch-asan" EXTRA="$(SAN)"

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
