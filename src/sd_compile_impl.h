/*
 * sd_compile_impl.h -- what the compiler's files share (internal): the
 * compiler's state, and the helpers that build and resolve equation trees,
 * so that a stage or a family of builtins can live in a file of its own.
 *
 *   sd_compile.c   resolve names, lower the classic builtins, order, emit
 *   sd_lower.c     the financial, integration and discrete-delay builtins
 *                  (NPV, NPVE, SINTEG, DELAY MATERIAL, ...) lowered to
 *                  hidden stocks and state
 */
#ifndef SD_COMPILE_IMPL_H
#define SD_COMPILE_IMPL_H

#include <stdint.h>
#include "sd_builtins.h"
#include "sd_model_impl.h"
#include "sd_program.h"

/* gen() returns a slot, or this on failure */
#define GEN_FAIL (INT32_MIN)

/* The most compiled variables (array elements, hidden state, macro
 * instances) a model may need: beyond it compiling would exhaust memory
 * (a few hundred bytes each), so it is a clean error instead.  Builds for
 * fuzzing lower it. */
#ifndef SD_MAX_VARS
#define SD_MAX_VARS 4000000
#endif
/* The most tree nodes the compiler may copy (expanding arrays, macros and
 * builtins) beyond 16 per node of the model's own equations: macros
 * passing their parameters on (M1 = M2(x + x), ...) double the tree at
 * each level, 2^30 nodes from a few lines, while a model of a million
 * variables needs ten million for itself.  The limit follows the model's
 * size, so the memory a compilation may take does too. */
#ifndef SD_MAX_NODES
#define SD_MAX_NODES 8000000
#endif

typedef enum { CV_TIME, CV_CONTROL, CV_AUX, CV_STOCK, CV_LOOKUP, CV_INITIAL } cv_kind;

typedef struct cvar {
  const char *name;      /* canonical, or a made-up name for hidden vars */
  const char *text;      /* for messages */
  cv_kind kind;
  int visible;           /* index among visible variables, or -1 */
  sd_node *eqn, *init;
  const sd_srcpos *pos, *init_pos;
  int slot, rate_slot, stock, table;
  int is_const;          /* equation folded to a number: preset slot */
  double cval;
  int dynamic;           /* value changes during the run */
  int done;              /* ordering state */
  sd_kind vkind;         /* visible: the kind reported to users */
  int nbind;             /* array element: its subscript bindings */
  const char **bind_dim, **bind_elem;
  int mvar;              /* the model variable it is (an element of), or -1 */
  int owner;             /* hidden and macro variables: the variable whose equation
                            made them (structure analysis maps them to it), else -1 */
  int alias;             /* "a = b": shares b's slot, no code of its own */
  int simul;             /* SIMULTANEOUS (1) or FIND ZERO (2): solved by the run; others read its last iterate */
  int simul_guess;       /* its first guess (a hidden variable), or -1 */
  int zero_z, zero_xs, zero_zs, zero_tol, zero_iter, zero_skip, zero_pos;  /* FIND ZERO: cvars, position */
  int queue_dsc;         /* QUEUE FIFO: its record among the discrete delays, plus 1 (0: not a queue) */
} cvar;

typedef struct cc {
  const sd_model *m;
  sd_program *p;
  sd_error *err;
  sd_arena ast;          /* copied trees, compile time only */
  cvar *v;
  int nv, vcap;
  int cur;               /* variable being compiled, for messages */
  int in_init;           /* compiling cur's initial value (stocks) */
  /* lookup tables */
  sd_table *tables;
  int ntables, tcap;
  /* code under construction */
  sd_ins *code;
  int ncode, ccap;
  /* temporaries and the constant pool */
  int tmp_base, tmp_top, tmp_max;
  double *kval;
  int nk, kcap;
  int *khash;            /* open addressing, -1 empty */
  int khcap;
  int hidden_count;
  /* model variable -> its first cvar and, if arrayed, its dimensions;
     contig: arrays some opcode indexes by slot (their elements must keep
     consecutive slots) */
  int *mbase, *mnd, **mdims;
  unsigned char *contig;
  /* subscript bindings in force while resolving (element's own, then
     those pushed by SUM and friends) */
  const char **bdim, **belem;
  int nb, bcap;
  int nvis;
  /* macros: the instance whose body is being resolved, and the caller
     names bound to extra outputs (f(a : out)) */
  struct mscope *scope;
  int ninst, macro_depth;
  sd_strmap outmap;
  /* DELAY FIXED pipelines: hidden input, delay and output variables */
  int nrandom;           /* RANDOM call sites so far */
  /* common subexpressions of the program under construction: a pure
     operation on stable slots (variables, constants, earlier results),
     computed once where it is first met unconditionally */
  int *cse_key, *cse_slot;  /* 3 ints per entry: op, a, b */
  int ncse_used, ncse_cap, ncse_slots;
  int *cse_hash, cse_hcap;  /* open addressing over entries, -1 empty */
  int cond_depth;           /* inside a branch of IF THEN ELSE */
  int ndsc, dsccap;         /* discrete delays (sd_lower.c): cvar indices (vec: a cvar, made a slot) */
  sd_dsc *dscv;
  int ndfx, dfxcap;
  int *dfx_in, *dfx_delay, *dfx_out;
  long ncopied;             /* tree nodes copied so far */
  double node_limit;        /* SD_MAX_NODES + 16 per node of the model */
  double nexpanded;         /* copies and references made by expanding calls
                               over ranges (SUM and friends, VECTOR SELECT,
                               ALLOCATE, VECTOR ELM MAP/SORT ORDER/RANK/
                               REORDER): each element of an arrayed equation
                               makes its own, n^2 for an array */
} cc;

