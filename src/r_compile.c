/*
 * r_compile.c -- from the R model description to a compiled program behind
 * an external pointer.
 *
 * spec is the list made by R's sdvm:::model_spec(): parallel vectors
 * name, kind (sd_kind codes), eqn, init (stocks) and lists lookup_x,
 * lookup_y, plus method.
 */
#include <stdlib.h>
#include <string.h>
#include "r_sdvm.h"

static void holder_finalize(SEXP ptr) {
  sdvm_holder *h = R_ExternalPtrAddr(ptr);
  if (!h) return;
  sd_model_free(h->model);
  sd_program_free(h->program);
  free(h);
  R_ClearExternalPtr(ptr);
}

sd_program *sdvm_program(SEXP ptr) {
  sdvm_holder *h;
  if (TYPEOF(ptr) != EXTPTRSXP) return NULL;
  h = R_ExternalPtrAddr(ptr);
  return h ? h->program : NULL;
}

SEXP sdvm_error_list(const sd_error *err) {
  const char *names[] = { "code", "message", "variable", "file", "line", "column", "" };
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, Rf_ScalarInteger((int)err->code));
  SET_VECTOR_ELT(out, 1, Rf_mkString(err->msg));
  SET_VECTOR_ELT(out, 2, Rf_ScalarString(Rf_mkCharCE(err->var, CE_UTF8)));
  SET_VECTOR_ELT(out, 3, Rf_mkString(err->file));
  SET_VECTOR_ELT(out, 4, Rf_ScalarInteger(err->line));
  SET_VECTOR_ELT(out, 5, Rf_ScalarInteger(err->col));
  UNPROTECT(1);
  return out;
}

SEXP sdvm_named(SEXP list, const char *name, const char *what) {
  SEXP names = Rf_getAttrib(list, R_NamesSymbol);
  R_xlen_t i;
  for (i = 0; names != R_NilValue && i < Rf_xlength(list); i++)
    if (strcmp(CHAR(STRING_ELT(names, i)), name) == 0) return VECTOR_ELT(list, i);
  if (what) Rf_error("internal error: %s has no '%s'", what, name);
  return R_NilValue;
}

/* A field of the model spec: required, or (field_opt) optional. */
static SEXP field(SEXP list, const char *name) { return sdvm_named(list, name, "the model spec"); }
static SEXP field_opt(SEXP list, const char *name) { return sdvm_named(list, name, NULL); }

/* The strings of a character vector, in R-owned memory. */
static const char **strings(SEXP x, int *n) {
  int k;
  const char **out;
  *n = (int)Rf_xlength(x);
  out = (const char **)R_alloc((size_t)(*n ? *n : 1), sizeof(char *));
  for (k = 0; k < *n; k++) out[k] = Rf_translateCharUTF8(STRING_ELT(x, k));
  return out;
}

/* Add the ranges and variables a spec describes to model m (the model,
 * or a macro's body).  Returns 0 or -1 with err filled. */
