/* sd_program.c -- looking into a compiled program: its variables, sizes
 * and a disassembly. */
#include <stdio.h>
#include <string.h>
#include "sd_model_impl.h"
#include "sd_program.h"

int sd_program_nvars(const sd_program *p) { return p->nvis; }

const char *sd_program_var_name(const sd_program *p, int i) {
  return (i >= 0 && i < p->nvis) ? p->vis_text[i] : NULL;
}

sd_kind sd_program_var_kind(const sd_program *p, int i) {
  return (i >= 0 && i < p->nvis) ? p->vis_kind[i] : SD_AUX;
}

int sd_program_find(const sd_program *p, const char *name) {
  sd_arena a;
  int r = -1;
  char *canon;
  sd_arena_init(&a);
  canon = sd_canon_name(&a, name, strlen(name));
  if (canon) r = sd_strmap_get(&p->vis_index, canon);
  sd_arena_free(&a);
  return r;
}

void sd_program_get_stats(const sd_program *p, sd_program_stats *st) {
  st->n_slots = p->nslots;
  st->n_stocks = p->nstocks;
  st->n_init_instr = p->ctrl.n + p->init.n;
  st->n_step_instr = p->step.n;
  st->n_vec_work = p->vec_work;
}

static size_t disasm_code(const sd_code *code, const char *title, char *buf, size_t cap, size_t len) {
  int i;
#define OUT(...) do { int w_ = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0, __VA_ARGS__); \
                      if (w_ > 0) len += (size_t)w_; } while (0)
  OUT("%s (%d instructions)\n", title, code->n);
  for (i = 0; i < code->n; i++) {
    const sd_ins *in = &code->ins[i];
    switch (sd_opcode_formats[in->op]) {
    case SD_F_DA:   OUT("%5d  %-8s v%d <- v%d\n", i, sd_opcode_names[in->op], in->d, in->a); break;
    case SD_F_DAB:  OUT("%5d  %-8s v%d <- v%d, v%d\n", i, sd_opcode_names[in->op], in->d, in->a, in->b); break;
    case SD_F_DABC:
      if (in->op == SDI_EQANDSEL)
        OUT("%5d  %-8s v%d <- v%d, v%d, v%d, v%d, v%d\n", i, sd_opcode_names[in->op], in->d, in->a, in->b,
            in[1].d, in[1].a, in[1].b);
      else
        OUT("%5d  %-8s v%d <- v%d, v%d, v%d, v%d\n", i, sd_opcode_names[in->op], in->d, in->a, in->b,
            in[1].d, in[1].a);
      i++;
      break;
    case SD_F_J:    OUT("%5d  %-8s -> %d\n", i, sd_opcode_names[in->op], i + in->a); break;
    case SD_F_JC:   OUT("%5d  %-8s v%d -> %d\n", i, sd_opcode_names[in->op], in->d, i + in->a); break;
    case SD_F_LIST: {
      int k;
      OUT("%5d  %-8s v%d <- [%d]", i, sd_opcode_names[in->op], in->d, in->b);
      for (k = 0; k < in->a; k++) {
        const sd_ins *w = &in[1 + k / 3];
        OUT(" v%d", k % 3 == 0 ? w->d : k % 3 == 1 ? w->a : w->b);
      }
      OUT("\n");
      i += (in->a + 2) / 3;
      break;
    }
    case SD_F_W3: case SD_F_W4: case SD_F_W5: {
      /* d, then each source as slot+stride (a table index for WLOOKUP) */
      int nw = sd_opcode_formats[in->op] == SD_F_W3 ? 3 : sd_opcode_formats[in->op] == SD_F_W4 ? 4 : 5;
      OUT("%5d  %-8s x%d v%d+%d <- v%d+%d, %s%d+%d", i, sd_opcode_names[in->op], in[1].d, in->d, in[1].a,
          in->a, in[1].b, in->op == SDI_WLOOKUP ? "table " : "v", in->b, in[2].d);
      if (in[2].a || in[2].b) OUT(", v%d+%d", in[2].a, in[2].b);
      if (nw >= 4) OUT(", v%d+%d", in[3].d, in[3].a);
      if (nw == 5) OUT(", v%d+%d", in[3].b, in[4].d);
      OUT("\n");
      i += nw - 1;
      break;
    }
    default:        OUT("%5d  %s\n", i, sd_opcode_names[in->op]); break;
    }
  }
#undef OUT
  return len;
}

size_t sd_program_disasm(const sd_program *p, char *buf, size_t cap) {
  size_t len = 0;
  if (cap) buf[0] = '\0';
  len = disasm_code(&p->ctrl, "ctrl", buf, cap, len);
  len = disasm_code(&p->init, "init", buf, cap, len);
  len = disasm_code(&p->step, "step", buf, cap, len);
  return len;
}
