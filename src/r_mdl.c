/*
 * r_mdl.c -- .Call entry for the Vensim reader: the records of a .mdl file
 * as an R list of parallel vectors (R code builds the model object).
 */
#include <stdlib.h>
#include <string.h>
#include "r_sdvm.h"
#include "sd_mdl.h"

static void mdl_finalize(SEXP ptr) {
  sd_mdl *m = R_ExternalPtrAddr(ptr);
  if (m) sd_mdl_free(m);
  R_ClearExternalPtr(ptr);
}

static SEXP str_or_na(const char *s) {
  return s ? Rf_mkCharCE(s, CE_UTF8) : NA_STRING;
}

SEXP C_sdvm_read_mdl(SEXP text, SEXP file) {
  const char *names[] = { "name", "kind", "unchangeable", "eqn", "eqn_line", "eqn_col",
                          "init", "init_line", "init_col", "units", "doc", "x", "y", "line",
                          "subs", "vals", "is_dim", "except", "macro", "is_macro", "outs", "maps",
                          "data_mode", "" };
  const char *fname = Rf_translateCharUTF8(STRING_ELT(file, 0));
  SEXP holder, out, col[23];
  sd_error err;
  sd_mdl *m;
  int i, k;

  /* the holder owns the records until the R list is built */
  holder = PROTECT(R_MakeExternalPtr(NULL, R_NilValue, R_NilValue));
  R_RegisterCFinalizerEx(holder, mdl_finalize, TRUE);
  m = sd_mdl_read(Rf_translateCharUTF8(STRING_ELT(text, 0)), fname, &err);
  if (!m) { UNPROTECT(1); return sdvm_error_list(&err); }
  R_SetExternalPtrAddr(holder, m);

  out = PROTECT(Rf_mkNamed(VECSXP, names));
  for (k = 0; k < 23; k++) {
    SEXPTYPE t = (k == 0 || k == 3 || k == 6 || k == 9 || k == 10) ? STRSXP
               : (k == 11 || k == 12 || k == 14 || k == 15 || k == 17 || k == 20 || k == 21) ? VECSXP : INTSXP;
    col[k] = Rf_allocVector(t, m->n);
    SET_VECTOR_ELT(out, k, col[k]);
  }
  for (i = 0; i < m->n; i++) {
    const sd_mdl_rec *r = &m->recs[i];
    SEXP x = Rf_allocVector(REALSXP, r->npts), y;
    SET_VECTOR_ELT(col[11], i, x);
    y = Rf_allocVector(REALSXP, r->npts);
    SET_VECTOR_ELT(col[12], i, y);
    for (k = 0; k < r->npts; k++) { REAL(x)[k] = r->x[k]; REAL(y)[k] = r->y[k]; }
    SET_STRING_ELT(col[0], i, str_or_na(r->name));
    INTEGER(col[1])[i] = (int)r->kind;
    INTEGER(col[2])[i] = r->unchangeable;
    SET_STRING_ELT(col[3], i, str_or_na(r->eqn));
    INTEGER(col[4])[i] = r->eqn_line;
    INTEGER(col[5])[i] = r->eqn_col;
    SET_STRING_ELT(col[6], i, str_or_na(r->init));
    INTEGER(col[7])[i] = r->init_line;
    INTEGER(col[8])[i] = r->init_col;
    SET_STRING_ELT(col[9], i, str_or_na(r->units));
    SET_STRING_ELT(col[10], i, str_or_na(r->doc));
    INTEGER(col[13])[i] = r->line;
    {
      SEXP subs = Rf_allocVector(STRSXP, r->nsubs), vals;
      SET_VECTOR_ELT(col[14], i, subs);
      for (k = 0; k < r->nsubs; k++) SET_STRING_ELT(subs, k, str_or_na(r->subs[k]));
      vals = Rf_allocVector(REALSXP, r->nvals);
      SET_VECTOR_ELT(col[15], i, vals);
      for (k = 0; k < r->nvals; k++) REAL(vals)[k] = r->vals[k];
    }
    INTEGER(col[16])[i] = r->is_dim;
    INTEGER(col[22])[i] = r->data_mode;
    INTEGER(col[18])[i] = r->macro;
    INTEGER(col[19])[i] = r->is_macro;
    {
      SEXP outs = Rf_allocVector(STRSXP, r->nouts);
      SET_VECTOR_ELT(col[20], i, outs);
      for (k = 0; k < r->nouts; k++) SET_STRING_ELT(outs, k, str_or_na(r->outs[k]));
    }
    {
      /* mappings: list(list(to, elems)) */
      SEXP maps = Rf_allocVector(VECSXP, r->nmaps);
      int x;
      SET_VECTOR_ELT(col[21], i, maps);
      for (x = 0; x < r->nmaps; x++) {
        const char *mn[] = { "to", "elems", "" };
        SEXP one = Rf_mkNamed(VECSXP, mn), el;
        SET_VECTOR_ELT(maps, x, one);
        SET_VECTOR_ELT(one, 0, Rf_ScalarString(str_or_na(r->map_to[x])));
        el = Rf_allocVector(STRSXP, r->map_n[x]);
        SET_VECTOR_ELT(one, 1, el);
        for (k = 0; k < r->map_n[x]; k++) SET_STRING_ELT(el, k, str_or_na(r->map_elems[x][k]));
      }
    }
    {
      SEXP exc = Rf_allocVector(VECSXP, r->nexc);
      int x;
      SET_VECTOR_ELT(col[17], i, exc);
      for (x = 0; x < r->nexc; x++) {
        SEXP one = Rf_allocVector(STRSXP, r->nsubs);
        SET_VECTOR_ELT(exc, x, one);
        for (k = 0; k < r->nsubs; k++) SET_STRING_ELT(one, k, str_or_na(r->exc[x][k]));
      }
    }
  }
  sd_mdl_free(m);
  R_SetExternalPtrAddr(holder, NULL);
  UNPROTECT(2);
  return out;
}

