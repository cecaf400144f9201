/*
 * r_pluck.c -- fields of many small R lists gathered into columns, in one
 * pass.  A model is a list of variables, each a named list (name, kind,
 * eqn, source, ...); building the compiler's parallel vectors field by
 * field with vapply() cost a closure call per variable and field, which
 * dominated compiling models of a million variables.
 */
#include "r_sdvm.h"

/* lists: a list of named lists.  fields: the names to gather.  types, one
 * per field: 0 a string (NA or missing: ""), 1 any value (missing: NULL),
 * 2 the first two numbers of an integer-like vector (missing: 0, 0), 3, 4
 * and 5 any value (missing or NULL: numeric(0), character(0), list()).
 * Returns a list named by the fields, one element each: a character
 * vector, a list, or for type 2 a list of two integer vectors. */
SEXP C_sdvm_pluck(SEXP lists, SEXP fields, SEXP types) {
  const R_xlen_t n = Rf_xlength(lists);
  const int nf = (int)Rf_xlength(fields);
  SEXP out = PROTECT(Rf_allocVector(VECSXP, nf));
  SEXP empty[3];
  R_xlen_t i;
  int f;
  /* the defaults of types 3-5, shared by every element that lacks one */
  empty[0] = PROTECT(Rf_allocVector(REALSXP, 0));
  empty[1] = PROTECT(Rf_allocVector(STRSXP, 0));
  empty[2] = PROTECT(Rf_allocVector(VECSXP, 0));
  if (TYPEOF(lists) != VECSXP || TYPEOF(fields) != STRSXP || Rf_xlength(types) != nf)
    Rf_error("internal error: C_sdvm_pluck arguments");
  for (f = 0; f < nf; f++) {
    int ty = INTEGER(types)[f];
    if (ty == 0) {
      SET_VECTOR_ELT(out, f, Rf_allocVector(STRSXP, n));   /* (filled below: "" where missing) */
    } else if (ty != 2) {
      SET_VECTOR_ELT(out, f, Rf_allocVector(VECSXP, n));
    } else {
      SEXP pair = Rf_allocVector(VECSXP, 2);
      SET_VECTOR_ELT(out, f, pair);
      SET_VECTOR_ELT(pair, 0, Rf_allocVector(INTSXP, n));
      SET_VECTOR_ELT(pair, 1, Rf_allocVector(INTSXP, n));
    }
  }
  for (i = 0; i < n; i++) {
    SEXP el = VECTOR_ELT(lists, i);
    for (f = 0; f < nf; f++) {
      int ty = INTEGER(types)[f];
      SEXP col = VECTOR_ELT(out, f);
      SEXP val = TYPEOF(el) == VECSXP ? sdvm_named(el, CHAR(STRING_ELT(fields, f)), NULL) : R_NilValue;
      if (ty == 0) {
        SEXP s = R_BlankString;
        if (TYPEOF(val) == STRSXP && Rf_xlength(val) >= 1 && STRING_ELT(val, 0) != NA_STRING) s = STRING_ELT(val, 0);
        SET_STRING_ELT(col, i, s);
      } else if (ty != 2) {
        SET_VECTOR_ELT(col, i, (ty >= 3 && ty <= 5 && val == R_NilValue) ? empty[ty - 3] : val);
      } else {
        int a = 0, b = 0;
        if ((TYPEOF(val) == INTSXP || TYPEOF(val) == REALSXP) && Rf_xlength(val) >= 2) {
          if (TYPEOF(val) == INTSXP) {
            a = INTEGER(val)[0];
            b = INTEGER(val)[1];
          } else {
            double x = REAL(val)[0], y = REAL(val)[1];
            /* (a range check first: converting NaN or a huge double is undefined) */
            a = (x >= -2e9 && x <= 2e9) ? (int)x : 0;
            b = (y >= -2e9 && y <= 2e9) ? (int)y : 0;
          }
          if (a == NA_INTEGER) a = 0;
          if (b == NA_INTEGER) b = 0;
        }
        INTEGER(VECTOR_ELT(col, 0))[i] = a;
        INTEGER(VECTOR_ELT(col, 1))[i] = b;
      }
    }
  }
  Rf_setAttrib(out, R_NamesSymbol, fields);
  UNPROTECT(4);
  return out;
}
