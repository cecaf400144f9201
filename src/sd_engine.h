/*
 * sd_engine.h -- public interface of the sdvm engine.
 *
 * The engine is pure C99 and never includes R headers.  Front ends (the R
 * glue in r_*.c, later the .mdl and XMILE readers, the C tests and the
 * benchmarks) build an sd_model, compile it to an sd_program, and run the
 * program into caller-provided memory.  A compiled program is immutable, so
 * one program can serve many runs (and threads) at once; all per-run state
 * lives in the work buffer the caller passes in.
 *
 * Nothing here allocates during a run: sd_run_init/sd_run_steps write only
 * into the buffers they are given.  That is what lets the R glue hand them
 * R-owned memory and poll for interrupts with R_CheckUserInterrupt(): a
 * longjmp out of a run leaks nothing.
 */
#ifndef SD_ENGINE_H
#define SD_ENGINE_H

#include <stddef.h>

#define SD_ENGINE_VERSION "0.1.0"

/* ---- errors ----------------------------------------------------------- */

/* Error classes; the R layer maps each to a condition subclass. */
typedef enum {
  SD_OK = 0,
  SD_E_PARSE,      /* syntax error in an equation                 -> sdvm_parse_error */
  SD_E_NAME,       /* unknown variable or function, duplicate name -> sdvm_name_error  */
  SD_E_CYCLE,      /* simultaneous equations                       -> sdvm_cycle_error */
  SD_E_ARITY,      /* builtin called with the wrong argument count -> sdvm_arity_error */
  SD_E_DEFINITION, /* malformed definition (bad lookup, ...)       -> sdvm_definition_error */
  SD_E_RUN,        /* bad run settings (dt <= 0, ...)              -> sdvm_run_error   */
  SD_E_MEMORY,     /* allocation failed                            -> sdvm_memory_error */
  SD_E_INTERRUPT,  /* the poll callback asked to stop              -> interrupt        */
  SD_E_UNSUPPORTED /* a function or form refused (docs/language.md) -> sdvm_unsupported_error */
} sd_errcode;

#define SD_ERR_MSG 1024
#define SD_ERR_NAME 256

typedef struct sd_error {
  sd_errcode code;
  char msg[SD_ERR_MSG];   /* human-readable, no trailing newline          */
  char var[SD_ERR_NAME];  /* variable whose equation is at fault, or ""   */
  char file[SD_ERR_NAME]; /* source file, or "" (R builders)              */
  int line, col;          /* 1-based position in the source, 0 = unknown  */
} sd_error;

/* Where an equation's text starts in its source file, so that positions
 * inside the equation can be reported as file positions.  NULL = the
 * equation text is its own source (line 1, column 1). */
typedef struct sd_srcpos {
  const char *file;
  int line, col;
} sd_srcpos;

/* ---- building a model ------------------------------------------------- */

typedef struct sd_model sd_model;

/* What a variable is, as the modeler sees it.  FLOW and AUX compile the
 * same way; the distinction is kept for reporting. */
typedef enum {
  SD_AUX = 0,
  SD_FLOW = 1,
  SD_STOCK = 2,
  SD_CONST = 3,  /* equation must evaluate to a constant; overridable at run time */
  SD_LOOKUP = 4
} sd_kind;

typedef enum { SD_EULER = 0, SD_RK2 = 1, SD_RK4 = 2 } sd_method;

sd_model *sd_model_new(void);
void sd_model_free(sd_model *m);

/* Integration method used when a run does not choose one. */
void sd_model_set_method(sd_model *m, sd_method method);

/* How much sd_compile() rewrites the finished bytecode: 0 not at all,
 * 1 runs of one operation over array elements (sd_peephole.c), 2 (the
 * default) also repeated blocks of operations as element loops
 * (sd_blockvec.c).  The results are the same, bit for bit, at every
 * level: tests compare them. */
void sd_model_set_rewrite(sd_model *m, int level);

/* Define an auxiliary, flow or constant: `name = eqn`.  The control
 * variables INITIAL TIME, FINAL TIME, TIME STEP and SAVEPER are defined the
 * same way (they default to 0, 100, 1 and TIME STEP).  Equations are parsed
 * here; a syntax error is reported now with its position.  Returns 0 or -1
 * (err filled). */