static int add_spec(sd_model *m, SEXP spec, sd_error *err) {
  SEXP name = field(spec, "name"), kind = field(spec, "kind"), eqn = field(spec, "eqn"),
       init = field(spec, "init"), lx = field(spec, "lookup_x"), ly = field(spec, "lookup_y"),
       line = field(spec, "line"), col = field(spec, "col"), iline = field(spec, "init_line"),
       icol = field(spec, "init_col"), file = field(spec, "file"), subs = field(spec, "subs"),
       vals = field(spec, "vals"), dims = field(spec, "dims"), except = field(spec, "except"),
       macros = field(spec, "macros"), dmode = field(spec, "data_mode");
  R_xlen_t i, n = Rf_xlength(name), d;
  int rc = 0;

  /* subscript ranges first: list(name = elements) */
  {
    SEXP dn = Rf_getAttrib(dims, R_NamesSymbol);
    for (d = 0; d < Rf_xlength(dims) && rc == 0; d++) {
      int ne;
      const char **el = strings(VECTOR_ELT(dims, d), &ne);
      rc = sd_model_add_dim(m, Rf_translateCharUTF8(STRING_ELT(dn, d)), el, ne, err);
    }
  }
  /* mappings: list(list(from, to, elems)) */
  {
    SEXP maps = field(spec, "maps");
    for (d = 0; d < Rf_xlength(maps) && rc == 0; d++) {
      SEXP mp = VECTOR_ELT(maps, d);
      int ne;
      const char **el = strings(field(mp, "elems"), &ne);
      rc = sd_model_add_dim_map(m, Rf_translateCharUTF8(STRING_ELT(field(mp, "from"), 0)),
                                Rf_translateCharUTF8(STRING_ELT(field(mp, "to"), 0)),
                                ne ? el : NULL, ne, err);
    }
  }
  /* macros: list(list(name, params, outputs, spec)) */
  for (d = 0; d < Rf_xlength(macros) && rc == 0; d++) {
    SEXP mac = VECTOR_ELT(macros, d);
    int np, no;
    const char **params = strings(field(mac, "params"), &np);
    const char **outs = strings(field(mac, "outputs"), &no);
    sd_model *body = sd_model_add_macro(m, Rf_translateCharUTF8(STRING_ELT(field(mac, "name"), 0)),
                                        params, np, outs, no, err);
    rc = body ? add_spec(body, field(mac, "spec"), err) : -1;
  }

  for (i = 0; i < n && rc == 0; i++) {
    const char *nm = Rf_translateCharUTF8(STRING_ELT(name, i));
    sd_kind k = (sd_kind)INTEGER(kind)[i];
    /* where the equation text came from, when read from a file */
    sd_srcpos pos, ipos;
    const sd_srcpos *pp = NULL, *ipp = NULL;
    SEXP vl = VECTOR_ELT(vals, i);
    int ns;
    const char **sv = strings(VECTOR_ELT(subs, i), &ns);
    if (INTEGER(line)[i] > 0) {
      pos.file = Rf_translateCharUTF8(STRING_ELT(file, 0));
      pos.line = INTEGER(line)[i];
      pos.col = INTEGER(col)[i];
      pp = &pos;
    }
    if (INTEGER(iline)[i] > 0) {
      ipos.file = Rf_translateCharUTF8(STRING_ELT(file, 0));
      ipos.line = INTEGER(iline)[i];
      ipos.col = INTEGER(icol)[i];
      ipp = &ipos;
    }
    if (INTEGER(dmode)[i] > 0) {           /* a data series (mode + 1) */
      SEXP x = VECTOR_ELT(lx, i), y = VECTOR_ELT(ly, i);
      rc = sd_model_add_data(m, nm, sv, ns, REAL(x), REAL(y), (int)Rf_xlength(x),
                             (sd_data_mode)(INTEGER(dmode)[i] - 1), pp, err);
    } else if (ns > 0 && k == SD_LOOKUP) {
      SEXP x = VECTOR_ELT(lx, i), y = VECTOR_ELT(ly, i);
      rc = sd_model_add_arrayed_lookup(m, nm, sv, ns, REAL(x), REAL(y), (int)Rf_xlength(x), err);
    } else if (ns > 0 && Rf_xlength(vl) > 0) {
      rc = sd_model_add_arrayed_values(m, nm, sv, ns, REAL(vl), (int)Rf_xlength(vl), pp, err);
    } else if (ns > 0 && k == SD_STOCK) {
      rc = sd_model_add_arrayed_stock(m, nm, sv, ns, Rf_translateCharUTF8(STRING_ELT(eqn, i)), pp,
                                      Rf_translateCharUTF8(STRING_ELT(init, i)), ipp, err);
    } else if (ns > 0) {
      rc = sd_model_add_arrayed(m, nm, k, sv, ns, Rf_translateCharUTF8(STRING_ELT(eqn, i)), pp, err);
    } else if (k == SD_STOCK) {
      rc = sd_model_add_stock_at(m, nm, Rf_translateCharUTF8(STRING_ELT(eqn, i)), pp,
                                 Rf_translateCharUTF8(STRING_ELT(init, i)), ipp, err);
    } else if (k == SD_LOOKUP) {
      SEXP x = VECTOR_ELT(lx, i), y = VECTOR_ELT(ly, i);
      rc = sd_model_add_lookup(m, nm, REAL(x), REAL(y), (int)Rf_xlength(x), err);
    } else {
      rc = sd_model_add(m, nm, k, Rf_translateCharUTF8(STRING_ELT(eqn, i)), pp, err);
    }
    if (rc == 0 && ns > 0) {               /* :EXCEPT: lists of this definition */
      SEXP ex = VECTOR_ELT(except, i);
      R_xlen_t x;
      for (x = 0; x < Rf_xlength(ex) && rc == 0; x++) {
        int ne;
        const char **ev = strings(VECTOR_ELT(ex, x), &ne);
        rc = sd_model_add_except(m, nm, ev, ne, err);
      }
    }
  }
  return rc;
}

