/* init.c -- registration of the .Call entry points (no dynamic lookup). */
#include <R_ext/Rdynload.h>
#include "r_sdvm.h"

#define CALLDEF(name, n) { #name, (DL_FUNC) &name, n }

static const R_CallMethodDef call_entries[] = {
  CALLDEF(C_sdvm_compile, 1),
  CALLDEF(C_sdvm_run, 7),
  CALLDEF(C_sdvm_batch, 9),
  CALLDEF(C_sdvm_max_threads, 0),
  CALLDEF(C_sdvm_ptr_valid, 1),
  CALLDEF(C_sdvm_lanes_refusal, 1),
  CALLDEF(C_sdvm_lanes_width, 0),
  CALLDEF(C_sdvm_pluck, 3),
  CALLDEF(C_sdvm_mdl_vars, 3),
  CALLDEF(C_sdvm_program_vars, 1),
  CALLDEF(C_sdvm_program_stats, 1),
  CALLDEF(C_sdvm_disasm, 1),
  CALLDEF(C_sdvm_engine_info, 0),
  CALLDEF(C_sdvm_read_mdl, 2),
  CALLDEF(C_sdvm_canon_names, 1),
  CALLDEF(C_sdvm_bench_run, 4),
  CALLDEF(C_sdvm_links, 2),
  CALLDEF(C_sdvm_elements, 1),
  CALLDEF(C_sdvm_cycles, 4),
  { NULL, NULL, 0 }
};

void R_init_sdvm(DllInfo *dll) {
  R_registerRoutines(dll, NULL, call_entries, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
  R_forceSymbols(dll, TRUE);
}
