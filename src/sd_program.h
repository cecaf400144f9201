/*
 * sd_program.h -- the compiled form of a model (internal to the engine).
 *
 * The value array v[] is laid out as
 *   [0]            TIME
 *   [1]            exogenous time: what STEP/PULSE/RAMP see.  Equal to TIME
 *                  under Euler; held at the start of the step during the
 *                  Runge-Kutta stages, as Vensim does.
 *   [2..5]         INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER
 *   ...            model variables, hidden state, stock rates
 *   ...            temporaries
 *   ...            constant pool (preset before every run)
 * Programs:
 *   ctrl  evaluates the control variables (before run options apply)
 *   init  computes every initial value, in initial-value order
 *   step  computes the auxiliaries and every stock's net rate, in
 *         dependency order; run once per Euler step, 2x RK2, 4x RK4
 */
#ifndef SD_PROGRAM_H
#define SD_PROGRAM_H

#include "sd_engine.h"
#include "sd_opcodes.h"
#include "sd_util.h"

enum {
  SD_SLOT_TIME = 0,
  SD_SLOT_XTIME = 1,
  SD_SLOT_T0 = 2,
  SD_SLOT_T1 = 3,
  SD_SLOT_DT = 4,
  SD_SLOT_SAVEPER = 5,
  SD_NUM_FIXED_SLOTS = 6
};

typedef struct sd_table {
  int n;
  int mode;               /* sd_data_mode: lookups are SD_DATA_LINEAR */
  const double *x, *y;
} sd_table;

typedef struct sd_code {
  sd_ins *ins;
  int n;            /* instructions, HALT included */
} sd_code;

/* A discrete delay, updated once per TIME STEP (sd_discrete.c):
 *   DELAY INFORMATION  its input's history, read back by the delay;
 *   DELAY MATERIAL     each input scheduled to leave at its entry time
 *                      plus its delay, arrivals of one step added up;
 *   DEPRECIATE STRAIGHTLINE  the investments of each fiscal period,
 *                      spread evenly over the depreciation time.
 * arg: the slots of its inputs, read at the end of each step and when a
 * run starts (input, delay or depreciation time, fiscal period, initial
 * value; unused ones repeat the input).
 *   DELAY CONVEYOR     batches on a belt, one a step, each moving a
 *                      TIME STEP / conveyance time of the belt a step and
 *                      shrinking by the leak; arg: input, conveyance
 *                      time, leak, initial total, initial conveyance time.
 *   DELAY BATCH        a backlog released a batch of bsize at a time when
 *                      none is in process, each out btime later; arg:
 *                      input, bsize, btime, initial batch, its time,
 *                      initial backlog.
 *   DELAY PROFILE      each step's input spread over the steps ahead by
 *                      the profile, scaled to the delay time as its
 *                      mean; arg: input, delay time, initial value,
 *                      initial growth rate.
 *   QUEUE FIFO         batches with the step they entered, taken out
 *                      oldest first; arg: inflow, outflow, initial
 *                      contents, age range, and for QUEUE FIFO ATTRIB the
 *                      incoming attribute, its change rate and the
 *                      initial attribute (profiles: `table`, `table2`).
 *                      Its output and the QUEUE AGE/ATTRIB functions
 *                      read it.
 *   NET PRESENT VALUE  the stream summed over each fiscal period and
 *                      discounted from a point in it; arg: stream, rate,
 *                      fiscal period, reporting time, offset.
 *   DEPRECIATE BY SCHEDULE  each fiscal period's investment spread over
 *                      the next periods by the schedule's fractions; arg:
 *                      stream, depreciation time, fiscal start (vec: the
 *                      schedule and the initial depreciation).
 *   XMILE CONVEYOR     DELAY MATERIAL on a belt that stops while the
 *                      conveyor is arrested: delays count the steps the
 *                      belt moved; arg: input, transit time, arrested. */