SEXP C_sdvm_compile(SEXP spec) {
  SEXP ptr;
  sdvm_holder *h;
  sd_error err;
  int rc;

  /* the pointer first: from here on the finalizer owns the engine memory */
  ptr = PROTECT(R_MakeExternalPtr(NULL, Rf_install("sdvm_program"), R_NilValue));
  R_RegisterCFinalizerEx(ptr, holder_finalize, TRUE);
  h = calloc(1, sizeof *h);
  if (!h) Rf_error("out of memory");
  R_SetExternalPtrAddr(ptr, h);
  h->model = sd_model_new();
  if (!h->model) Rf_error("out of memory");
  sd_model_set_method(h->model, (sd_method)Rf_asInteger(field(spec, "method")));
  /* optional: the bytecode rewrites' level (tests compare the levels) */
  if (field_opt(spec, "rewrite") != R_NilValue) sd_model_set_rewrite(h->model, Rf_asInteger(field_opt(spec, "rewrite")));

  rc = add_spec(h->model, spec, &err);
  if (rc == 0) {
    h->program = sd_compile(h->model, &err);
    if (!h->program) rc = -1;
  }
  /* the model is not needed once compiled (or once it has failed) */
  sd_model_free(h->model);
  h->model = NULL;
  UNPROTECT(1);
  if (rc != 0) return sdvm_error_list(&err);
  return ptr;
}

/* NULL if the program can run in lanes (sd_run_lanes), else why not. */
SEXP C_sdvm_lanes_refusal(SEXP ptr) {
  const sd_program *p = sdvm_program(ptr);
  const char *why;
  if (!p) Rf_error("the compiled model is no longer valid");
  why = sd_lanes_refusal(p);
  return why ? Rf_mkString(why) : R_NilValue;
}

SEXP C_sdvm_lanes_width(void) { return Rf_ScalarInteger(sd_lanes_width()); }

SEXP C_sdvm_ptr_valid(SEXP ptr) {
  return Rf_ScalarLogical(sdvm_program(ptr) != NULL);
}

SEXP C_sdvm_program_vars(SEXP ptr) {
  const sd_program *p = sdvm_program(ptr);
  const char *names[] = { "name", "kind", "" };
  SEXP out, nm, kd;
  int i, n;
  if (!p) Rf_error("the compiled model is no longer valid");
  n = sd_program_nvars(p);
  out = PROTECT(Rf_mkNamed(VECSXP, names));
  nm = Rf_allocVector(STRSXP, n);
  SET_VECTOR_ELT(out, 0, nm);
  kd = Rf_allocVector(INTSXP, n);
  SET_VECTOR_ELT(out, 1, kd);
  for (i = 0; i < n; i++) {
    SET_STRING_ELT(nm, i, Rf_mkCharCE(sd_program_var_name(p, i), CE_UTF8));
    INTEGER(kd)[i] = (int)sd_program_var_kind(p, i);
  }
  UNPROTECT(1);
  return out;
}

SEXP C_sdvm_program_stats(SEXP ptr) {
  const sd_program *p = sdvm_program(ptr);
  const char *names[] = { "slots", "stocks", "init_instructions", "step_instructions", "optimizer_work", "" };
  sd_program_stats st;
  SEXP out;
  if (!p) Rf_error("the compiled model is no longer valid");
  sd_program_get_stats(p, &st);
  out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, Rf_ScalarInteger(st.n_slots));
  SET_VECTOR_ELT(out, 1, Rf_ScalarInteger(st.n_stocks));
  SET_VECTOR_ELT(out, 2, Rf_ScalarInteger(st.n_init_instr));
  SET_VECTOR_ELT(out, 3, Rf_ScalarInteger(st.n_step_instr));
  SET_VECTOR_ELT(out, 4, Rf_ScalarReal(st.n_vec_work));
  UNPROTECT(1);
  return out;
}

SEXP C_sdvm_disasm(SEXP ptr) {
  const sd_program *p = sdvm_program(ptr);
  size_t need;
  char *buf;
  if (!p) Rf_error("the compiled model is no longer valid");
  need = sd_program_disasm(p, NULL, 0);
  buf = R_alloc(need + 1, 1);     /* R-owned: nothing to free on error */
  sd_program_disasm(p, buf, need + 1);
  return Rf_mkString(buf);
}