int sd_model_add(sd_model *m, const char *name, sd_kind kind, const char *eqn,
                 const sd_srcpos *pos, sd_error *err);

/* Define a stock: d(name)/dt = rate, name(initial) = init.  The front end
 * writes the net rate as an expression (e.g. "inflow - outflow"). */
int sd_model_add_stock(sd_model *m, const char *name, const char *rate,
                       const char *init, const sd_srcpos *pos, sd_error *err);

/* The same, with separate source positions for the rate and the initial
 * value (as they appear in INTEG(rate, init) in a .mdl file). */
int sd_model_add_stock_at(sd_model *m, const char *name, const char *rate,
                          const sd_srcpos *rate_pos, const char *init,
                          const sd_srcpos *init_pos, sd_error *err);

/* Define a lookup (graphical function) from n points, x strictly
 * increasing.  Called in equations as name(x): linear interpolation,
 * clamped at the ends. */
int sd_model_add_lookup(sd_model *m, const char *name, const double *x,
                        const double *y, int n, sd_error *err);

/* How a data variable reads between its points. */
typedef enum {
  SD_DATA_LINEAR = 0,      /* interpolate (Vensim's default, :INTERPOLATE:) */
  SD_DATA_HOLD = 1,        /* the last point at or before the time (:HOLD BACKWARD:) */
  SD_DATA_FORWARD = 2,     /* the first point at or after the time (:LOOK FORWARD:) */
  SD_DATA_RAW = 3          /* the value at a point, :NA: between points (:RAW:) */
} sd_data_mode;

/* A data variable: a time series (x = times, increasing; y = values), read
 * at the current time in `mode`; before the first or after the last point
 * it holds the end value.  With subscripts (nsubs > 0) it defines the
 * elements they cover, like sd_model_add_arrayed. */
int sd_model_add_data(sd_model *m, const char *name, const char *const *subs, int nsubs,
                      const double *x, const double *y, int n, sd_data_mode mode,
                      const sd_srcpos *pos, sd_error *err);

/* ---- arrays ------------------------------------------------------------- */

/* Define a subscript range (dimension) and its elements, in order.  A range
 * whose elements all belong to another range is a subrange of it. */
int sd_model_add_dim(sd_model *m, const char *name, const char *const *elems, int n,
                     sd_error *err);

/* Map range `from` onto range `to`: element i of `from` stands for
 * element i of `to` in equations over `from` that use `to`, or for
 * elems[i] when given (n = number of elements of `from`). */
int sd_model_add_dim_map(sd_model *m, const char *from, const char *to,
                         const char *const *elems, int n, sd_error *err);

/* Define (part of) an arrayed variable: `name[subs...] = eqn`.  Each
 * subscript is a dimension, subrange or element name; a variable may be
 * defined piecewise by several calls (element by element, or subrange by
 * subrange).  Elements no definition covers are 0. */
int sd_model_add_arrayed(sd_model *m, const char *name, sd_kind kind,
                         const char *const *subs, int nsubs, const char *eqn,
                         const sd_srcpos *pos, sd_error *err);
int sd_model_add_arrayed_stock(sd_model *m, const char *name, const char *const *subs,
                               int nsubs, const char *rate, const sd_srcpos *rate_pos,
                               const char *init, const sd_srcpos *init_pos, sd_error *err);
/* `name[subs...](points)`: lookups per element (or one for a range). */
int sd_model_add_arrayed_lookup(sd_model *m, const char *name, const char *const *subs,
                                int nsubs, const double *x, const double *y, int n,
                                sd_error *err);

/* Exclude the elements matching subs (one :EXCEPT: list) from the latest
 * definition of arrayed variable `name`. */
int sd_model_add_except(sd_model *m, const char *name, const char *const *subs, int nsubs,
                        sd_error *err);

/* `name[subs...] = v1, v2, ...` (Vensim's lists and tables of numbers),
 * in row-major order over the dimensions among subs. */
