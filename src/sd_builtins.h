/*
 * sd_builtins.h -- the builtin functions the compiler knows, by canonical
 * name.  Each is one of:
 *   SD_B_OP       a pure function compiled to one opcode
 *   SD_B_TIMEFN   a function of the clock (STEP, PULSE, ...): one opcode
 *                 that reads the exogenous time, so the caller is dynamic
 *   SD_B_STATE    a stateful function (SMOOTH, DELAY3, TREND, ...) that the
 *                 compiler lowers to hidden stocks
 *   SD_B_SPECIAL  compiled by hand (IF THEN ELSE, INITIAL, WITH LOOKUP)
 */
#ifndef SD_BUILTINS_H
#define SD_BUILTINS_H

typedef enum { SD_B_OP, SD_B_TIMEFN, SD_B_STATE, SD_B_SPECIAL } sd_bkind;

typedef enum {
  SD_FN_ABS, SD_FN_MIN, SD_FN_MAX, SD_FN_EXP, SD_FN_LN, SD_FN_LOG, SD_FN_SQRT,
  SD_FN_SIN, SD_FN_COS, SD_FN_TAN, SD_FN_ARCSIN, SD_FN_ARCCOS, SD_FN_ARCTAN,
  SD_FN_INTEGER, SD_FN_MODULO, SD_FN_POWER, SD_FN_QUANTUM, SD_FN_XIDZ, SD_FN_ZIDZ,
  SD_FN_STEP, SD_FN_PULSE, SD_FN_PULSE_TRAIN, SD_FN_RAMP,
  SD_FN_IF_THEN_ELSE, SD_FN_INITIAL, SD_FN_WITH_LOOKUP,
  SD_FN_SMOOTH, SD_FN_SMOOTHI, SD_FN_SMOOTH3, SD_FN_SMOOTH3I,
  SD_FN_DELAY1, SD_FN_DELAY1I, SD_FN_DELAY3, SD_FN_DELAY3I, SD_FN_TREND,
  SD_FN_DELAY_N, SD_FN_SMOOTH_N, SD_FN_GAME, SD_FN_ACTIVE_INITIAL,
  SD_FN_SUM, SD_FN_PROD, SD_FN_VMIN, SD_FN_VMAX,
  SD_FN_SINH, SD_FN_COSH, SD_FN_TANH, SD_FN_ELMCOUNT, SD_FN_SAMPLE_IF_TRUE,
  SD_FN_VECTOR_SELECT, SD_FN_VECTOR_ELM_MAP, SD_FN_VECTOR_SORT_ORDER, SD_FN_DELAY_FIXED, SD_FN_FORECAST,
  SD_FN_INVERT_MATRIX, SD_FN_ALLOCATE_BY_PRIORITY, SD_FN_ALLOCATE_AVAILABLE,
  SD_FN_LOOKUP_BACKWARD, SD_FN_LOOKUP_FORWARD, SD_FN_LOOKUP_EXTRAPOLATE, SD_FN_LOOKUP_INVERT,
  SD_FN_VECTOR_RANK, SD_FN_VECTOR_REORDER, SD_FN_RANDOM_UNIFORM, SD_FN_RANDOM_NORMAL,
  SD_FN_GET_TIME_VALUE,
  /* sd_lower.c */
  SD_FN_NPV, SD_FN_NPVE, SD_FN_SINTEG_STEP, SD_FN_TIME_BASE, SD_FN_REINITIAL, SD_FN_GAMMA_LN,
  SD_FN_NORMAL_CDF, SD_FN_NORMAL_INV, SD_FN_RANDOM_PINK_NOISE,
  SD_FN_RANDOM_0_1, SD_FN_RANDOM_BETA, SD_FN_RANDOM_BINOMIAL, SD_FN_RANDOM_EXPONENTIAL,
  SD_FN_RANDOM_GAMMA, SD_FN_RANDOM_LOOKUP, SD_FN_RANDOM_NEGATIVE_BINOMIAL, SD_FN_RANDOM_POISSON,
  SD_FN_RANDOM_TRIANGULAR, SD_FN_RANDOM_WEIBULL,
  SD_FN_VECTOR_LOOKUP, SD_FN_LOOKUP_AREA, SD_FN_LOOKUP_SLOPE,
  SD_FN_DELAY_INFORMATION, SD_FN_DELAY_MATERIAL, SD_FN_DEPRECIATE_STRAIGHTLINE,
  SD_FN_GET_DATA_AT_TIME, SD_FN_GET_DATA_BETWEEN_TIMES, SD_FN_GET_DATA_FIRST_TIME,
  SD_FN_GET_DATA_LAST_TIME, SD_FN_GET_DATA_MAX, SD_FN_GET_DATA_MIN, SD_FN_GET_DATA_MEAN,
  SD_FN_GET_DATA_TOTAL, SD_FN_DELAY_CONVEYOR, SD_FN_MARKETP, SD_FN_ALLOC_P,
  SD_FN_FIND_MARKET_PRICE, SD_FN_DEMAND_AT_PRICE, SD_FN_SUPPLY_AT_PRICE, SD_FN_DELAY_BATCH, SD_FN_DELAY_PROFILE,
  SD_FN_SIMULTANEOUS, SD_FN_X_IF_MISSING,
  SD_FN_QUEUE_FIFO, SD_FN_QUEUE_AGE_AVERAGE, SD_FN_QUEUE_AGE_IN_RANGE, SD_FN_QUEUE_AGE_OLDEST,
  SD_FN_QUEUE_FIFO_ATTRIB, SD_FN_QUEUE_ATTRIB_AVERAGE, SD_FN_QUEUE_ATTRIB_QUANTITY, SD_FN_SHIFT_IF_TRUE, SD_FN_FIND_ZERO, SD_FN_NET_PRESENT_VALUE,
  SD_FN_DEPRECIATE_BY_SCHEDULE, SD_FN_XMILE_CONVEYOR,
  SD_FN__COUNT
} sd_fn;

typedef struct sd_builtin {
  const char *name;    /* canonical (lower case, single spaces) */
  sd_fn fn;
  sd_bkind kind;
  int min_args, max_args;
  int opcode;          /* SD_B_OP / SD_B_TIMEFN: the instruction */
} sd_builtin;

/* Why a Vensim or XMILE function cannot be run (it needs Vensim's user
 * interface or a live external program, or it only describes structure),
 * for a canonical name; NULL for every other name.  docs/language.md has
 * the same list. */
const char *sd_refused_reason(const char *canon);

/* The entry for a canonical name, or NULL. */
const sd_builtin *sd_builtin_find(const char *canon);
const sd_builtin *sd_builtin_get(sd_fn fn);

#endif