/* Canonical names (sd_canon_name) of a character vector: the R layer
 * matches names exactly as the engine does, UTF-8 case folding included. */
SEXP C_sdvm_canon_names(SEXP x) {
  R_xlen_t i, n = XLENGTH(x);
  SEXP out = PROTECT(Rf_allocVector(STRSXP, n));
  for (i = 0; i < n; i++) {
    const void *vmax = vmaxget();
    const char *s;
    char *buf;
    size_t len;
    if (STRING_ELT(x, i) == NA_STRING) { SET_STRING_ELT(out, i, NA_STRING); continue; }
    s = Rf_translateCharUTF8(STRING_ELT(x, i));
    len = strlen(s);
    buf = R_alloc(len + 1, 1);            /* R's memory: nothing leaks on an R error */
    sd_canon_into(buf, s, len);
    SET_STRING_ELT(out, i, Rf_mkCharCE(buf, CE_UTF8));
    vmaxset(vmax);
  }
  UNPROTECT(1);
  return out;
}

static SEXP rec_col(SEXP recs, const char *name) { return sdvm_named(recs, name, "the records"); }

/* A named list of n fields (names, values as given). */
static SEXP named_list(int n, const char **names, SEXP *vals) {
  SEXP out = PROTECT(Rf_allocVector(VECSXP, n)), nm = PROTECT(Rf_allocVector(STRSXP, n));
  int k;
  for (k = 0; k < n; k++) {
    SET_VECTOR_ELT(out, k, vals[k]);
    SET_STRING_ELT(nm, k, Rf_mkChar(names[k]));
  }
  Rf_setAttrib(out, R_NamesSymbol, nm);
  UNPROTECT(2);
  return out;
}

static SEXP int_pair(int a, int b) {
  SEXP x = Rf_allocVector(INTSXP, 2);
  INTEGER(x)[0] = a;
  INTEGER(x)[1] = b;
  return x;
}

/* The model variables of records idx (0-based), as mdl_var() in R/read.R
 * describes them, built here in one pass: per-variable R code was most
 * of the time to read a model of a million variables.  data_modes: the
 * names of the data modes, by data_mode - 1. */