enum { SD_DSC_INFORMATION = 0, SD_DSC_MATERIAL = 1, SD_DSC_DEPRECIATE = 2, SD_DSC_CONVEYOR = 3,
       SD_DSC_BATCH = 4, SD_DSC_PROFILE = 5, SD_DSC_QUEUE = 6, SD_DSC_NPV = 7, SD_DSC_SCHEDULE = 8,
       SD_DSC_BELT = 9 };
#define SD_DSC_MAXARG 7
typedef struct sd_dsc {
  int kind;
  int arg[SD_DSC_MAXARG];
  int table;              /* DELAY CONVEYOR, DELAY PROFILE, QUEUE FIFO: its profile */
  int table2;             /* QUEUE FIFO ATTRIB: the attributes' profile (else -1) */
  int vec[2], nvec[2];    /* DEPRECIATE BY SCHEDULE: the first slot and count of its schedule and initial values */
} sd_dsc;

/* The doubles the discrete delays of p need for a run of n_steps steps
 * of dt, v holding the initial values. */
size_t sd_dsc_size(const sd_program *p, const double *v, long n_steps, double dt);
/* Lay their record out in rec (that many doubles) and start them. */
void sd_dsc_setup(const sd_program *p, const double *v, double *rec, long n_steps, double dt);
/* Record the inputs of step k at its end. */
void sd_dsc_push(const sd_program *p, const double *v, double *rec, long k, double dt);
/* The output of discrete delay k at time t (step start t0, TIME STEP dt)
 * from its record; a[] its operands: DELAY INFORMATION (input, delay,
 * initial value), DELAY MATERIAL (initial value, missing value),
 * DEPRECIATE STRAIGHTLINE (investment stream). */
double sd_dsc_out(const double *rec, int k, const double *a, double t, double t0, double dt);

/* A FIND ZERO element: the slots of x, of the z it brings to zero, of
 * their scales, x's first guess, the tolerance, the iteration limit and
 * the skip count (x is held at its guess when its place along its last
 * subscript, pos, is below skip). */
typedef struct sd_zero {
  int x, z, xs, zs, guess, tol, iter, skip, pos;
  const char *text;
} sd_zero;

struct sd_program {
  sd_arena arena;         /* names, tables, preset lists */

  /* visible variables, in definition order (control variables first) */
  int nvis;
  const char **vis_text;  /* as spelled */
  sd_kind *vis_kind;
  int *vis_slot;          /* value slot */
  int *vis_const;         /* index into preset list if an overridable constant, else -1 */
  int *vis_stock;         /* stock index if a stock, else -1 */
  sd_strmap vis_index;    /* canonical name -> visible index */

  int nslots;
  /* values written into v[] before any program runs: constant pool and
   * literal-valued variables */
  int npreset;
  int *preset_slot;
  double *preset_val;

  int nstocks;            /* including hidden stocks */
  int *stock_slot;        /* value */
  int *stock_rate;        /* net rate slot, computed by step */

  int ntables;
  sd_table *tables;

  sd_code ctrl, init, step;
  sd_method method;
  int dynamic_time;       /* time settings depend on Time: computed by step too */

  /* DELAY FIXED pipelines: the input slot (read at the end of each step),
     the delay (fixed at the initial time) and the output slot (its initial
     value fills the pipeline) */
  int ndfx;
  int *dfx_in, *dfx_delay, *dfx_out;

  /* Discrete delays kept as whole histories (sd_run.c): the values of
     their inputs are recorded at the end of every step and the output is
     read from the record */
  int ndsc;
  sd_dsc *dsc;

  /* SIMULTANEOUS: the variables solved by iteration (their slots), the
     slots of their first guesses (-1: none), their names for messages */
  int nsim;
  int *sim_slot, *sim_guess;
  const char **sim_text;

  /* FIND ZERO: the elements solved for by Newton's method */
  int nzero;
  sd_zero *zero;

  double vec_work;        /* blocks the block vectorizer measured (its work) */
  /* lanes (sd_lanes.c, set by sd_lanes_prepare): why the program cannot
     run in them (NULL: it can), and the slot writes of the step code (the
     most a split may keep) */
  const char *lane_refusal;
  size_t lane_writes;
};