SEXP C_sdvm_engine_info(void) {
  const char *names[] = { "dispatch", "have_computed_goto", "opcodes", "version", "" };
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, Rf_mkString(sd_dispatch_name(sd_default_dispatch())));
  SET_VECTOR_ELT(out, 1, Rf_ScalarLogical(sd_have_computed_goto()));
  SET_VECTOR_ELT(out, 2, Rf_ScalarInteger(sd_n_opcodes()));
  SET_VECTOR_ELT(out, 3, Rf_mkString(SD_ENGINE_VERSION));
  UNPROTECT(1);
  return out;
}

/* ---- structure: the links of a model (sd_links.c) ----------------------- */

/* What a links external pointer owns: the model being read and the
 * engine's array of links, freed by the finalizer even if R longjmps. */
typedef struct links_holder {
  sd_model *model;
  sd_link *links;
  sd_flat_node *nodes;
  sd_flat_root *roots;
  sd_elements elements;
} links_holder;

static void links_finalize(SEXP ptr) {
  links_holder *h = R_ExternalPtrAddr(ptr);
  if (!h) return;
  sd_model_free(h->model);
  free(h->links);
  free(h->nodes);
  free(h->roots);
  sd_elements_free(&h->elements);
  free(h);
  R_ClearExternalPtr(ptr);
}

/* A links holder with an empty model, behind an external pointer (not
 * protected) whose finalizer frees whatever is attached later. */
static SEXP links_holder_new(links_holder **out) {
  SEXP ptr = PROTECT(R_MakeExternalPtr(NULL, Rf_install("sdvm_links"), R_NilValue));
  links_holder *h;
  R_RegisterCFinalizerEx(ptr, links_finalize, TRUE);
  h = calloc(1, sizeof *h);
  if (!h) Rf_error("out of memory");
  R_SetExternalPtrAddr(ptr, h);
  h->model = sd_model_new();
  if (!h->model) Rf_error("out of memory");
  *out = h;
  UNPROTECT(1);
  return ptr;
}

/* list(vars = list(name, kind, arrayed), links = list(from, to, def,
 * field, init, sign, line, col, file_line, file_col, len, via), nodes =
 * every equation tree in prefix order (sd_model_flatten), roots = where
 * each equation's tree starts), indices
 * 1-based (from 0: Time); or an error list.  Nothing is compiled: a
 * model that cannot run (A FUNCTION OF) still has its links. */
