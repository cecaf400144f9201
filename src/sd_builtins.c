/* sd_builtins.c -- the table of builtin functions (see sd_builtins.h). */
#include <string.h>
#include "sd_builtins.h"
#include "sd_opcodes.h"

static const sd_builtin table[SD_FN__COUNT] = {
  { "abs",            SD_FN_ABS,          SD_B_OP,      1, 1, SDI_ABS },
  { "min",            SD_FN_MIN,          SD_B_OP,      2, 2, SDI_MIN },
  { "max",            SD_FN_MAX,          SD_B_OP,      2, 2, SDI_MAX },
  { "exp",            SD_FN_EXP,          SD_B_OP,      1, 1, SDI_EXP },
  { "ln",             SD_FN_LN,           SD_B_OP,      1, 1, SDI_LN },
  { "log",            SD_FN_LOG,          SD_B_OP,      1, 2, SDI_LOGB },  /* 1 arg: base 10 */
  { "sqrt",           SD_FN_SQRT,         SD_B_OP,      1, 1, SDI_SQRT },
  { "sin",            SD_FN_SIN,          SD_B_OP,      1, 1, SDI_SIN },
  { "cos",            SD_FN_COS,          SD_B_OP,      1, 1, SDI_COS },
  { "tan",            SD_FN_TAN,          SD_B_OP,      1, 1, SDI_TAN },
  { "arcsin",         SD_FN_ARCSIN,       SD_B_OP,      1, 1, SDI_ASIN },
  { "arccos",         SD_FN_ARCCOS,       SD_B_OP,      1, 1, SDI_ACOS },
  { "arctan",         SD_FN_ARCTAN,       SD_B_OP,      1, 1, SDI_ATAN },
  { "integer",        SD_FN_INTEGER,      SD_B_OP,      1, 1, SDI_INT },
  { "modulo",         SD_FN_MODULO,       SD_B_OP,      2, 2, SDI_MOD },
  { "power",          SD_FN_POWER,        SD_B_OP,      2, 2, SDI_POW },
  { "quantum",        SD_FN_QUANTUM,      SD_B_OP,      2, 2, SDI_QUANTUM },
  { "xidz",           SD_FN_XIDZ,         SD_B_OP,      3, 3, SDI_XIDZ },
  { "zidz",           SD_FN_ZIDZ,         SD_B_OP,      2, 2, SDI_ZIDZ },
  { "step",           SD_FN_STEP,         SD_B_TIMEFN,  2, 2, SDI_STEP },
  { "pulse",          SD_FN_PULSE,        SD_B_TIMEFN,  2, 2, SDI_PULSE },
  { "pulse train",    SD_FN_PULSE_TRAIN,  SD_B_TIMEFN,  4, 4, SDI_PULSETR },
  { "ramp",           SD_FN_RAMP,         SD_B_TIMEFN,  2, 3, SDI_RAMP },
  { "if then else",   SD_FN_IF_THEN_ELSE, SD_B_SPECIAL, 3, 3, 0 },
  { "initial",        SD_FN_INITIAL,      SD_B_SPECIAL, 1, 1, 0 },
  { "with lookup",    SD_FN_WITH_LOOKUP,  SD_B_SPECIAL, 2, 2, 0 },
  { "smooth",         SD_FN_SMOOTH,       SD_B_STATE,   2, 2, 0 },
  { "smoothi",        SD_FN_SMOOTHI,      SD_B_STATE,   3, 3, 0 },
  { "smooth3",        SD_FN_SMOOTH3,      SD_B_STATE,   2, 2, 0 },
  { "smooth3i",       SD_FN_SMOOTH3I,     SD_B_STATE,   3, 3, 0 },
  { "delay1",         SD_FN_DELAY1,       SD_B_STATE,   2, 2, 0 },
  { "delay1i",        SD_FN_DELAY1I,      SD_B_STATE,   3, 3, 0 },
  { "delay3",         SD_FN_DELAY3,       SD_B_STATE,   2, 2, 0 },
  { "delay3i",        SD_FN_DELAY3I,      SD_B_STATE,   3, 3, 0 },
  { "trend",          SD_FN_TREND,        SD_B_STATE,   3, 3, 0 },
  { "delay n",        SD_FN_DELAY_N,      SD_B_STATE,   4, 4, 0 },
  { "smooth n",       SD_FN_SMOOTH_N,     SD_B_STATE,   4, 4, 0 },
  { "game",           SD_FN_GAME,         SD_B_SPECIAL, 1, 1, 0 },
  { "active initial", SD_FN_ACTIVE_INITIAL, SD_B_SPECIAL, 2, 2, 0 },
  { "sum",            SD_FN_SUM,          SD_B_SPECIAL, 1, 1, 0 },
  { "prod",           SD_FN_PROD,         SD_B_SPECIAL, 1, 1, 0 },
  { "vmin",           SD_FN_VMIN,         SD_B_SPECIAL, 1, 1, 0 },
  { "vmax",           SD_FN_VMAX,         SD_B_SPECIAL, 1, 1, 0 },
  { "sinh",           SD_FN_SINH,         SD_B_OP,      1, 1, SDI_SINH },
  { "cosh",           SD_FN_COSH,         SD_B_OP,      1, 1, SDI_COSH },
  { "tanh",           SD_FN_TANH,         SD_B_OP,      1, 1, SDI_TANH },
  { "elmcount",       SD_FN_ELMCOUNT,     SD_B_SPECIAL, 1, 1, 0 },
  { "sample if true", SD_FN_SAMPLE_IF_TRUE, SD_B_SPECIAL, 3, 3, 0 },
  { "vector select",  SD_FN_VECTOR_SELECT, SD_B_SPECIAL, 5, 5, 0 },
  { "vector elm map", SD_FN_VECTOR_ELM_MAP, SD_B_SPECIAL, 2, 2, 0 },
  { "vector sort order", SD_FN_VECTOR_SORT_ORDER, SD_B_SPECIAL, 2, 2, 0 },
  { "delay fixed",    SD_FN_DELAY_FIXED,  SD_B_SPECIAL, 3, 3, 0 },
  { "forecast",       SD_FN_FORECAST,     SD_B_SPECIAL, 3, 3, 0 },
  /* in sd_fn order: sd_builtin_get indexes this table */
  { "invert matrix",  SD_FN_INVERT_MATRIX, SD_B_SPECIAL, 2, 2, 0 },
  { "allocate by priority", SD_FN_ALLOCATE_BY_PRIORITY, SD_B_SPECIAL, 5, 5, 0 },
  { "allocate available", SD_FN_ALLOCATE_AVAILABLE, SD_B_SPECIAL, 3, 3, 0 },
  { "lookup backward", SD_FN_LOOKUP_BACKWARD, SD_B_SPECIAL, 2, 2, 0 },
  { "lookup forward", SD_FN_LOOKUP_FORWARD, SD_B_SPECIAL, 2, 2, 0 },
  { "lookup extrapolate", SD_FN_LOOKUP_EXTRAPOLATE, SD_B_SPECIAL, 2, 2, 0 },
  { "lookup invert", SD_FN_LOOKUP_INVERT, SD_B_SPECIAL, 2, 2, 0 },
  { "vector rank", SD_FN_VECTOR_RANK, SD_B_SPECIAL, 2, 2, 0 },
  { "vector reorder", SD_FN_VECTOR_REORDER, SD_B_SPECIAL, 2, 2, 0 },
  { "random uniform", SD_FN_RANDOM_UNIFORM, SD_B_SPECIAL, 3, 3, 0 },
  { "random normal",  SD_FN_RANDOM_NORMAL, SD_B_SPECIAL, 5, 5, 0 },
  { "get time value", SD_FN_GET_TIME_VALUE, SD_B_SPECIAL, 3, 3, 0 },
  /* lowered in sd_lower.c */
  { "npv",            SD_FN_NPV,          SD_B_SPECIAL, 4, 4, 0 },
  { "npve",           SD_FN_NPVE,         SD_B_SPECIAL, 4, 4, 0 },
  { "sinteg step",    SD_FN_SINTEG_STEP,  SD_B_SPECIAL, 7, 7, 0 },   /* SINTEG's rate (sd_mdl.c) */
  { "time base",      SD_FN_TIME_BASE,    SD_B_SPECIAL, 2, 2, 0 },
  { "reinitial",      SD_FN_REINITIAL,    SD_B_SPECIAL, 1, 1, 0 },
  { "gamma ln",       SD_FN_GAMMA_LN,     SD_B_OP,      1, 1, SDI_LGAMMA },
  /* the standard normal distribution and its inverse: Stella's NORMALCDF
   * and INVNORM are written with these (xmile_expr.R) */
  { "std normal cdf", SD_FN_NORMAL_CDF,   SD_B_OP,      1, 1, SDI_NORMCDF },
  { "std normal inverse", SD_FN_NORMAL_INV, SD_B_OP,    1, 1, SDI_NORMINV },
  { "random pink noise", SD_FN_RANDOM_PINK_NOISE, SD_B_SPECIAL, 4, 4, 0 },
  { "random 0 1",     SD_FN_RANDOM_0_1,   SD_B_SPECIAL, 0, 0, 0 },
  { "random beta",    SD_FN_RANDOM_BETA,  SD_B_SPECIAL, 7, 7, 0 },
  { "random binomial", SD_FN_RANDOM_BINOMIAL, SD_B_SPECIAL, 7, 7, 0 },
  { "random exponential", SD_FN_RANDOM_EXPONENTIAL, SD_B_SPECIAL, 5, 5, 0 },
  { "random gamma",   SD_FN_RANDOM_GAMMA, SD_B_SPECIAL, 6, 6, 0 },
  { "random lookup",  SD_FN_RANDOM_LOOKUP, SD_B_SPECIAL, 6, 6, 0 },
  { "random negative binomial", SD_FN_RANDOM_NEGATIVE_BINOMIAL, SD_B_SPECIAL, 7, 7, 0 },
  { "random poisson", SD_FN_RANDOM_POISSON, SD_B_SPECIAL, 6, 6, 0 },
  { "random triangular", SD_FN_RANDOM_TRIANGULAR, SD_B_SPECIAL, 6, 6, 0 },
  { "random weibull", SD_FN_RANDOM_WEIBULL, SD_B_SPECIAL, 6, 6, 0 },
  { "vector lookup",  SD_FN_VECTOR_LOOKUP, SD_B_SPECIAL, 5, 5, 0 },
  { "lookup area",    SD_FN_LOOKUP_AREA,  SD_B_SPECIAL, 3, 3, 0 },
  { "lookup slope",   SD_FN_LOOKUP_SLOPE, SD_B_SPECIAL, 2, 2, 0 },
  { "delay information", SD_FN_DELAY_INFORMATION, SD_B_SPECIAL, 3, 3, 0 },
  { "delay material", SD_FN_DELAY_MATERIAL, SD_B_SPECIAL, 4, 4, 0 },
  { "depreciate straightline", SD_FN_DEPRECIATE_STRAIGHTLINE, SD_B_SPECIAL, 4, 4, 0 },
  { "get data at time", SD_FN_GET_DATA_AT_TIME, SD_B_SPECIAL, 2, 2, 0 },
  { "get data between times", SD_FN_GET_DATA_BETWEEN_TIMES, SD_B_SPECIAL, 3, 3, 0 },
  { "get data first time", SD_FN_GET_DATA_FIRST_TIME, SD_B_SPECIAL, 1, 1, 0 },
  { "get data last time", SD_FN_GET_DATA_LAST_TIME, SD_B_SPECIAL, 1, 1, 0 },
  { "get data max",   SD_FN_GET_DATA_MAX, SD_B_SPECIAL, 3, 3, 0 },
  { "get data min",   SD_FN_GET_DATA_MIN, SD_B_SPECIAL, 3, 3, 0 },
  { "get data mean",  SD_FN_GET_DATA_MEAN, SD_B_SPECIAL, 3, 3, 0 },
  { "get data total", SD_FN_GET_DATA_TOTAL, SD_B_SPECIAL, 3, 3, 0 },
  { "delay conveyor", SD_FN_DELAY_CONVEYOR, SD_B_SPECIAL, 6, 6, 0 },
  { "marketp",        SD_FN_MARKETP,      SD_B_SPECIAL, 5, 5, 0 },
  { "alloc p",        SD_FN_ALLOC_P,      SD_B_SPECIAL, 4, 4, 0 },
  { "find market price", SD_FN_FIND_MARKET_PRICE, SD_B_SPECIAL, 4, 4, 0 },
  { "demand at price", SD_FN_DEMAND_AT_PRICE, SD_B_SPECIAL, 3, 3, 0 },
  { "supply at price", SD_FN_SUPPLY_AT_PRICE, SD_B_SPECIAL, 3, 3, 0 },
  { "delay batch",    SD_FN_DELAY_BATCH,  SD_B_SPECIAL, 6, 6, 0 },
  { "delay profile",  SD_FN_DELAY_PROFILE, SD_B_SPECIAL, 5, 5, 0 },
  { "simultaneous",   SD_FN_SIMULTANEOUS, SD_B_SPECIAL, 2, 2, 0 },
  { "x if missing",   SD_FN_X_IF_MISSING, SD_B_SPECIAL, 2, 2, 0 },
  { "queue fifo",     SD_FN_QUEUE_FIFO,   SD_B_SPECIAL, 5, 5, 0 },
  { "queue age average", SD_FN_QUEUE_AGE_AVERAGE, SD_B_SPECIAL, 1, 2, 0 },
  { "queue age in range", SD_FN_QUEUE_AGE_IN_RANGE, SD_B_SPECIAL, 3, 3, 0 },
  { "queue age oldest", SD_FN_QUEUE_AGE_OLDEST, SD_B_SPECIAL, 1, 1, 0 },
  { "queue fifo attrib", SD_FN_QUEUE_FIFO_ATTRIB, SD_B_SPECIAL, 9, 9, 0 },
  { "queue attrib average", SD_FN_QUEUE_ATTRIB_AVERAGE, SD_B_SPECIAL, 1, 2, 0 },
  { "queue attrib quantity", SD_FN_QUEUE_ATTRIB_QUANTITY, SD_B_SPECIAL, 2, 2, 0 },
  { "shift if true",  SD_FN_SHIFT_IF_TRUE, SD_B_SPECIAL, 5, 5, 0 },
  { "find zero",      SD_FN_FIND_ZERO,    SD_B_SPECIAL, 9, 9, 0 },
  { "net present value", SD_FN_NET_PRESENT_VALUE, SD_B_SPECIAL, 5, 5, 0 },
  { "depreciate by schedule", SD_FN_DEPRECIATE_BY_SCHEDULE, SD_B_SPECIAL, 5, 5, 0 },
  /* an XMILE conveyor's belt (input, transit time, initial rate out,
   * arrested): what the XMILE reader writes for conveyors that can be
   * arrested (xmile_conveyor.R), not a Vensim function */
  { "xmile conveyor", SD_FN_XMILE_CONVEYOR, SD_B_SPECIAL, 4, 4, 0 },
};

const sd_builtin *sd_builtin_find(const char *canon) {
  int i;
  /* a linear scan: this runs once per call site at compile time */
  for (i = 0; i < SD_FN__COUNT; i++)
    if (strcmp(table[i].name, canon) == 0) return &table[i];
  return NULL;
}

const sd_builtin *sd_builtin_get(sd_fn fn) { return &table[fn]; }

/* Functions with no meaning in a reproducible run.  Each is refused with
 * this reason (an sdvm_unsupported_error naming the variable and where
 * it is); docs/language.md lists them with the rest of the language. */
static const struct { const char *name, *why; } refused[] = {
  { "a function of", "it is a causal-loop-diagram link: it says which variables this one depends on, "
    "not how, so a model with it can be read (its structure) but not simulated until the equation is written" },
  { "message", "it shows a message or starts a program from Vensim's user interface during the run" },
  { "simulate", "it starts another simulation from Vensim's user interface" },
  { "external", "it calls an external function compiled into a Vensim DLL, which sdvm cannot load" },
  /* documented, but not implemented yet */
};

const char *sd_refused_reason(const char *canon) {
  size_t i;
  for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
    if (strcmp(refused[i].name, canon) == 0) return refused[i].why;
  return NULL;
}
