# Standalone build of the sdvm engine (src/sd_*.c, no R) for the C tests,
# sanitizers and benchmarks.  R builds the package from src/ on its own;
# this file is outside src/ so that R never picks it up.
#
#   make test    C tests, computed-goto and switch builds
#   make asan    the same under AddressSanitizer + UBSan
#   make bench   engine benchmarks (bench/README.md)
#   make clean

CC      ?= cc
CSTD    = -std=c99
WARN    = -Wall -Wextra -pedantic -Werror
OPT     = -O2 -g
ENGINE  = $(filter-out src/init.c,$(wildcard src/sd_*.c))
TESTS   = $(wildcard tests/c/test_*.c)
MODES   = goto switch
FLAG_goto   = -DSD_HAVE_COMPUTED_GOTO=1
FLAG_switch = -DSD_HAVE_COMPUTED_GOTO=0

.PHONY: test asan bench clean check
# keep the libraries between runs
.SECONDARY:

cbuild/%/libsdvm.a: $(ENGINE) $(wildcard src/sd_*.h)
	@mkdir -p cbuild/$*
	@rm -f $@
	@for f in $(ENGINE); do \
	  $(CC) $(CSTD) $(OPT) $(WARN) $(EXTRA) $(FLAG_$(word 1,$(subst -, ,$*))) -Isrc -c $$f \
	    -o cbuild/$*/$$(basename $$f .c).o || exit 1; done
	@ar rcs $@ cbuild/$*/*.o

cbuild/%/tests.stamp: cbuild/%/libsdvm.a $(TESTS) tests/c/sd_test.h
	@for t in $(TESTS); do \
	  $(CC) $(CSTD) $(OPT) $(WARN) $(EXTRA) $(FLAG_$(word 1,$(subst -, ,$*))) -Isrc -Itests/c $$t \
	    cbuild/$*/libsdvm.a -lm -o cbuild/$*/$$(basename $$t .c) || exit 1; done
	@touch $@

# Run every test program in both dispatch modes; print one total line.
test: $(foreach m,$(MODES),cbuild/$(m)/tests.stamp)
	@pass=0; fail=0; status=0; \
	for m in $(MODES); do for t in $(TESTS); do \
	  b=cbuild/$$m/$$(basename $$t .c); \
	  line=$$($$b 2>cbuild/$$m/$$(basename $$t .c).err | tail -n 1) || status=1; \
	  echo "[$$m] $$(basename $$t .c): $$line"; \
	  cat cbuild/$$m/$$(basename $$t .c).err >&2; \
	  p=$$(echo "$$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$$/\1/p'); \
	  f=$$(echo "$$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$$/\2/p'); \
	  if [ -z "$$p" ]; then status=1; p=0; f=1; fi; \
	  pass=$$((pass + p)); fail=$$((fail + f)); \
	done; done; \
	echo "$$pass passed, $$fail failed"; \
	[ $$status -eq 0 ] && [ $$fail -eq 0 ]

asan:
	$(MAKE) test MODES="goto-asan switch-asan" EXTRA="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  FLAG_goto-asan=-DSD_HAVE_COMPUTED_GOTO=1 FLAG_switch-asan=-DSD_HAVE_COMPUTED_GOTO=0

bench: cbuild/goto/libsdvm.a
	$(CC) $(CSTD) -O2 -g -Wall -DSD_HAVE_COMPUTED_GOTO=1 -Isrc bench/bench_engine.c cbuild/goto/libsdvm.a -lm -o cbuild/bench_engine
	./cbuild/bench_engine

clean:
	rm -rf cbuild

# The full suite (README): C tests in both dispatch builds, and the R
# package installed twice (goto, switch) with its testthat suite run on each.
.PHONY: check
check:
	bash tools/check.sh