/* Interpreter entry points: run `code` against v.  ovr_on/ovr_val are the
 * stock-initial overrides (indexed by stock), used by OVR in init code. */
/* Rows of saved output staged in work memory before they are written to
 * the caller's columns (sd_run.c, whose full-block copy is written out
 * for 8). */
#define SD_STAGE_ROWS 8

typedef struct sd_vmctx {
  const sd_table *tables;
  const double *ovr_on;
  const double *ovr_val;
  const double *pipes;    /* DELAY FIXED: [offset k][length k][position k] then buffers */
  int npipes;
  const double *dsc;      /* discrete delays' records (sd_dsc_out) */
  double *hints;          /* per table: the segment its last lookup used */
  double *counts;         /* counting loop only: dispatches per opcode */
  /* lanes only (sd_lanes.c): where a bounded interpreter stops, and the
     memory of the splits of lanes that went different ways */
  const sd_ins *end;
  struct sd_lanesplit *split;
} sd_vmctx;

void sd_vm_exec_switch(const sd_ins *pc, double *v, const sd_vmctx *ctx);

/* Where sd_run_init keeps a run's state in its work memory (sd_run.c),
 * for the lane runner (sd_lanes.c). */
typedef struct sd_run_parts {
  double *v, *hints, *ovr_on, *ovr_val;
} sd_run_parts;
sd_run_parts sd_run_parts_of(const sd_program *p, double *work);
/* Steps between saved rows. */
long sd_save_stride(double saveper, double dt, long n_steps);

/* Runs of one arithmetic operation over array elements become one
 * looping instruction (sd_peephole.c); -1 when out of memory. */
int sd_vectorize(sd_code *code);
/* Runs of k blocks of the same element operations become one element loop
 * per position (sd_blockvec.c); temporaries are the slots in [tlo, thi),
 * private copies are added after *nslots; *work (if not NULL) grows by the
 * number of blocks the search measured.  -1 when out of memory. */
int sd_block_vectorize(sd_code *code, int32_t tlo, int32_t thi, int *nslots, sd_arena *arena, double *work);
void sd_vm_exec_count(const sd_ins *pc, double *v, const sd_vmctx *ctx);

/* The lane interpreters: SD_LANES runs in lockstep, slot x of lane l at
 * v[x * SD_LANES + l] (sd_vm_body.h with SD_VM_K lanes; sd_lanes.c runs
 * them; SD_LANES in sd_engine.h). */
void sd_vm_lanes_switch(const sd_ins *pc, double *v, const sd_vmctx *ctx);
void sd_vm_lanes_switch_to(const sd_ins *pc, double *v, const sd_vmctx *ctx);
#if SD_HAVE_COMPUTED_GOTO
void sd_vm_lanes_goto(const sd_ins *pc, double *v, const sd_vmctx *ctx);
void sd_vm_lanes_goto_to(const sd_ins *pc, double *v, const sd_vmctx *ctx);
#endif
#define SD_LANES_ALL ((1u << SD_LANES) - 1u)
/* The lanes' facts of a finished program (sd_compile runs it last). */
void sd_lanes_prepare(sd_program *p);
/* Lanes that go different ways at the jump at pc (mask: the lanes that
 * jump, or move and jump): both ways are run for every lane through the
 * bounded interpreter run_to, each lane keeping its own way's results.
 * Returns where the lanes meet again, or NULL when an arm holds state
 * (the lanes are then abandoned: sd_run_lanes reports it). */
const sd_ins *sd_lanes_split(const sd_ins *pc, double *v, const sd_vmctx *ctx, unsigned mask,
                             void (*run_to)(const sd_ins *, double *, const sd_vmctx *));
#if SD_HAVE_COMPUTED_GOTO
void sd_vm_exec_goto(const sd_ins *pc, double *v, const sd_vmctx *ctx);
#endif

#endif