typedef struct mscope {
  const sd_macro *mac;
  int *map;              /* body variable -> cvar */
  sd_node **args;        /* resolved arguments, one per parameter */
  struct mscope *up;
} mscope;

/* ---- shared helpers (sd_compile.c) ---- */
int fail_at(cc *c, sd_errcode code, const sd_node *n, const char *fmt, const char *a1, const char *a2);
int oom(cc *c);
int expanded(cc *c, const sd_node *n, double k);
int too_many(cc *c, const char *what, double n);
/* a hidden variable made while lowering a builtin of the current variable */
int add_hidden(cc *c, const char *what, cv_kind kind);
sd_node *node_new(cc *c, sd_node_kind kind, const sd_node *at);
sd_node *mk_num(cc *c, double x, const sd_node *at);
sd_node *mk_var(cc *c, int ref, const sd_node *at);
sd_node *mk_bin(cc *c, sd_op op, sd_node *a, sd_node *b, const sd_node *at);
sd_node *mk_call(cc *c, sd_fn fn, int nargs, sd_node **args, const sd_node *at);
sd_node *copy_tree(cc *c, const sd_node *s);
int add_table(cc *c, int n, const double *x, const double *y);
/* values at the initial time, from constants (0, or -1 when not known) */
int init_eval_var(cc *c, const char *canon, double *out, int depth);
int init_eval(cc *c, const sd_node *n, double *out, int depth);
int const_order(cc *c, sd_node *arg, const char *what, int *out);
/* the call node n becomes a reference to variable ref, in place */
void become_var(cc *c, sd_node *n, int ref);
int dim_of(const cc *c, const char *name);
int element_ref(cc *c, const sd_node *n, int idx);
void mark_done(sd_node *n);
int resolve(cc *c, sd_node *n, int depth);
void fold(sd_node *n);

/* Trees made by substituting macro arguments can be higher than any parsed
 * one (each macro level adds its own chain): at most this many levels, so
 * that every recursive walk of them stays within the C stack. */
#define SD_MAX_TREE (4 * SD_MAX_HEIGHT)

/* a list of variable indices without repeats (sd_schedule.c) */
typedef struct deplist { int *d; int n, cap; } deplist;

/* ---- the pipeline, one file per stage (sd_compile.c runs them) ----
 * sd_expand.c    arrayed variables, one variable per element */
int expand_arrayed(cc *c, int vi);
int register_outputs(cc *c, const sd_node *n);
/* sd_resolve.c   names, subscripts, macros */
int elem_in(const sd_dim *d, const char *e);
int bind_push(cc *c, const char *dim, const char *elem);
/* 1 if tree n goes more than `left` levels down (the walk stops there) */
int too_deep(const sd_node *n, int left);
/* sd_lower_state.c   stateful builtins to hidden stocks */
int lower_state(cc *c, sd_node *n, sd_fn fn);
/* sd_schedule.c  dependencies and orders */
int order_all(cc *c, int *order, deplist *deps, int *has_timefn);
/* The variables variable i's equation reads (its net rate, for a stock). */
int eqn_deps(cc *c, int i, deplist *l);
int order_step(cc *c, int *order);
/* sd_codegen.c   the ctrl, init and step programs */
int fill_program(cc *c, const int *order, int norder, const int *has_timefn, deplist *deps);
/* sd_compile.c   variables and names */
int add_cvar(cc *c, const char *name, const char *text, cv_kind kind);
size_t name_append(char *buf, size_t cap, size_t len, const char *s);
sd_node *data_eqn(cc *c, int n, const double *x, const double *y, int mode);
const char *cv_display(const cvar *v);
int at_start(const sd_srcpos *pos);

/* ---- sd_lower.c ---- */
/* Lower call n of builtin fn (its arguments resolved) if sd_lower.c
 * handles it: 1 done, 0 not one of its builtins, -1 error. */
int lower_more(cc *c, sd_node *n, sd_fn fn);
/* Resolve call n of builtin fn whose arguments are not all values (names
 * of lookups, array elements read by slot): 1 done, 0 not one of its
 * builtins, -1 error.  Runs before the arguments are resolved. */
int resolve_more(cc *c, sd_node *n, sd_fn fn, int depth);

#endif
