/* Row kernels in AVX2, for the two products of every Newton pass and of the scorer.
 *
 * Why C: Swift compiles for the x86-64 baseline (SSE2: two doubles a lane, no AVX), and it has no
 * per-function target attribute, so a Swift loop cannot use the AVX2 units of the machines we run
 * on without making the whole binary need them (SIGILL on an older CPU). Here only these functions
 * carry `target("avx2")`, and the Swift caller takes them only when CPUID says the CPU has AVX2
 * (ck_avx2_available); everywhere else the portable Swift loop runs. OpenBLAS's dgemv, which
 * the Newton pass used for X^T r, pays a call, a shape dispatch and its own tiling per block of
 * 256 rows x a few dozen columns: 0.045 s per million rows x 41 on one core of the benchmark
 * machine, against 0.023 s for these two loops with the block in cache (docs/BENCHMARKS.md).
 *
 * Same bits as the portable loops: "avx2" without "fma" (a fused multiply-add rounds once where
 * Swift's `a * b + c` rounds twice, so no fused instruction may appear), and each reduction in the
 * order the Swift loop uses:
 *   ck_row_products: two 4-lane accumulators over columns 0..8k, (acc0 + acc1), its lanes as
 *     (s0 + s1) + (s2 + s3), then the last p mod 8 columns in order;
 *   ck_accumulate_transposed: a lane per column, rows added in order, so each g[j] is the
 *     sequential sum g[j] + r[0] x[0,j] + r[1] x[1,j] + ... whatever the vector width.
 * The tests compare both paths bit for bit (SIMDKernelTests). */
#include "CKernels.h"
#include <immintrin.h>

#pragma STDC FP_CONTRACT OFF

int ck_avx2_available(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return known;
}

__attribute__((target("avx2")))
void ck_row_products(const double *x, ptrdiff_t n, ptrdiff_t p, const double *v, double *out) {
    const ptrdiff_t wide = p - p % 8;
    for (ptrdiff_t i = 0; i < n; i++) {
        const double *row = x + i * p;
        __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
        for (ptrdiff_t j = 0; j < wide; j += 8) {
            acc0 = _mm256_add_pd(acc0, _mm256_mul_pd(_mm256_loadu_pd(row + j), _mm256_loadu_pd(v + j)));
            acc1 = _mm256_add_pd(acc1, _mm256_mul_pd(_mm256_loadu_pd(row + j + 4), _mm256_loadu_pd(v + j + 4)));
        }
        double s4[4];
        _mm256_storeu_pd(s4, _mm256_add_pd(acc0, acc1));
        double s = (s4[0] + s4[1]) + (s4[2] + s4[3]);
        for (ptrdiff_t j = wide; j < p; j++) s += row[j] * v[j];
        out[i] = s;
    }
}

/* Columns [c, c + 4K) over all n rows, with K accumulators kept in registers. */
#define ACCUMULATE_VECTORS(K)                                                                      \
    __attribute__((target("avx2"))) static void accumulate##K(                                     \
        const double *x, ptrdiff_t n, ptrdiff_t p, const double *r, double *g, ptrdiff_t c) {      \
        __m256d acc[K];                                                                            \
        for (int k = 0; k < K; k++) acc[k] = _mm256_loadu_pd(g + c + 4 * k);                       \
        for (ptrdiff_t i = 0; i < n; i++) {                                                        \
            const __m256d ri = _mm256_set1_pd(r[i]);                                               \
            const double *row = x + i * p + c;                                                     \
            for (int k = 0; k < K; k++)                                                            \
                acc[k] = _mm256_add_pd(acc[k], _mm256_mul_pd(ri, _mm256_loadu_pd(row + 4 * k)));   \
        }                                                                                          \
        for (int k = 0; k < K; k++) _mm256_storeu_pd(g + c + 4 * k, acc[k]);                       \
    }
ACCUMULATE_VECTORS(8)
ACCUMULATE_VECTORS(4)
ACCUMULATE_VECTORS(2)
ACCUMULATE_VECTORS(1)

__attribute__((target("avx2")))
void ck_accumulate_transposed(const double *x, ptrdiff_t n, ptrdiff_t p, const double *r, double *g) {
    ptrdiff_t c = 0;
    /* 32 columns a sweep over the block (8 registers), then 16, 8, 4: the block stays in cache
       between sweeps; the last p mod 4 columns share one scalar sweep. */
    for (; c + 32 <= p; c += 32) accumulate8(x, n, p, r, g, c);
    if (c + 16 <= p) { accumulate4(x, n, p, r, g, c); c += 16; }
    if (c + 8 <= p) { accumulate2(x, n, p, r, g, c); c += 8; }
    if (c + 4 <= p) { accumulate1(x, n, p, r, g, c); c += 4; }
    if (c < p) {
        double tail[3] = {0, 0, 0};
        const ptrdiff_t m = p - c;
        for (ptrdiff_t j = 0; j < m; j++) tail[j] = g[c + j];
        for (ptrdiff_t i = 0; i < n; i++) {
            const double *row = x + i * p + c;
            for (ptrdiff_t j = 0; j < m; j++) tail[j] += r[i] * row[j];
        }
        for (ptrdiff_t j = 0; j < m; j++) g[c + j] = tail[j];
    }
}
