#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

/* Row kernels of the Newton pass and the scorer, in AVX2 (see kernels.c for why and how).
   Each gives the same bits as the portable Swift loop beside its caller in LinearAlgebra:
   the same operations in the same order, multiplications and additions never fused. */

/* 1 when this CPU runs the AVX2 kernels (checked once, by CPUID, at the first call). */
int ck_avx2_available(void);

/* out[i] = x[i,:] . v for a row-major n x p block (the order of RowProducts.swift). */
void ck_row_products(const double *x, ptrdiff_t n, ptrdiff_t p, const double *v, double *out);

/* g[j] += sum over i, in row order, of r[i] * x[i,j] (each column's sum is sequential). */
void ck_accumulate_transposed(const double *x, ptrdiff_t n, ptrdiff_t p, const double *r, double *g);

#endif
