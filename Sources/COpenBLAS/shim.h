#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H

#include <stddef.h>
/* CBLAS and the openblas_* extensions (blasint == int on Debian: Int32 in Swift). */
#include <cblas.h>
/* Official Fortran LAPACK prototypes, with the hidden trailing CHARACTER length
   (LAPACK_FORTRAN_STRLEN_END). The symbols themselves come from libopenblas. */
#include <lapack.h>

#endif