SEXP C_sdvm_links(SEXP spec, SEXP assume_positive) {
  const char *vnames[] = { "name", "kind", "arrayed", "" };
  const char *lnames[] = { "from", "to", "def", "field", "init", "sign", "line", "col",
                           "file_line", "file_col", "len", "via", "" };
  const char *nnames[] = { "kind", "op", "nargs", "num", "name", "line", "col", "" };
  const char *rnames[] = { "var", "def", "field", "first", "file_line", "" };
  const char *onames[] = { "vars", "links", "nodes", "roots", "" };
  SEXP ptr, out, vars, links, col, nodes, roots;
  links_holder *h;
  sd_error err;
  int i, nl = 0, nv, k, nn = 0, nr = 0;

  ptr = PROTECT(links_holder_new(&h));
  if (add_spec(h->model, spec, &err) != 0 ||
      sd_model_links(h->model, Rf_asLogical(assume_positive) == 1, &h->links, &nl, &err) != 0 ||
      sd_model_flatten(h->model, &h->nodes, &nn, &h->roots, &nr, &err) != 0) {
    UNPROTECT(1);
    return sdvm_error_list(&err);
  }
  nv = sd_model_nvars(h->model);
  out = PROTECT(Rf_mkNamed(VECSXP, onames));
  vars = Rf_mkNamed(VECSXP, vnames);
  SET_VECTOR_ELT(out, 0, vars);
  SET_VECTOR_ELT(vars, 0, Rf_allocVector(STRSXP, nv));
  SET_VECTOR_ELT(vars, 1, Rf_allocVector(INTSXP, nv));
  SET_VECTOR_ELT(vars, 2, Rf_allocVector(LGLSXP, nv));
  for (i = 0; i < nv; i++) {
    SET_STRING_ELT(VECTOR_ELT(vars, 0), i, Rf_mkCharCE(sd_model_var_text(h->model, i), CE_UTF8));
    INTEGER(VECTOR_ELT(vars, 1))[i] = (int)sd_model_var_kind(h->model, i);
    LOGICAL(VECTOR_ELT(vars, 2))[i] = sd_model_var_arrayed(h->model, i);
  }
  links = Rf_mkNamed(VECSXP, lnames);
  SET_VECTOR_ELT(out, 1, links);
  for (k = 0; k < 11; k++) SET_VECTOR_ELT(links, k, Rf_allocVector(INTSXP, nl));
  col = Rf_allocVector(STRSXP, nl);
  SET_VECTOR_ELT(links, 11, col);
  for (i = 0; i < nl; i++) {
    const sd_link *l = &h->links[i];
    int v[11];
    v[0] = l->from + 1; v[1] = l->to + 1; v[2] = l->def + 1; v[3] = l->field; v[4] = l->init;
    v[5] = l->sign; v[6] = l->line; v[7] = l->col; v[8] = l->file_line; v[9] = l->file_col;
    v[10] = l->len;
    for (k = 0; k < 11; k++) INTEGER(VECTOR_ELT(links, k))[i] = v[k];
    SET_STRING_ELT(col, i, l->via ? Rf_mkChar(l->via) : NA_STRING);
  }
  nodes = Rf_mkNamed(VECSXP, nnames);
  SET_VECTOR_ELT(out, 2, nodes);
  for (k = 0; k < 7; k++)
    SET_VECTOR_ELT(nodes, k, Rf_allocVector(k == 3 ? REALSXP : k == 4 ? STRSXP : INTSXP, nn));
  for (i = 0; i < nn; i++) {
    const sd_flat_node *x = &h->nodes[i];
    INTEGER(VECTOR_ELT(nodes, 0))[i] = x->kind;
    INTEGER(VECTOR_ELT(nodes, 1))[i] = x->op;
    INTEGER(VECTOR_ELT(nodes, 2))[i] = x->nargs;
    REAL(VECTOR_ELT(nodes, 3))[i] = x->num;
    SET_STRING_ELT(VECTOR_ELT(nodes, 4), i, x->name ? Rf_mkCharCE(x->name, CE_UTF8) : NA_STRING);
    INTEGER(VECTOR_ELT(nodes, 5))[i] = x->line;
    INTEGER(VECTOR_ELT(nodes, 6))[i] = x->col;
  }
  roots = Rf_mkNamed(VECSXP, rnames);
  SET_VECTOR_ELT(out, 3, roots);
  for (k = 0; k < 5; k++) SET_VECTOR_ELT(roots, k, Rf_allocVector(INTSXP, nr));
  for (i = 0; i < nr; i++) {
    const sd_flat_root *x = &h->roots[i];
    INTEGER(VECTOR_ELT(roots, 0))[i] = x->var + 1;
    INTEGER(VECTOR_ELT(roots, 1))[i] = x->def + 1;
    INTEGER(VECTOR_ELT(roots, 2))[i] = x->field;
    INTEGER(VECTOR_ELT(roots, 3))[i] = x->first + 1;
    INTEGER(VECTOR_ELT(roots, 4))[i] = x->file_line;
  }
  UNPROTECT(2);
  return out;
}

/* The element graph (sd_model_elements): list(var = the model variable
 * of each element, 1-based, 0 for Time; from, to = edges, 1-based;
 * hidden), or an error list. */
SEXP C_sdvm_elements(SEXP spec) {
  const char *names[] = { "var", "from", "to", "hidden", "" };
  SEXP ptr, out, v;
  links_holder *h;
  sd_error err;
  int i;
  ptr = PROTECT(links_holder_new(&h));
  if (add_spec(h->model, spec, &err) != 0 || sd_model_elements(h->model, &h->elements, &err) != 0) {
    UNPROTECT(1);
    return sdvm_error_list(&err);
  }
  out = PROTECT(Rf_mkNamed(VECSXP, names));
  v = Rf_allocVector(INTSXP, h->elements.n);
  SET_VECTOR_ELT(out, 0, v);
  for (i = 0; i < h->elements.n; i++) INTEGER(v)[i] = h->elements.var[i] + 1;
  v = Rf_allocVector(INTSXP, h->elements.nedges);
  SET_VECTOR_ELT(out, 1, v);
  for (i = 0; i < h->elements.nedges; i++) INTEGER(v)[i] = h->elements.from[i] + 1;
  v = Rf_allocVector(INTSXP, h->elements.nedges);
  SET_VECTOR_ELT(out, 2, v);
  for (i = 0; i < h->elements.nedges; i++) INTEGER(v)[i] = h->elements.to[i] + 1;
  v = Rf_allocVector(LGLSXP, h->elements.n);
  SET_VECTOR_ELT(out, 3, v);
  for (i = 0; i < h->elements.n; i++) LOGICAL(v)[i] = h->elements.hidden[i];
  UNPROTECT(2);
  return out;
}
