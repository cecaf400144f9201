/*
 * sd_opcodes.h -- the instruction set, defined once.
 *
 * Every opcode is listed here exactly once, as X(NAME, operands).  The
 * enum, the mnemonic table, the computed-goto jump table and the
 * disassembler are all generated from this list, and each handler is
 * written once in sd_vm_body.h; the dispatch macros turn a handler into a
 * goto target or a switch case (the pattern of Lua's lopcodes.h/ljumptab.h).
 *
 * The machine is register-based: operands are indices into the value array
 * v[] (variables, hidden state, temporaries and the constant pool all live
 * there), so a leaf never costs an instruction.  An instruction is
 * {op, d, a, b}: d is the destination, a and b the sources.  Opcodes that
 * need a third source read it from the following word (an EXT word that is
 * never dispatched): those are marked "+c".
 */
#ifndef SD_OPCODES_H
#define SD_OPCODES_H

#include <stdint.h>

/* operand shapes, for the disassembler */
#define SD_F_DA    1   /* d a          */
#define SD_F_DAB   2   /* d a b        */
#define SD_F_DABC  3   /* d a b +c     */
#define SD_F_J     4   /* jump by a    */
#define SD_F_JC    5   /* if v[d]==0 jump by a */
#define SD_F_NONE  6
#define SD_F_LIST  7   /* d <- f(a operand slots listed 3 per EXT word after it), b immediate */
/* W<op>: <op> over n elements, each operand at its own stride (sd_blockvec.c).
 * Sources x1..x5, strides s: the op word is (d, x1, x2); EXT words follow:
 * (n, stride d, s1), (s2, x3, s3), [(x4, s4, x5), [(s5, 0, 0)]]. */
#define SD_F_W3    8   /* up to three sources: 3 words */
#define SD_F_W4    9   /* four sources: 4 words        */
#define SD_F_W5   10   /* five sources: 5 words        */