int sd_model_add_arrayed_values(sd_model *m, const char *name, const char *const *subs,
                                int nsubs, const double *vals, int nvals,
                                const sd_srcpos *pos, sd_error *err);

/* ---- macros ------------------------------------------------------------- */

/* Define macro `name(params : outs)` and return its body: a model to fill
 * with the macro's variables using the functions above (it is owned by m).
 * The body variable named like the macro is the value of a call; each of
 * `outs` is bound to the caller's name given after ':' in the call. */
sd_model *sd_model_add_macro(sd_model *m, const char *name, const char *const *params,
                             int nparams, const char *const *outs, int nouts, sd_error *err);

/* ---- structure (sd_links.c, sd_loops.c) ---------------------------------- */

/* The model's variables, in definition order (the four control variables
 * first), as the structure functions below number them. */
int sd_model_nvars(const sd_model *m);
const char *sd_model_var_text(const sd_model *m, int i);
sd_kind sd_model_var_kind(const sd_model *m, int i);
int sd_model_var_arrayed(const sd_model *m, int i);

/* One reference to variable `from` (-1: Time) in an equation of `to`. */
typedef struct sd_link {
  int from, to;
  int def;              /* which definition of an arrayed `to` (else 0) */
  int field;            /* 0 the equation (a stock's: its net rate), 1 a stock's initial value */
  int init;             /* 1: it only sets an initial value (INITIAL, a stock's initial value) */
  int sign;             /* +1 or -1: the sign of d(to)/d(from) the equation determines; 0 unknown */
  int line, col;        /* where the name is written, in the equation's text (1-based) */
  int len;              /* bytes of the name as written (inside quotes, if quoted) */
  int file_line, file_col; /* the same in the model file (0: the equation has no file) */
  const char *via;      /* the function holding state the reference passes through
                           (canonical name: "smooth", "delay3", ...), or NULL */
} sd_link;

/* Every reference of every equation, in variable order.  assume_positive:
 * take stocks' values as positive when signing products and quotients.
 * *out is malloc'ed (the caller frees it).  Returns 0 or -1 (err filled). */
int sd_model_links(const sd_model *m, int assume_positive, sd_link **out, int *nout,
                   sd_error *err);

/* Every equation tree in prefix order (a node, then its nargs arguments'
 * subtrees), for front ends that check more than names (units).  kind and
 * op are the parser's (sd_ast.h: 0 number, 1 name, 2 unary, 3 binary, 4
 * call, 5 table); name is canonical (NULL for numbers and operators).  One
 * root per equation: a variable's (or its definition's) equation, field 0,
 * and a stock's initial value, field 1.  Both arrays are malloc'ed; the
 * names point into the model. */
typedef struct sd_flat_node {
  int kind, op, nargs;
  double num;
  const char *name;
  int line, col;
} sd_flat_node;
typedef struct sd_flat_root {
  int var, def, field;
  int first;            /* its first node */
  int file_line;        /* where the equation starts in the model file (0: none) */
} sd_flat_root;
int sd_model_flatten(const sd_model *m, sd_flat_node **nodes, int *nnodes, sd_flat_root **roots,
                     int *nroots, sd_error *err);

/* The element graph as the compiler builds it (sd_compile.c): n
 * variables (array elements, and the hidden stocks of SMOOTH, DELAY3, ...
 * and macro variables), var[i] the model variable each belongs to (-1:
 * Time), and edges from[k] -> to[k] from what an equation reads to what
 * it defines, initial values left out.  Needs a model that compiles as
 * far as its names (not A FUNCTION OF).  Free with sd_elements_free(). */
typedef struct sd_elements {
  int n, nedges;
  int *var, *from, *to;
  int *hidden;          /* 1: a hidden or macro variable (counted as var[i]) */
} sd_elements;
int sd_model_elements(const sd_model *m, sd_elements *out, sd_error *err);
void sd_elements_free(sd_elements *e);

/* The elementary cycles of a directed graph of n nodes (edges from[k] ->
 * to[k], k < nedges), by Johnson's algorithm, stopping after max_cycles.
 * Each cycle calls emit(nodes, len, ud) with its nodes in order, starting
 * at its lowest-numbered node; a nonzero return stops the search.
 * Returns the number of cycles found, -1 (out of memory), or -2 when it
 * stopped at max_cycles or at the caller's request. */
