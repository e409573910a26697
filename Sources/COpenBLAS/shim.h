#include <stddef.h>
#include <cblas.h>

// LAPACK's symmetric eigen solver, double precision (Layers' PatchWhitening). libopenblas
// contains LAPACK, but libopenblas-dev installs neither lapack.h nor lapacke.h here, so the
// Fortran entry point is declared as reference LAPACK's lapack.h declares it: every argument
// by pointer, then the hidden lengths of the two character arguments (gfortran's convention;
// callers pass 1 and 1). Eigenvalues come out ascending, eigenvectors as the columns of `a`.
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info, size_t jobz_len, size_t uplo_len);