#define SD_OPCODES(X)                                                   \
  /* control */                                                         \
  X(HALT,    SD_F_NONE)  /* end of a program                        */ \
  X(EXT,     SD_F_NONE)  /* operand word of the previous op; never run */ \
  X(JMP,     SD_F_J)     /* pc += a                                 */ \
  X(JZ,      SD_F_JC)    /* if v[d] == 0: pc += a                   */ \
  X(CMOVJ,   SD_F_DABC)  /* if v[b] != 0: v[d] = v[a], pc += ext.d  */ \
  X(CMOVJZ,  SD_F_DABC)  /* if v[b] == 0: v[d] = v[a], pc += ext.d  */ \
  /* IF THEN ELSE(x cmp y, value, ...) in one: if v[b] cmp v[ext.a]:    \
     v[d] = v[a], pc += ext.d.  One opcode per comparison (and per      \
     negation, which differs from the opposite comparison on NaN), so   \
     that the comparison needs no second dispatch. */                   \
  X(CMOVJ_EQ, SD_F_DABC)                                                \
  X(CMOVJ_NE, SD_F_DABC)                                                \
  X(CMOVJ_LT, SD_F_DABC)                                                \
  X(CMOVJ_GT, SD_F_DABC)                                                \
  X(CMOVJ_LE, SD_F_DABC)                                                \
  X(CMOVJ_GE, SD_F_DABC)                                                \
  X(CMOVJ_NLT, SD_F_DABC) /* !(x < y)  */                               \
  X(CMOVJ_NGT, SD_F_DABC) /* !(x > y)  */                               \
  X(CMOVJ_NLE, SD_F_DABC) /* !(x <= y) */                               \
  X(CMOVJ_NGE, SD_F_DABC) /* !(x >= y) */                               \
  /* moves and arithmetic */                                            \
  X(MOV,     SD_F_DA)                                                   \
  X(ADD,     SD_F_DAB)                                                  \
  X(SUB,     SD_F_DAB)                                                  \
  X(MUL,     SD_F_DAB)                                                  \
  X(DIV,     SD_F_DAB)                                                  \
  X(POW,     SD_F_DAB)                                                  \
  X(NEG,     SD_F_DA)                                                   \
  /* superinstructions for the shapes stock-and-flow models are made of */ \
  X(SUBDIV,  SD_F_DABC)  /* (a - b) / c : SMOOTH, goal seeking      */ \
  X(MULADD,  SD_F_DABC)  /* a * b + c                               */ \
  X(MULMUL,  SD_F_DABC)  /* a * b * c                               */ \
  X(DIVMUL,  SD_F_DABC)  /* a / b * c                               */ \
  X(MULDIV,  SD_F_DABC)  /* a * b / c                               */ \
  X(SUBMUL,  SD_F_DABC)  /* (a - b) * c                             */ \
  X(ADDMUL,  SD_F_DABC)  /* (a + b) * c                             */ \
  X(DIVDIV,  SD_F_DABC)  /* a / b / c                               */ \
  /* array runs (sd_peephole.c): v[d+k] = v[a+k*ext.a] op v[b+k*ext.b], k < ext.d */ \
  X(VADD,    SD_F_DABC)                                                 \
  X(VSUB,    SD_F_DABC)                                                 \
  X(VMUL,    SD_F_DABC)                                                 \
  X(VDIV,    SD_F_DABC)                                                 \
  X(VZIDZ,   SD_F_DABC)                                                 \
  X(VLOOKUP, SD_F_DABC)  /* tables b + k*ext.b at v[a + k*ext.a]   */ \
  /* and with a third source c = pc[2].d striding by pc[2].a: */        \
  X(VMULDIV, SD_F_DABC)                                                 \
  X(VSUBDIV, SD_F_DABC)                                                 \
  X(VDIVMUL, SD_F_DABC)                                                 \
  /* comparison and logic (1 = true, 0 = false) */                      \
  X(EQ,      SD_F_DAB)                                                  \
  X(NE,      SD_F_DAB)                                                  \
  X(LT,      SD_F_DAB)                                                  \
  X(GT,      SD_F_DAB)                                                  \
  X(LE,      SD_F_DAB)                                                  \
  X(GE,      SD_F_DAB)                                                  \
  X(AND,     SD_F_DAB)                                                  \
  X(OR,      SD_F_DAB)                                                  \
  X(NOT,     SD_F_DA)                                                   \
  X(SELECT,  SD_F_DABC)  /* v[a] != 0 ? v[b] : v[c]                 */ \
  /* IF THEN ELSE(p :AND: q, x, y) with value arms, and its most common  \
     form in C-LEARN, p an equality (element-by-element target tests) */ \
  X(ANDSEL,  SD_F_DABC)  /* v[a] != 0 && v[b] != 0 ? v[ext.d] : v[ext.a] */ \
  X(EQANDSEL, SD_F_DABC) /* v[a] == v[b] && v[ext.d] != 0 ? v[ext.a] : v[ext.b] */ \
  /* math builtins */                                                   \
  X(ABS,     SD_F_DA)                                                   \
  X(EXP,     SD_F_DA)                                                   \
  X(LN,      SD_F_DA)                                                   \
  X(LOG10,   SD_F_DA)                                                   \
  X(LOGB,    SD_F_DAB)   /* LOG(x, base)                            */ \
  X(SQRT,    SD_F_DA)                                                   \
  X(SIN,     SD_F_DA)                                                   \
  X(COS,     SD_F_DA)                                                   \
  X(TAN,     SD_F_DA)                                                   \
  X(ASIN,    SD_F_DA)                                                   \
  X(ACOS,    SD_F_DA)                                                   \
  X(ATAN,    SD_F_DA)                                                   \
  X(SINH,    SD_F_DA)                                                   \
  X(COSH,    SD_F_DA)                                                   \
  X(TANH,    SD_F_DA)                                                   \
  X(INT,     SD_F_DA)    /* INTEGER: truncate toward zero           */ \
  X(MIN,     SD_F_DAB)                                                  \
  X(MAX,     SD_F_DAB)                                                  \
  X(MOD,     SD_F_DAB)   /* MODULO                                  */ \
  X(QUANTUM, SD_F_DAB)                                                  \
  X(ZIDZ,    SD_F_DAB)                                                  \
  X(XIDZ,    SD_F_DABC)                                                 \
  /* time-driven input functions (read the exogenous time slot) */      \
  X(STEP,    SD_F_DAB)   /* STEP(height a, start b)                 */ \
  X(PULSE,   SD_F_DAB)   /* PULSE(start a, width b)                 */ \
  X(PULSETR, SD_F_DABC)  /* PULSE TRAIN(start a, width b, +repeat, +end) */ \
  X(RAMP,    SD_F_DABC)  /* RAMP(slope a, start b, end c)           */ \
  /* lookups and initial values */                                      \
  X(LOOKUP,  SD_F_DAB)   /* table b at x = v[a]                     */ \
  X(OVR,     SD_F_DA)    /* stock init override a applies to v[d]   */ \
  X(SAMPLE,  SD_F_DABC)  /* SAMPLE IF TRUE: if v[a]: v[c] = v[b]; d = v[c] */ \
  X(ELMMAP,  SD_F_DABC)  /* VECTOR ELM MAP: d = v[b + k0 + round(v[a])], k0 = ext.d, n = ext.a */ \
  X(SORTORD, SD_F_DABC)  /* VECTOR SORT ORDER: d = index of the k-th (ext.d) of n (ext.a) values at b, order v[a] */ \
  X(RANK,    SD_F_DABC)  /* VECTOR RANK: d = rank (from 1) of value k (ext.d) among n (ext.a) at b, order v[a] */ \
  X(DELAYFX, SD_F_DA)    /* DELAY FIXED: d = the value leaving pipeline a */ \
  X(INVMAT,  SD_F_DABC)  /* INVERT MATRIX: d = element ext.d of the inverse of the ext.a x ext.a matrix at b */ \
  X(ALLOCP,  SD_F_LIST)  /* ALLOCATE BY PRIORITY: share of target b; n requests, n priorities, width, supply */ \
  X(ALLOCA,  SD_F_LIST)  /* ALLOCATE AVAILABLE: share of target b; n requests, 4 profile values each, supply */ \
  X(MKTPRC,  SD_F_LIST)  /* FIND MARKET PRICE: b demands, their profiles, then the supplies and theirs */ \
  X(ATPRICE, SD_F_LIST)  /* DEMAND (b 0) / SUPPLY (b 1) AT PRICE: q, ptype, ppriority, pwidth, price */ \
  X(SHIFTIF, SD_F_LIST)  /* SHIFT IF TRUE: cond, size, accum, inval, then the first of b stock values shifted */ \
  X(REDUCE,  SD_F_LIST)  /* SUM (b 0), PROD (1), VMIN (2), VMAX (3) of the a listed operands */ \
  X(VSELECT, SD_F_LIST)  /* VECTOR SELECT: (a - 2) / 2 selections, as many values, missing, action */ \
  X(RANDOM,  SD_F_LIST)  /* RANDOM UNIFORM (3 operands: min, max, seed) / NORMAL (5: min, max, mean, sd, seed); call site b */ \
  X(LOOKUPM, SD_F_DABC)  /* LOOKUP BACKWARD/FORWARD/EXTRAPOLATE/INVERT: table b at v[a], how = ext.d */ \
  X(LGAMMA,  SD_F_DA)    /* GAMMA LN: log of the gamma function       */ \
  X(NORMCDF, SD_F_DA)    /* the standard normal distribution function  */ \
  X(NORMINV, SD_F_DA)    /* its inverse (sd_norminv)                  */ \
  X(RANDX,   SD_F_LIST)  /* RANDOM BETA ... WEIBULL: distribution b % 16 (sd_random.h) at call site b / 16 */ \
  X(VECLKP,  SD_F_LIST)  /* VECTOR LOOKUP: x, xmin, xmax, mode, then the first of b values in consecutive slots */ \
  X(DSCOUT,  SD_F_LIST)  /* output of discrete delay b (DELAY INFORMATION, DELAY MATERIAL) from its record */ \
  X(TABFN,   SD_F_DABC)  /* function ext.d of table b at v[a] (and v[ext.a]): LOOKUP AREA, SLOPE, GET DATA ... (sd_tabfn) */ \
  /* element loops (sd_blockvec.c): the operation of the same name      \
     without W, over n elements, every operand at its own stride */     \
  X(WMOV,    SD_F_W3) X(WNEG,    SD_F_W3) X(WABS,    SD_F_W3)           \
  X(WEXP,    SD_F_W3) X(WLN,     SD_F_W3) X(WSQRT,   SD_F_W3)           \
  X(WINT,    SD_F_W3) X(WNOT,    SD_F_W3)                               \
  X(WADD,    SD_F_W3) X(WSUB,    SD_F_W3) X(WMUL,    SD_F_W3)           \
  X(WDIV,    SD_F_W3) X(WPOW,    SD_F_W3) X(WEQ,     SD_F_W3)           \
  X(WNE,     SD_F_W3) X(WLT,     SD_F_W3) X(WGT,     SD_F_W3)           \
  X(WLE,     SD_F_W3) X(WGE,     SD_F_W3) X(WAND,    SD_F_W3)           \
  X(WOR,     SD_F_W3) X(WMIN,    SD_F_W3) X(WMAX,    SD_F_W3)           \
  X(WMOD,    SD_F_W3) X(WZIDZ,   SD_F_W3)                               \
  X(WSUBDIV, SD_F_W3) X(WMULADD, SD_F_W3) X(WMULMUL, SD_F_W3)           \
  X(WDIVMUL, SD_F_W3) X(WMULDIV, SD_F_W3) X(WSUBMUL, SD_F_W3)           \
  X(WADDMUL, SD_F_W3) X(WDIVDIV, SD_F_W3) X(WSELECT, SD_F_W3)           \
  X(WXIDZ,   SD_F_W3)                                                   \
  X(WANDSEL, SD_F_W4) X(WEQANDSEL, SD_F_W5)                             \
  X(WSTEP,   SD_F_W3)                                                   \
  X(WLOOKUP, SD_F_W3)   /* x2 is the first table, s2 the table stride */ \
  X(WSAMPLE, SD_F_W3)   /* x3 is the state (read and written) */       \
  /* IF THEN ELSE with a value arm, the other arm computed for every      \
     element first (if-converted, sd_blockvec.c): x1 cond ? x2 : x3,     \
     and x1 cmp x2 ? x3 : x4 */                                          \
  X(WCS_NZ,  SD_F_W3) X(WCS_Z,   SD_F_W3)                               \
  X(WCS_EQ,  SD_F_W4) X(WCS_NE,  SD_F_W4) X(WCS_LT,  SD_F_W4)           \
  X(WCS_GT,  SD_F_W4) X(WCS_LE,  SD_F_W4) X(WCS_GE,  SD_F_W4)           \
  X(WCS_NLT, SD_F_W4) X(WCS_NGT, SD_F_W4) X(WCS_NLE, SD_F_W4)           \
  X(WCS_NGE, SD_F_W4)

typedef enum {
#define SD_X_ENUM(name, fmt) SDI_##name,
  SD_OPCODES(SD_X_ENUM)
#undef SD_X_ENUM
  SDI__COUNT
} sd_opcode;

/* One instruction: 16 bytes, operands are v[] indices (or jump offsets). */
typedef struct sd_ins {
  uint16_t op;
  uint16_t spare;
  int32_t d, a, b;
} sd_ins;

/* The move-and-jump instructions (their EXT word's d is the jump). */
#define SD_IS_CMOVJ(op) ((op) >= SDI_CMOVJ && (op) <= SDI_CMOVJ_NGE)

/* Words the instruction at `in` occupies: itself and its EXT words. */
int sd_ins_words(const sd_ins *in);

extern const char *const sd_opcode_names[SDI__COUNT];
extern const unsigned char sd_opcode_formats[SDI__COUNT];

#endif