long sd_cycles(int n, int nedges, const int *from, const int *to, long max_cycles,
               int (*emit)(const int *nodes, int len, void *ud), void *ud);

/* The same cycles listed shortest first: all of length 1, then 2, ...,
 * until max_cycles are listed or max_work edges have been walked (0: no
 * bound).  *complete_len: the length up to which every cycle was listed.
 * Returns as sd_cycles does. */
long sd_cycles_by_length(int n, int nedges, const int *from, const int *to, long max_cycles,
                         double max_work, int (*emit)(const int *nodes, int len, void *ud),
                         void *ud, int *complete_len);

/* ---- compiling -------------------------------------------------------- */

typedef struct sd_program sd_program;

/* Resolve names, order equations, lower stateful builtins, emit bytecode.
 * The model may be freed afterwards.  NULL on error (err filled). */
sd_program *sd_compile(const sd_model *m, sd_error *err);
void sd_program_free(sd_program *p);

/* The variables a user can see (model variables, including the control
 * variables; not the hidden ones made by SMOOTH, DELAY3, ...), in
 * definition order.  Names are returned as first spelled. */
int sd_program_nvars(const sd_program *p);
const char *sd_program_var_name(const sd_program *p, int i);
sd_kind sd_program_var_kind(const sd_program *p, int i);
/* Index of a variable by name (matched case-, space- and
 * underscore-insensitively), or -1. */
int sd_program_find(const sd_program *p, const char *name);

/* Instruction counts of the compiled phases, for reports and benchmarks. */
typedef struct sd_program_stats {
  int n_slots;        /* values in the register file (vars, hidden, temps, constants) */
  int n_stocks;       /* including hidden stocks */
  int n_init_instr;   /* instructions run once at the start */
  int n_step_instr;   /* instructions run per derivative evaluation */
  double n_vec_work;  /* blocks the block vectorizer measured while compiling */
} sd_program_stats;
void sd_program_get_stats(const sd_program *p, sd_program_stats *st);

/* Human-readable listing of the bytecode (for debugging); returns the
 * number of characters that the full listing needs, like snprintf. */
size_t sd_program_disasm(const sd_program *p, char *buf, size_t cap);

/* ---- running ---------------------------------------------------------- */

/* SD_DISPATCH_COUNT: the switch loop counting every dispatch by opcode
 * into opts->op_counts (for measurements; slower). */
typedef enum { SD_DISPATCH_DEFAULT = 0, SD_DISPATCH_GOTO = 1, SD_DISPATCH_SWITCH = 2,
               SD_DISPATCH_COUNT = 3 } sd_dispatch;

typedef struct sd_run_opts {
  /* Time settings; NaN means "as the model says". */
  double start, stop, dt, saveper;
  int method;                  /* sd_method, or -1 for the model's */
  /* Overrides of constants and stock initial values, by variable index. */
  int n_override;
  const int *override_var;
  const double *override_val;
  /* Which variables to save (indices from sd_program_find), in column order. */
  int n_out;
  const int *out_var;
  /* Called about every `poll_every` steps; a nonzero return stops the run
   * with SD_E_INTERRUPT.  May also longjmp (nothing is allocated). */
  int (*poll)(void *ud);
  void *poll_ud;
  long poll_every;             /* 0 = a sensible default */
  sd_dispatch dispatch;        /* which interpreter loop; default = build's */
  /* Nonzero: stocks are held in single precision, as in Vensim's standard
   * (single-precision) build: initial values and every step's new values
   * are rounded to float, so an increment below half a stock's float
   * spacing is lost as it is there.  The rest is computed in double. */
  int single_stocks;
  double *op_counts;           /* SD_DISPATCH_COUNT: sd_n_opcodes() counters,
                                  added to (the caller zeroes them) */
} sd_run_opts;

/* Fill opts with defaults: NaN times, model's method, no overrides, all
 * visible variables saved, no polling, default dispatch. */
void sd_run_opts_init(sd_run_opts *opts);

