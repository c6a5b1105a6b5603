#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H

#include <stddef.h>
/* CBLAS and the openblas_* extensions (blasint == int on Debian: Int32 in Swift). */
#include <cblas.h>
/* Official Fortran LAPACK prototypes, with the hidden trailing CHARACTER length
   (LAPACK_FORTRAN_STRLEN_END). The symbols themselves come from libopenblas. */
#include <lapack.h>

/* DYNAMIC_ARCH's kernel choice (driver/others/dynamic.c, exported by libopenblas but not declared
   in cblas.h): quit forgets the chosen core, init chooses again, honouring OPENBLAS_CORETYPE. */
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);

#endif
