/*
 * sd_peephole.c -- rewriting finished bytecode: runs of one arithmetic
 * operation over elements of arrays become one looping instruction.
 *
 * The compiler emits an arrayed equation element by element, so a model
 * such as C-LEARN has runs like
 *     MUL v6958 <- v2716, v3625
 *     MUL v6959 <- v2719, v3626
 *     MUL v6960 <- v2722, v3627      ...
 * whose destinations are consecutive and whose sources move by a fixed
 * stride.  Such a run of n >= 3 becomes VMUL d, a, b with an EXT word
 * (n, stride of a, stride of b); the loop inside runs the same operations
 * in the same order, so the results are those of the run, and the dispatch
 * count drops from n to 1.  The words of the run after the EXT word stay
 * in place, never run: jump offsets need no fixing.  A run never crosses a
 * jump target.
 */
#include <stdlib.h>
#include <string.h>
#include "sd_program.h"

/* Words an instruction at `in` occupies (itself and its EXT words). */
static int ins_len(const sd_ins *in) {
  switch (sd_opcode_formats[in->op]) {
  case SD_F_DABC: return 2;
  case SD_F_LIST: return 1 + (in->a + 2) / 3;
  default: return 1;
  }
}

static int vector_op(int op) {
  switch (op) {
  case SDI_ADD: return SDI_VADD;
  case SDI_SUB: return SDI_VSUB;
  case SDI_MUL: return SDI_VMUL;
  case SDI_DIV: return SDI_VDIV;
  default: return -1;
  }
}

int sd_vectorize(sd_code *code) {
  sd_ins *ins = code->ins;
  int n = code->n, i, k;
  unsigned char *target = calloc((size_t)(n ? n : 1) + 1, 1), *start = calloc((size_t)(n ? n : 1), 1);
  if (!target || !start) { free(target); free(start); return -1; }
  /* instruction starts, and every place a jump lands */
  for (i = 0; i < n; i += ins_len(&ins[i])) {
    int to = -1;
    start[i] = 1;
    if (ins[i].op == SDI_JMP || ins[i].op == SDI_JZ) to = i + ins[i].a;
    else if (ins[i].op == SDI_CMOVJ || ins[i].op == SDI_CMOVJZ || ins[i].op == SDI_CMOVJC) to = i + ins[i + 1].d;
    if (to >= 0 && to <= n) target[to] = 1;
  }
  for (i = 0; i < n; i++) {
    int vop, len, sa, sb;
    if (!start[i] || (vop = vector_op(ins[i].op)) < 0) continue;
    if (i + 2 >= n || !start[i + 1] || ins[i + 1].op != ins[i].op || target[i + 1]) continue;
    sa = ins[i + 1].a - ins[i].a;
    sb = ins[i + 1].b - ins[i].b;
    if (ins[i + 1].d != ins[i].d + 1) continue;
    for (len = 2; i + len < n; len++) {
      const sd_ins *p = &ins[i + len - 1], *q = &ins[i + len];
      if (!start[i + len] || target[i + len] || q->op != ins[i].op || q->d != p->d + 1 ||
          q->a != p->a + sa || q->b != p->b + sb)
        break;
    }
    if (len < 3) continue;
    ins[i].op = (uint16_t)vop;
    ins[i + 1].op = SDI_EXT;
    ins[i + 1].d = len;
    ins[i + 1].a = sa;
    ins[i + 1].b = sb;
    for (k = 2; k < len; k++) ins[i + k].op = SDI_EXT;   /* never run */
    i += len - 1;
  }
  free(target);
  free(start);
  return 0;
}