SEXP C_sdvm_mdl_vars(SEXP recs, SEXP idx, SEXP data_modes) {
  SEXP name = rec_col(recs, "name"), kind = rec_col(recs, "kind"), eqn = rec_col(recs, "eqn"),
       eline = rec_col(recs, "eqn_line"), ecol = rec_col(recs, "eqn_col"), init = rec_col(recs, "init"),
       iline = rec_col(recs, "init_line"), icol = rec_col(recs, "init_col"), units = rec_col(recs, "units"),
       doc = rec_col(recs, "doc"), x = rec_col(recs, "x"), y = rec_col(recs, "y"), line = rec_col(recs, "line"),
       subs = rec_col(recs, "subs"), vals = rec_col(recs, "vals"), except = rec_col(recs, "except"),
       dmode = rec_col(recs, "data_mode"), number = rec_col(recs, "number");
  const R_xlen_t n = Rf_xlength(idx);
  SEXP out = PROTECT(Rf_allocVector(VECSXP, n));
  R_xlen_t j;
  for (j = 0; j < n; j++) {
    const int i = INTEGER(idx)[j], dm = INTEGER(dmode)[i], kd = INTEGER(kind)[i];
    const char *nm[14];
    SEXP val[14], v;
    int f = 0;
    SEXP e = STRING_ELT(eqn, i);
    PROTECT(val[0] = Rf_ScalarString(STRING_ELT(name, i)));
    nm[f++] = "name";
#define PUT(key, value) do { nm[f] = (key); val[f] = (value); PROTECT(val[f]); f++; } while (0)
    if (dm > 0 && e != NA_STRING && CHAR(e)[0] == '\0') {
      /* no equation: values from data files at run time */
      PUT("kind", Rf_mkString("data"));
      PUT("x", Rf_allocVector(REALSXP, 0));
      PUT("y", Rf_allocVector(REALSXP, 0));
      PUT("mode", Rf_ScalarString(STRING_ELT(data_modes, dm - 1)));
      PUT("source", int_pair(INTEGER(eline)[i], INTEGER(ecol)[i]));
    } else if (Rf_xlength(VECTOR_ELT(vals, i)) > 0) {
      PUT("kind", Rf_mkString("const"));
      PUT("vals", VECTOR_ELT(vals, i));
      PUT("source", int_pair(INTEGER(eline)[i], INTEGER(ecol)[i]));
    } else if (kd == 2) {
      PUT("kind", Rf_mkString("stock"));
      PUT("init", Rf_ScalarString(STRING_ELT(init, i)));
      PUT("inflows", Rf_allocVector(STRSXP, 0));
      PUT("outflows", Rf_allocVector(STRSXP, 0));
      PUT("rate", Rf_ScalarString(e));
      PUT("source", int_pair(INTEGER(eline)[i], INTEGER(ecol)[i]));
      PUT("init_source", int_pair(INTEGER(iline)[i], INTEGER(icol)[i]));
    } else if (kd == 4) {
      PUT("kind", Rf_mkString("lookup"));
      PUT("x", VECTOR_ELT(x, i));
      PUT("y", VECTOR_ELT(y, i));
      PUT("source", int_pair(INTEGER(line)[i], 1));
    } else {
      PUT("kind", Rf_mkString(LOGICAL(number)[i] == 1 ? "const" : "aux"));
      PUT("eqn", Rf_ScalarString(e));
      PUT("source", int_pair(INTEGER(eline)[i], INTEGER(ecol)[i]));
    }
    if (Rf_xlength(VECTOR_ELT(subs, i)) > 0) PUT("subs", VECTOR_ELT(subs, i));
    /* a data equation with an expression (x := expr): its mode, for the
       data functions that make a new series (derive_data()) */
    if (dm > 0 && strcmp(CHAR(STRING_ELT(val[1], 0)), "aux") == 0)
      PUT("data_mode", Rf_ScalarString(STRING_ELT(data_modes, dm - 1)));
    if (Rf_xlength(VECTOR_ELT(except, i)) > 0) PUT("except", VECTOR_ELT(except, i));
    /* (nzchar(NA) is TRUE in R: an NA field is kept, as mdl_var() keeps it) */
    if (STRING_ELT(units, i) == NA_STRING || CHAR(STRING_ELT(units, i))[0]) PUT("units", Rf_ScalarString(STRING_ELT(units, i)));
    if (STRING_ELT(doc, i) == NA_STRING || CHAR(STRING_ELT(doc, i))[0]) PUT("doc", Rf_ScalarString(STRING_ELT(doc, i)));
#undef PUT
    v = named_list(f, nm, val);
    SET_VECTOR_ELT(out, j, v);
    UNPROTECT(f);
  }
  UNPROTECT(1);
  return out;
}