/* Number of doubles the caller must provide as work memory for a run. */
size_t sd_run_work_size(const sd_program *p);

typedef struct sd_run_info {
  double start, stop, dt, saveper;
  int method;
  long n_steps;  /* integration steps */
  long n_rows;   /* saved rows, including start (and stop) */
  size_t n_extra;/* doubles of pipeline memory (DELAY FIXED) the run needs
                    beyond sd_run_work_size(): known only after the initial
                    values, since the delays are; sd_run_steps needs work of
                    sd_run_work_size(p) + n_extra doubles, holding what
                    sd_run_init wrote at its start */
  int dynamic_time; /* the time settings change during the run (they depend
                    on Time): Euler with the TIME STEP of each moment, rows
                    saved where Time is a multiple of SAVEPER from the start,
                    the run ends once Time reaches FINAL TIME.  n_rows is
                    then only known by sd_run_count_rows() */
} sd_run_info;

/* Phase 1: evaluate the time settings and the initial values into work.
 * Reports how many rows the run will save, so the caller can allocate the
 * output.  Returns 0, or -1 with err filled (bad settings, bad override). */
int sd_run_init(const sd_program *p, const sd_run_opts *opts, double *work,
                sd_run_info *info, sd_error *err);

/* Phase 2: integrate (work: see n_extra above).  time_out gets info->n_rows times; cols[k] gets
 * info->n_rows values of variable opts->out_var[k] (all visible variables
 * in order when opts->out_var is NULL).  Returns 0 or -1 (err filled). */
int sd_run_steps(const sd_program *p, const sd_run_opts *opts, double *work,
                 const sd_run_info *info, double *time_out, double **cols,
                 sd_error *err);

/* For info->dynamic_time runs: run without saving and return the number of
 * rows the run saves (or -1, err filled).  It consumes work: call
 * sd_run_init() again, set info->n_rows to the count, then sd_run_steps(). */
long sd_run_count_rows(const sd_program *p, const sd_run_opts *opts, double *work,
                       const sd_run_info *info, sd_error *err);

/* ---- many runs in lockstep (sd_lanes.c) --------------------------------
 * Up to sd_lanes_width() runs of one program step together: every
 * instruction is dispatched once for all of them, each lane doing its own
 * arithmetic, and each run gives exactly the numbers it gives alone.  The
 * runs differ only in their overrides; their time settings and method
 * must be the same. */
#define SD_LANES 8   /* eight doubles: one 64-byte cache line per slot */
int sd_lanes_width(void);
/* NULL if p can run in lanes, else why not (a short phrase). */
const char *sd_lanes_refusal(const sd_program *p);
/* 1 if runs with these infos (from sd_run_init) can step together: the
 * same time settings and method, fixed during the run. */
int sd_lanes_together(const sd_run_info *a, const sd_run_info *b);
/* Doubles of the lane work memory sd_run_lanes needs. */
size_t sd_lanes_work_size(const sd_program *p);
/* Run n (1 to sd_lanes_width()) runs of p whose work buffers w[0..n-1]
 * sd_run_init has prepared (infos in info[], equal in time and method),
 * in lane memory `lanes`.  Run l writes time_out[l] and cols[l][k] as
 * sd_run_steps does.  opts: the runs' common options (its overrides are
 * not used: they are in the work buffers).  Returns 0, -1 (err filled),
 * or 1 when the runs cannot go on together (an IF THEN ELSE arm holding
 * state runs for some of them only): run them one by one instead. */
int sd_run_lanes(const sd_program *p, const sd_run_opts *opts, int n, double *const *w,
                 const sd_run_info *info, double *lanes, double *const *time_out,
                 double **const *cols, sd_error *err);

/* ---- build facts ------------------------------------------------------ */

/* The dispatch used when a run asks for SD_DISPATCH_DEFAULT. */
sd_dispatch sd_default_dispatch(void);
/* 1 if this build contains the computed-goto interpreter. */
int sd_have_computed_goto(void);
const char *sd_dispatch_name(sd_dispatch d);
int sd_n_opcodes(void);
/* The name of opcode k (0 <= k < sd_n_opcodes()). */
const char *sd_opcode_name(int k);

#endif
