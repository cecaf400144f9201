/*
 * r_sdvm.h -- the R glue: .Call entry points (registered in init.c) and
 * the external-pointer holder they share.  Only files named r_*.c and
 * init.c include R headers; the engine (sd_*.c) never does.
 */
#ifndef R_SDVM_H
#define R_SDVM_H

#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>
#include "sd_engine.h"

/* What a compiled-model external pointer owns.  The pointer is made
 * before anything is allocated, so the finalizer frees whatever has been
 * attached even if R longjmps out half way. */
typedef struct sdvm_holder {
  sd_model *model;       /* only while compiling */
  sd_program *program;
} sdvm_holder;

/* The program behind an external pointer, or NULL when the pointer is
 * stale (after saveRDS/readRDS, or in another process). */
sd_program *sdvm_program(SEXP ptr);

/* An R list describing an engine error, for R code to raise as a classed
 * condition: list(code, message, variable, file, line, column). */
SEXP sdvm_error_list(const sd_error *err);
/* The element `name` of a named list; R_NilValue when it has none, or,
 * when `what` is given, an internal error naming `what` (r_compile.c). */
SEXP sdvm_named(SEXP list, const char *name, const char *what);

/* The most memory a run (or one batch call) may ask R for, in bytes:
 * option sdvm.max_result_bytes, default 4 GiB. */
double sdvm_memory_limit(void);
/* 0 if `doubles` values fit in the limit; else -1 with err filled (an
 * SD_E_MEMORY error saying how many rows and columns, when rows >= 0). */
int sdvm_check_memory(double doubles, double rows, int cols, sd_error *err);

SEXP C_sdvm_compile(SEXP spec);
SEXP C_sdvm_run(SEXP ptr, SEXP ovr_idx, SEXP ovr_val, SEXP settings, SEXP method,
                SEXP out_idx, SEXP dispatch);
SEXP C_sdvm_batch(SEXP ptr, SEXP ovr_idx, SEXP ovr_vals, SEXP settings, SEXP method,
                  SEXP out_idx, SEXP dispatch, SEXP nthreads, SEXP lanes);
SEXP C_sdvm_max_threads(void);
SEXP C_sdvm_ptr_valid(SEXP ptr);
SEXP C_sdvm_lanes_refusal(SEXP ptr);
SEXP C_sdvm_lanes_width(void);
SEXP C_sdvm_pluck(SEXP lists, SEXP fields, SEXP types);
SEXP C_sdvm_mdl_vars(SEXP recs, SEXP idx, SEXP data_modes);
SEXP C_sdvm_program_vars(SEXP ptr);
SEXP C_sdvm_program_stats(SEXP ptr);
SEXP C_sdvm_disasm(SEXP ptr);
SEXP C_sdvm_engine_info(void);
SEXP C_sdvm_read_mdl(SEXP text, SEXP file);
SEXP C_sdvm_canon_names(SEXP x);
SEXP C_sdvm_bench_run(SEXP ptr, SEXP reps, SEXP dispatch, SEXP save);
SEXP C_sdvm_links(SEXP spec, SEXP assume_positive);
SEXP C_sdvm_elements(SEXP spec);
SEXP C_sdvm_cycles(SEXP n, SEXP from, SEXP to, SEXP max_cycles);

#endif
