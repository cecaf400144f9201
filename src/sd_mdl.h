/*
 * sd_mdl.h -- reading Vensim .mdl files into definition records.
 *
 * The reader splits the file into its equations (name, equation text,
 * units, comment), recognises stocks (INTEG), lookup definitions and the
 * time settings, and reports where each equation's text starts so that
 * errors found later point into the file.  It does not evaluate anything:
 * the R layer turns the records into a model object users can inspect and
 * change, which the compiler then reads like any other model.
 */
#ifndef SD_MDL_H
#define SD_MDL_H

#include "sd_util.h"

typedef struct sd_mdl_rec {
  const char *name;      /* as written (quotes removed) */
  sd_kind kind;          /* SD_AUX, SD_STOCK, SD_LOOKUP */
  int unchangeable;      /* defined with == */
  int data_mode;         /* data variable (:=): SD_DATA_*, else 0 */
  int no_eqn;            /* "Name ~ units ~ |": data read from files at run time */
  const char *eqn;       /* aux: equation; stock: net rate */
  int eqn_line, eqn_col;
  const char *init;      /* stock: initial value */
  int init_line, init_col;
  const char *units;     /* text between the first and second ~, trimmed */
  const char *doc;       /* text after the second ~, trimmed */
  int npts;              /* lookup points */
  double *x, *y;
  int line, col;         /* where the definition starts */
  int nsubs;             /* subscripts on the left-hand side, as written */
  const char **subs;
  int nvals;             /* "1, 2, 3; 4, 5, 6": a list of numbers */
  double *vals;
  int is_dim;            /* a subscript range "Name: a, b, c": elements in subs
                            ("A <-> B": subs is {B}) */
  int nexc;              /* :EXCEPT: lists, each nsubs names */
  const char ***exc;
  int macro;             /* index of the :MACRO: record whose body holds this
                            one, or -1 */
  int is_macro;          /* a ":MACRO: name(params : outs)" header: params in
                            subs, extra outputs in outs */
  int nouts;
  const char **outs;
  int nmaps;             /* range mappings "-> B" or "-> (B: b1, b2)" */
  const char **map_to;
  int *map_n;            /* listed elements (0: positional) */
  const char ***map_elems;
} sd_mdl_rec;

/* How a data variable reads between its points (Vensim's qualifiers). */
enum { SD_MDL_INTERPOLATE = 1, SD_MDL_RAW, SD_MDL_HOLD_BACKWARD, SD_MDL_LOOK_FORWARD };

typedef struct sd_mdl {
  sd_arena arena;
  sd_mdl_rec *recs;
  int n, cap;
} sd_mdl;

/* Read a whole .mdl file (NUL-terminated text).  `file` is used in error
 * messages.  Returns NULL with err filled (file, line, column, and the
 * offending text quoted in the message). */
sd_mdl *sd_mdl_read(const char *text, const char *file, sd_error *err);
void sd_mdl_free(sd_mdl *m);

#endif
