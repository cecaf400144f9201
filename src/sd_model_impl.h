/*
 * sd_model_impl.h -- the model representation shared by every front end
 * (internal).  A model is a list of variable definitions with parsed
 * equations; the compiler reads it and never changes it.
 */
#ifndef SD_MODEL_IMPL_H
#define SD_MODEL_IMPL_H

#include "sd_ast.h"

/* One definition of (part of) an arrayed variable: the subscripts on its
 * left-hand side (dimension, subrange or element names), and either an
 * equation (stock: rate and initial value) or a list of numbers. */
typedef struct sd_def {
  int nsubs;
  const char **subs;      /* canonical */
  sd_node *eqn, *init;
  sd_srcpos pos, init_pos;
  int nvals;              /* "1, 2, 3; 4, 5, 6": values in row-major order */
  double *vals;
  int nexc;               /* :EXCEPT: lists, each nsubs canonical names */
  const char ***exc;
  int ntab;               /* a lookup's points (or a data series') */
  double *tx, *ty;
  int is_data;            /* a data series read at Time, in data_mode */
  int data_mode;
} sd_def;

/* A mapping of a range onto another ("A: a1, a2 -> B"): element i of A
 * corresponds to element i of B, or to elems[i] when they are listed
 * ("-> (B: b2, b1)"). */
typedef struct sd_dimmap {
  const char *to;         /* canonical target range */
  const char **elems;     /* canonical, one per element of A, or NULL */
} sd_dimmap;

/* A subscript range: its elements in order. */
typedef struct sd_dim {
  const char *name, *text;
  int n;
  const char **elems;     /* canonical */
  const char **elem_text; /* as written */
  sd_strmap elem_index;   /* canonical element -> its first position */
  int nmaps;
  sd_dimmap *maps;
} sd_dim;

typedef struct sd_var {
  const char *name;       /* canonical */
  const char *text;       /* as spelled */
  sd_kind kind;
  sd_node *eqn;           /* aux/flow/const value; stock net rate */
  sd_node *init;          /* stock initial value */
  sd_srcpos pos;          /* where the equation (stock: rate) starts */
  sd_srcpos init_pos;     /* stock: where the initial value starts */
  int ntab;               /* lookup points (or a data series') */
  double *tx, *ty;
  int is_data;            /* a data variable: its series read at Time */
  int data_mode;
  int is_control;         /* INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER */
  int ndefs, defcap;      /* arrayed: its definitions (eqn/init unused) */
  sd_def *defs;
} sd_var;

/* A macro: its parameters, its extra outputs (after ':' in the header),
 * and its body, a model of its own whose variable named like the macro is
 * the main output. */
typedef struct sd_macro {
  const char *name, *text;
  int nparams, nouts;
  const char **params, **outs;   /* canonical */
  struct sd_model *body;
} sd_macro;

struct sd_model {
  sd_arena arena;
  sd_var *vars;
  int nvars, cap;
  sd_strmap index;        /* canonical name -> index in vars */
  sd_method method;
  int rewrite;            /* sd_model_set_rewrite() */
  sd_dim *dims;
  int ndims, dimcap;
  sd_strmap dim_index;    /* canonical dimension name -> index in dims */
  sd_macro *macros;
  int nmacros, macrocap;
};

/* The control variables occupy vars[0..3] in this order, matching the
 * fixed slots SD_SLOT_T0.. in sd_program.h. */
#define SD_NUM_CONTROL 4
extern const char *const sd_control_names[SD_NUM_CONTROL];

#endif
