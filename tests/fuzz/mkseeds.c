/*
 * mkseeds.c -- seed corpora for the fuzz harnesses, from real models.
 *
 *   mkseeds OUT_MDL OUT_EQN file.mdl...
 *
 * OUT_MDL gets each model file small enough to fuzz whole (4 KB), and
 * for larger ones windows of consecutive records of about 1 KB each
 * (after the file's {UTF-8} marker).  OUT_EQN gets every equation the
 * reader finds, as fuzz_eqn inputs: a mode byte (see fuzz_eqn.c), then the
 * text; stocks as their rate and initial value, lookups as a table.  Seeds
 * are named by a hash of their content, so duplicates collapse.  Nothing
 * here is kept in the repository: the Makefile writes into cbuild/.
 */
#include <stdint.h>
#include "fz_common.h"

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  size_t i;
  for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ULL; }
  return h;
}

static int nseeds = 0;

static void put(const char *dir, const char *s, size_t n) {
  char path[4096];
  FILE *f;
  snprintf(path, sizeof path, "%s/%016llx", dir, (unsigned long long)fnv(s, n));
  f = fopen(path, "wb");
  if (!f) { perror(path); return; }
  fwrite(s, 1, n, f);
  fclose(f);
  nseeds++;
}

/* Windows of whole records ("...|") of about 4 KB. */
static void windows(const char *dir, const char *s, size_t n) {
  const char *end = strstr(s, "\\---///"), *p = s, *start;
  int count = 0;
  if (!end) end = s + n;
  if (strncmp(p, "{UTF-8}", 7) == 0) p += 7;
  start = p;
  while (p < end && count < 400) {
    const char *bar = memchr(p, '|', (size_t)(end - p));
    if (!bar) break;
    p = bar + 1;
    if (p - start >= 1024 || p >= end) {
      put(dir, start, (size_t)(p - start));
      count++;
      start = p;
    }
  }
}

static void eqn_seed(const char *dir, unsigned mode, const char *a, const char *b) {
  size_t la = strlen(a), lb = b ? strlen(b) : 0;
  char *buf;
  if (la + lb + 3 > 4096) return;
  buf = malloc(la + lb + 3);
  if (!buf) return;
  buf[0] = (char)mode;
  memcpy(buf + 1, a, la);
  if (b) { buf[1 + la] = '\n'; memcpy(buf + 2 + la, b, lb); }
  put(dir, buf, 1 + la + (b ? 1 + lb : 0));
  free(buf);
}

int main(int argc, char **argv) {
  int i, j;
  if (argc < 3) { fprintf(stderr, "usage: mkseeds OUT_MDL OUT_EQN file.mdl...\n"); return 2; }
  for (i = 3; i < argc; i++) {
    size_t n;
    char *s = fz_slurp(argv[i], &n, 0);
    sd_error err;
    sd_mdl *md;
    if (!s) { perror(argv[i]); continue; }
    if (n <= 4096) put(argv[1], s, n);
    else windows(argv[1], s, n);
    md = sd_mdl_read(s, argv[i], &err);
    for (j = 0; md && j < md->n; j++) {
      const sd_mdl_rec *r = &md->recs[j];
      if (r->kind == SD_STOCK && r->eqn && r->init) {
        eqn_seed(argv[2], 0x31, r->eqn, r->init);
      } else if (r->kind == SD_LOOKUP && r->npts > 0) {
        char tab[4096];
        size_t len = 0;
        int k;
        for (k = 0; k < r->npts && len + 64 < sizeof tab; k++)
          len += (size_t)snprintf(tab + len, sizeof tab - len, "%s(%.17g,%.17g)", k ? "," : "", r->x[k], r->y[k]);
        eqn_seed(argv[2], 0x13, tab, NULL);
      } else if (r->eqn && !r->is_dim && !fz_starts_get(r->eqn)) {
        eqn_seed(argv[2], r->nsubs ? 0x12 : 0x10, r->eqn, NULL);
      }
    }
    sd_mdl_free(md);
    free(s);
  }
  printf("mkseeds: %d seed files written from %d models\n", nseeds, argc - 3);
  return 0;
}
