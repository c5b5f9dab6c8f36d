/* The large-n passes of dense fits, and Firth's per-point work on small designs, in C:
 * - logit_pass: the logistic value, gradient and linear predictor in one read of X;
 * - weighted_gram: the Hessian / information sum_i D_i x~_i x~_i^T (further below);
 * - column_gram and hat_values: the information and the leverages of a small design held
 *   transposed (Firth's penalty at each point of a fit and of its refits; last).
 *
 * The vector kernels load and store through unaligned `may_alias` vector types, not memcpy:
 * under GCC's generic tuning a 32-byte memcpy is two 16-byte moves, and the AVX2 kernels then
 * ran 3 to 4.6 times slower than they should (stalled store forwarding; 2,365 against 510 ns a
 * row for the Gram matrix at d = 100).
 *
 * numpy needs two products per block of rows (X w, then X^T r), and the second one reads the
 * block again. Here each row is read from memory once: rows go by tiles of 16 (C order), each
 * row's dot product with w, then the tile's losses and derivatives in one vector loop, then the
 * rows' shares of the gradient while they are still in L1. Python calls it on two halves of the
 * rows in two threads (the GIL is released).
 *
 * For 0/1 outcomes y, with the sign t = 1 - 2 y and z = t eta (the same arithmetic as
 * LogitLink.nll_d1_signed, one exp(-|z|) per row):
 *   nll = max(z, 0) + log1p(exp(-|z|)),   d nll / d eta = t sigmoid(z).
 * Outputs, over rows [lo, hi): eta[i] = x_i . w + b (+ offset[i]); g += sum_i r_i x_i with
 * r_i = s_i t_i sigmoid(z_i); returns (sum_i s_i nll_i, sum_i r_i).
 *
 * Fortran-ordered X (what pandas hands over) has its rows spread over d columns: there the rows
 * go by blocks of ~512 KB, each read twice while in L2 (X w four columns per sweep of eta, the
 * block's losses, X^T r four columns per sweep).
 *
 * At 1e6 x 100 on two threads (W1, interleaved): 0.052-0.057 s a pass in C order against numpy's
 * 0.105-0.12 s (one pass of BLAS gemv alone, X w, takes 0.043 s). The losses went from a third
 * of that time to a few percent when exp and log1p became inline polynomials (below) that the
 * compiler vectorises over a tile: glibc's are calls, one row at a time (0.075 s a pass). The
 * tiles alone, with glibc's exp and log1p, gained nothing (0.072 s).
 *
 * Buffers come through the buffer protocol (no numpy headers at build time); formats, lengths
 * and contiguity are checked here, the callers' dtypes in Python (_loss.BinaryLoss).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Compiled for the machine's widest vector unit, chosen at load time through an ifunc (x86-64,
 * GCC, glibc); the "#pragma omp simd" loops need only -fopenmp-simd, no OpenMP runtime. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* exp(x) for x <= 0, and log1p(a) for 0 <= a <= 1, written out so that the loss loop below
 * vectorises: glibc's exp and log1p are calls, one row at a time, and made the losses a third of
 * the pass (W1: 0.075 s a pass, 0.052 s with these). Against glibc on a grid of 2e7 points the
 * relative error is at most 2.2e-16 (exp) and 4.4e-16 (log1p). Below x = -708.39 exp(x) is
 * subnormal; it is returned as 0, which changes a row's loss or derivative by less than 1e-307. */
static inline double exp_nonpos(double x)
{
    const double log2e = 1.4426950408889634, ln2_hi = 6.93147180369123816490e-01,
                 ln2_lo = 1.90821492927058770002e-10, shifter = 6755399441055744.0; /* 1.5 2^52 */
    double xc = x < -708.39 ? -708.39 : x;
    double t = xc * log2e + shifter; /* round(x log2(e)) in the low bits of t */
    double k = t - shifter;
    double r = (xc - k * ln2_hi) - k * ln2_lo; /* |r| <= log(2) / 2 */
    /* exp(r) by its Taylor series to r^13 / 13! (truncation below 2e-17 for |r| <= 0.347) */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    long long bits; /* 2^k: k + 1023 into the exponent field */
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return x < -708.39 ? 0.0 : p * scale;
}

static inline double log1p_unit(double a)
{
    /* log1p(a) = 2 atanh(s) with s = a / (2 + a) <= 1/3, by its odd series to s^35 */
    double s = a / (2.0 + a), s2 = s * s;
    double p = 1.0 / 35;
    p = p * s2 + 1.0 / 33, p = p * s2 + 1.0 / 31, p = p * s2 + 1.0 / 29, p = p * s2 + 1.0 / 27;
    p = p * s2 + 1.0 / 25, p = p * s2 + 1.0 / 23, p = p * s2 + 1.0 / 21, p = p * s2 + 1.0 / 19;
    p = p * s2 + 1.0 / 17, p = p * s2 + 1.0 / 15, p = p * s2 + 1.0 / 13, p = p * s2 + 1.0 / 11;
    p = p * s2 + 1.0 / 9, p = p * s2 + 1.0 / 7, p = p * s2 + 1.0 / 5, p = p * s2 + 1.0 / 3;
    return 2.0 * s + 2.0 * s * (s2 * p);
}

#define MAX_BLOCK_ROWS 2048

/* Sign t = 1 - 2 y and weight s of row i. */
#define SIGN(i) (1.0 - 2.0 * (y8 ? (double)y8[i] : y64[i]))
#define WEIGHT(i) (s ? s[i] : s0)

/* The losses of m rows from their predictors e, signs t and weights sk: adds sum sk nll to
 * *value and sum r to *gsum, and writes r_k = sk_k t_k sigmoid(z_k). A function of its own,
 * cloned for each vector unit, so that the loop vectorises whatever the caller looks like. */
VECTOR_CLONES __attribute__((noinline))
static void block_losses(const double *e, const double *t, const double *sk, Py_ssize_t m,
                         double *r, double *value, double *gsum)
{
    double v = 0.0, gs = 0.0;
#pragma omp simd reduction(+ : v, gs)
    for (Py_ssize_t k = 0; k < m; k++) {
        double z = t[k] * e[k];
        double a = exp_nonpos(-fabs(z));
        v += sk[k] * ((z > 0.0 ? z : 0.0) + log1p_unit(a));
        /* sigmoid(z) = exp(min(z, 0)) / (1 + exp(-|z|)); exp(min(z, 0)) is a when z <= 0 */
        double rk = sk[k] * t[k] * ((z <= 0.0 ? a : 1.0) / (1.0 + a));
        r[k] = rk;
        gs += rk;
    }
    *value += v;
    *gsum += gs;
}

/* Row-major X (C order): tiles of ROW_TILE rows, each row read from memory once for its dot
 * product, the tile's losses in one vector loop, then the rows' gradient shares from L1. */
#define ROW_TILE 16
VECTOR_CLONES
static void logit_rows(const double *X, Py_ssize_t d, Py_ssize_t lo, Py_ssize_t hi,
                       const double *w, double b, const double *offset,
                       const signed char *y8, const double *y64,
                       const double *s, double s0, double *eta, double *g,
                       double *value_out, double *gsum_out)
{
    double value = 0.0, gsum = 0.0, r[ROW_TILE], t[ROW_TILE], sk[ROW_TILE];
    for (Py_ssize_t start = lo; start < hi; start += ROW_TILE) {
        Py_ssize_t m = hi - start < ROW_TILE ? hi - start : ROW_TILE;
        for (Py_ssize_t k = 0; k < m; k++) {
            Py_ssize_t i = start + k;
            const double *x = X + i * d;
            double e = 0.0;
#pragma omp simd reduction(+ : e)
            for (Py_ssize_t j = 0; j < d; j++)
                e += x[j] * w[j];
            eta[i] = e + b + (offset ? offset[i] : 0.0);
            t[k] = SIGN(i), sk[k] = WEIGHT(i);
        }
        block_losses(eta + start, t, sk, m, r, &value, &gsum);
        for (Py_ssize_t k = 0; k < m; k++) {
            const double *x = X + (start + k) * d;
            double rk = r[k];
#pragma omp simd
            for (Py_ssize_t j = 0; j < d; j++)
                g[j] += rk * x[j];
        }
    }
    *value_out = value;
    *gsum_out = gsum;
}

/* Column-major X (Fortran order, what pandas hands over): a row is spread over d columns, so
 * rows go by blocks of about 512 KB, each read twice while it is in L2: X w a column at a time
 * into eta, the blocks' losses, then X^T r a column at a time. */
VECTOR_CLONES
static void logit_columns(const double *X, Py_ssize_t n, Py_ssize_t d, Py_ssize_t lo,
                          Py_ssize_t hi, const double *w, double b, const double *offset,
                          const signed char *y8, const double *y64,
                          const double *s, double s0, double *eta, double *g,
                          double *value_out, double *gsum_out)
{
    double value = 0.0, gsum = 0.0, r[MAX_BLOCK_ROWS], t[MAX_BLOCK_ROWS], sk[MAX_BLOCK_ROWS];
    Py_ssize_t block = d > 0 ? (1 << 16) / d : MAX_BLOCK_ROWS;
    block = block < 16 ? 16 : block > MAX_BLOCK_ROWS ? MAX_BLOCK_ROWS : block;
    for (Py_ssize_t start = lo; start < hi; start += block) {
        Py_ssize_t m = hi - start < block ? hi - start : block;
        double *e = eta + start;
        for (Py_ssize_t k = 0; k < m; k++)
            e[k] = 0.0;
        Py_ssize_t j = 0;
        for (; j + 4 <= d; j += 4) { /* four columns per sweep of e */
            const double *c0 = X + j * n + start, *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
            double w0 = w[j], w1 = w[j + 1], w2 = w[j + 2], w3 = w[j + 3];
#pragma omp simd
            for (Py_ssize_t k = 0; k < m; k++)
                e[k] += (c0[k] * w0 + c1[k] * w1) + (c2[k] * w2 + c3[k] * w3);
        }
        for (; j < d; j++) {
            const double *col = X + j * n + start;
            double wj = w[j];
#pragma omp simd
            for (Py_ssize_t k = 0; k < m; k++)
                e[k] += col[k] * wj;
        }
        for (Py_ssize_t k = 0; k < m; k++) {
            Py_ssize_t i = start + k;
            e[k] += b + (offset ? offset[i] : 0.0);
            t[k] = SIGN(i), sk[k] = WEIGHT(i);
        }
        block_losses(e, t, sk, m, r, &value, &gsum);
        for (j = 0; j + 4 <= d; j += 4) { /* four columns per sweep of r */
            const double *c0 = X + j * n + start, *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
            double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
            for (Py_ssize_t k = 0; k < m; k++) {
                a0 += c0[k] * r[k];
                a1 += c1[k] * r[k];
                a2 += c2[k] * r[k];
                a3 += c3[k] * r[k];
            }
            g[j] += a0, g[j + 1] += a1, g[j + 2] += a2, g[j + 3] += a3;
        }
        for (; j < d; j++) {
            const double *col = X + j * n + start;
            double acc = 0.0;
#pragma omp simd reduction(+ : acc)
            for (Py_ssize_t k = 0; k < m; k++)
                acc += col[k] * r[k];
            g[j] += acc;
        }
    }
    *value_out = value;
    *gsum_out = gsum;
}

/* ---- The weighted Gram matrix: G += sum_i D_i x~_i x~_i^T (x~_i = [1, x_i] with an intercept) ----
 *
 * The Hessian and the information of a large dense fit. OpenBLAS's syrk reaches ~16 GFLOP/s on a
 * core here for this shape (n x ~100 into 100 x 100; gemm reaches ~38 on square matrices), and
 * numpy first needs the rows scaled by sqrt(D_i) in a separate sweep. Here rows go by blocks
 * (146 rows at d = 100: P and Q together ~256 KB, in L2): each block is copied into P (padded
 * rows, the intercept's ones first) and Q = D P, then every tile of the upper triangle of G, R
 * rows by V vectors, is accumulated in registers over the block's rows from one broadcast of Q
 * per row of the tile and V loads of P (the micro-kernel of a GEMM). Tiles that cross the
 * diagonal skip the vectors left of it. At 500,000 x 100 on one core: 0.18-0.26 s against
 * numpy's blocked syrk 0.32-0.43 s.
 *
 * X comes with any strides (C or Fortran order, and every k-th row of either: the sampled
 * Hessians of large fits). The tile shape follows the vector unit, chosen at run time: 8 x 3
 * AVX-512 vectors (24 accumulators of 32 registers), 4 x 2 AVX2 or SSE2 vectors. */
#if defined(__GNUC__) && !defined(LOGITLAB_SCALAR_GRAM)
#define GRAM_KERNEL(SUF, W, R, VMAX, TARGET)                                                      \
typedef double vec_##SUF __attribute__((vector_size(8 * W), aligned(8), may_alias));               \
TARGET static inline __attribute__((always_inline)) void                                           \
tile_##SUF(const double *P, const double *Q, Py_ssize_t rows, Py_ssize_t ps, double *Gl,           \
           Py_ssize_t j0, Py_ssize_t k0, int V)                                                    \
{                                                                                                  \
    vec_##SUF acc[R][VMAX], a[VMAX];                                                               \
    for (int r = 0; r < R; r++)                                                                    \
        for (int v = 0; v < V; v++)                                                                \
            acc[r][v] = *(const vec_##SUF *)(Gl + (j0 + r) * ps + k0 + v * W);                     \
    for (Py_ssize_t i = 0; i < rows; i++) {                                                        \
        const double *p = P + i * ps + k0, *q = Q + i * ps + j0;                                   \
        for (int v = 0; v < V; v++)                                                                \
            a[v] = *(const vec_##SUF *)(p + v * W);                                                \
        for (int r = 0; r < R; r++) {                                                              \
            vec_##SUF b = q[r] - (vec_##SUF){0}; /* a broadcast (x - 0 is x, exactly) */           \
            for (int v = 0; v < V; v++)                                                            \
                acc[r][v] += b * a[v];                                                             \
        }                                                                                          \
    }                                                                                              \
    for (int r = 0; r < R; r++)                                                                    \
        for (int v = 0; v < V; v++)                                                                \
            *(vec_##SUF *)(Gl + (j0 + r) * ps + k0 + v * W) = acc[r][v];                           \
}                                                                                                  \
/* every tile of the upper triangle, for one packed block of rows */                               \
TARGET static void gram_block_##SUF(const double *P, const double *Q, Py_ssize_t rows,             \
                                    Py_ssize_t ps, double *Gl, Py_ssize_t m)                       \
{                                                                                                  \
    for (Py_ssize_t k0 = 0; k0 < m; k0 += W * VMAX) {                                              \
        Py_ssize_t k_end = k0 + W * VMAX;                                                          \
        if (k_end > (m + W - 1) / W * W)                                                           \
            k_end = (m + W - 1) / W * W;                                                           \
        for (Py_ssize_t j0 = 0; j0 < k_end && j0 < m; j0 += R) {                                   \
            Py_ssize_t k_start = j0 / W * W < k0 ? k0 : j0 / W * W;                                \
            int V = (int)((k_end - k_start) / W);                                                  \
            /* constant V: the accumulators stay in registers */                                   \
            if (V == 1)                                                                            \
                tile_##SUF(P, Q, rows, ps, Gl, j0, k_start, 1);                                    \
            else if (V == 2)                                                                       \
                tile_##SUF(P, Q, rows, ps, Gl, j0, k_start, 2);                                    \
            else                                                                                   \
                tile_##SUF(P, Q, rows, ps, Gl, j0, k_start, VMAX);                                 \
        }                                                                                          \
    }                                                                                              \
}
#if defined(__x86_64__) || defined(__i386__)
#define GRAM_X86 1
GRAM_KERNEL(avx512, 8, 8, 3, __attribute__((target("avx512f"))))
GRAM_KERNEL(avx2, 4, 4, 2, __attribute__((target("avx2,fma"))))
#endif
GRAM_KERNEL(base, 2, 4, 2, )
#define GRAM_WIDTH_BASE 2
#else /* no vector extensions: one column of G at a time */
#define GRAM_WIDTH_BASE 1
static void gram_block_base(const double *P, const double *Q, Py_ssize_t rows, Py_ssize_t ps,
                            double *Gl, Py_ssize_t m)
{
    for (Py_ssize_t i = 0; i < rows; i++)
        for (Py_ssize_t j = 0; j < m; j++)
            for (Py_ssize_t k = j; k < m; k++)
                Gl[j * ps + k] += Q[i * ps + j] * P[i * ps + k];
}
#endif

#ifndef GRAM_BLOCK_DOUBLES
#define GRAM_BLOCK_DOUBLES (1 << 14) /* P and Q together ~256 KB */
#endif

typedef void (*gram_block_fn)(const double *, const double *, Py_ssize_t, Py_ssize_t, double *,
                              Py_ssize_t);

/* the widest kernel the machine runs, no wider than `widest` vectors (0: any; the tests ask for
 * each one): its vector width W and tile rows R */
static gram_block_fn gram_kernel(int widest, Py_ssize_t *W, Py_ssize_t *R)
{
    (void)widest;
#ifdef GRAM_X86
    if ((widest == 0 || widest >= 8) && __builtin_cpu_supports("avx512f"))
        return *W = 8, *R = 8, gram_block_avx512;
    if ((widest == 0 || widest >= 4) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return *W = 4, *R = 4, gram_block_avx2;
#endif
    *W = GRAM_WIDTH_BASE, *R = 4;
    return gram_block_base;
}

/* Rows [start, start + rows) of X (element (i, j) at X[i * rs + j * cs]) into P, as x~_i, and
 * Q = D P. Padding columns stay zero from the allocation. */
static void pack_rows(const double *X, Py_ssize_t rs, Py_ssize_t cs, Py_ssize_t d, int intercept,
                      Py_ssize_t start, Py_ssize_t rows, const double *D, double *P, double *Q,
                      Py_ssize_t ps)
{
    Py_ssize_t m = d + intercept;
    if (cs == 1) { /* rows contiguous */
        for (Py_ssize_t k = 0; k < rows; k++) {
            const double *x = X + (start + k) * rs;
            double *p = P + k * ps + intercept;
            memcpy(p, x, sizeof(double) * d);
        }
    } else { /* a column at a time, each read contiguously in Fortran order */
        for (Py_ssize_t j = 0; j < d; j++) {
            const double *c = X + j * cs + start * rs;
            double *p = P + j + intercept;
            for (Py_ssize_t k = 0; k < rows; k++)
                p[k * ps] = c[k * rs];
        }
    }
    for (Py_ssize_t k = 0; k < rows; k++) {
        double *p = P + k * ps, *q = Q + k * ps, dk = D[k];
        if (intercept)
            p[0] = 1.0;
        for (Py_ssize_t j = 0; j < m; j++)
            q[j] = dk * p[j];
    }
}

/* G[j, k] += sum_{lo <= i < hi} D[i - lo] x~_ij x~_ik for j <= k (the lower triangle is left as
 * it is). Returns -1 when memory runs out. */
static int gram_rows(const double *X, Py_ssize_t rs, Py_ssize_t cs, Py_ssize_t d, int intercept,
                     Py_ssize_t lo, Py_ssize_t hi, const double *D, double *G, int widest)
{
    Py_ssize_t W, R, m = d + intercept;
    gram_block_fn block = gram_kernel(widest, &W, &R);
    /* rows of P, Q and the local G: whole vectors, and room for a last tile's R rows */
    Py_ssize_t ps = (m + W - 1) / W * W + R;
    Py_ssize_t nb = GRAM_BLOCK_DOUBLES / ps; /* rows per block: P and Q together in L2 */
    nb = nb < 16 ? 16 : nb > 256 ? 256 : nb;
    size_t bytes = sizeof(double) * (size_t)(2 * nb * ps + ps * ps) + 64;
    char *raw = PyMem_RawCalloc(1, bytes);
    if (!raw)
        return -1;
    double *P = (double *)(((uintptr_t)raw + 63) & ~(uintptr_t)63), *Q = P + nb * ps, *Gl = Q + nb * ps;
    for (Py_ssize_t start = lo; start < hi; start += nb) {
        Py_ssize_t rows = hi - start < nb ? hi - start : nb;
        pack_rows(X, rs, cs, d, intercept, start, rows, D + (start - lo), P, Q, ps);
        block(P, Q, rows, ps, Gl, m);
    }
    for (Py_ssize_t j = 0; j < m; j++)
        for (Py_ssize_t k = j; k < m; k++)
            G[j * m + k] += Gl[j * ps + k];
    PyMem_RawFree(raw);
    return 0;
}

/* ---- The weighted Gram matrix of a small design held transposed: G += sum_i D_i x~_i x~_i^T ----
 *
 * Firth's information at every point of a fit and its refits (W8: 10,000 x 21, ~160 points).
 * The row kernel above packs each row and computes whole tiles (at p = 21, 384 products per row
 * for the 231 it needs; 0.49 ms), numpy's syrk wants a scaled copy first (0.3 + 0.5 ms). Here
 * the columns of Xt (p x n, C order) go by tiles of 4 vectors of lanes, as for the hat values:
 * two rows j, j + 1 of the tile are scaled by D, and every x~_k (k >= j) of the tile adds into
 * one lane-wise accumulator per pair (j, k) and per row, kept in a (p x p) array of vectors in L1
 * (p = 21: 28 KB) and summed over its lanes at the end.
 *
 * Hat values h_i = D_i |A x~_i|^2, A lower triangular: the leverages of Firth's penalty, with
 * A = L^-1 and I = L L^T. numpy forms B = A Xt sqrt(D) (a (p, n) product and a scaled copy of
 * the design) to sum its columns' squares, three sweeps of p n doubles (W8, 10,000 x 21: ~1 ms a
 * point). Here the same tiles of columns, each tile's p rows in L1: two rows of A at a time,
 * every lane accumulates (A x~_i)_j in registers (8 chains of FMAs) and adds its square. One
 * read of Xt. The vector width of both kernels is chosen at run time, as for the row kernel. */
/* one tile of columns: (tile, stride of Xt's rows, p, the tile's D or A, accumulators / output) */
typedef void (*column_tile_fn)(const double *, Py_ssize_t, Py_ssize_t, const double *, double *);
#if defined(__GNUC__) && !defined(LOGITLAB_SCALAR_GRAM)
#define COLUMN_GRAM_KERNEL(SUF, W, TARGET)                                                         \
TARGET static void gram_tile_##SUF(const double *x, Py_ssize_t stride, Py_ssize_t p,               \
                                   const double *D, double *acc)                                   \
{                                                                                                  \
    cvec_##SUF d0[4], d1[4], xv[4], dv, s0, s1, zero = {0};                                        \
    for (Py_ssize_t j = 0; j < p; j += 2) {                                                        \
        int two = j + 1 < p;                                                                       \
        for (int u = 0; u < 4; u++) {                                                              \
            dv = *(const cvec_##SUF *)(D + u * W);                                                 \
            xv[u] = *(const cvec_##SUF *)(x + j * stride + u * W);                                 \
            d0[u] = dv * xv[u];                                                                    \
            if (two)                                                                               \
                xv[u] = *(const cvec_##SUF *)(x + (j + 1) * stride + u * W), d1[u] = dv * xv[u];   \
            else                                                                                   \
                d1[u] = zero;                                                                      \
        }                                                                                          \
        for (Py_ssize_t k = j; k < p; k++) {                                                       \
            double *a0 = acc + (j * p + k) * W, *a1 = a0 + p * W;                                  \
            for (int u = 0; u < 4; u++)                                                            \
                xv[u] = *(const cvec_##SUF *)(x + k * stride + u * W);                             \
            s0 = (d0[0] * xv[0] + d0[1] * xv[1]) + (d0[2] * xv[2] + d0[3] * xv[3]);                \
            *(cvec_##SUF *)a0 += s0;                                                               \
            if (two && k > j) {                                                                    \
                s1 = (d1[0] * xv[0] + d1[1] * xv[1]) + (d1[2] * xv[2] + d1[3] * xv[3]);            \
                *(cvec_##SUF *)a1 += s1;                                                           \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}
#define HAT_KERNEL(SUF, W, TARGET)                                                                 \
TARGET static void hat_tile_##SUF(const double *x, Py_ssize_t stride, Py_ssize_t p,                \
                                  const double *A, double *out)                                    \
{                                                                                                  \
    cvec_##SUF acc[4], z0[4], z1[4], xv, zero = {0};                                               \
    for (int u = 0; u < 4; u++)                                                                    \
        acc[u] = zero;                                                                             \
    for (Py_ssize_t j = 0; j < p; j += 2) {                                                        \
        const double *a0 = A + j * p, *a1 = a0 + p;                                                \
        int two = j + 1 < p; /* rows j and j + 1 of A share each x~_k */                           \
        for (int u = 0; u < 4; u++)                                                                \
            z0[u] = zero, z1[u] = zero;                                                            \
        for (Py_ssize_t k = 0; k <= j; k++) {                                                      \
            cvec_##SUF c0 = a0[k] - zero, c1 = (two ? a1[k] : 0.0) - zero; /* broadcasts */        \
            for (int u = 0; u < 4; u++) {                                                          \
                xv = *(const cvec_##SUF *)(x + k * stride + u * W);                                \
                z0[u] += c0 * xv;                                                                  \
                z1[u] += c1 * xv;                                                                  \
            }                                                                                      \
        }                                                                                          \
        if (two) {                                                                                 \
            cvec_##SUF c1 = a1[j + 1] - zero;                                                      \
            for (int u = 0; u < 4; u++) {                                                          \
                xv = *(const cvec_##SUF *)(x + (j + 1) * stride + u * W);                          \
                z1[u] += c1 * xv;                                                                  \
            }                                                                                      \
        }                                                                                          \
        for (int u = 0; u < 4; u++)                                                                \
            acc[u] += z0[u] * z0[u] + z1[u] * z1[u];                                               \
    }                                                                                              \
    for (int u = 0; u < 4; u++)                                                                    \
        *(cvec_##SUF *)(out + u * W) = acc[u];                                                     \
}
/* both column kernels of one vector width W, sharing its unaligned vector type */
#define COLUMN_KERNELS(SUF, W, TARGET)                                                             \
typedef double cvec_##SUF __attribute__((vector_size(8 * W), aligned(8), may_alias));              \
COLUMN_GRAM_KERNEL(SUF, W, TARGET)                                                                 \
HAT_KERNEL(SUF, W, TARGET)
#ifdef GRAM_X86
COLUMN_KERNELS(avx512, 8, __attribute__((target("avx512f"))))
COLUMN_KERNELS(avx2, 4, __attribute__((target("avx2,fma"))))
#endif
COLUMN_KERNELS(base, 2, )
#else /* no vector extensions: a lane at a time */
static void gram_tile_base(const double *x, Py_ssize_t stride, Py_ssize_t p, const double *D,
                           double *acc)
{
    for (Py_ssize_t j = 0; j < p; j++)
        for (Py_ssize_t k = j; k < p; k++)
            for (int t = 0; t < 4 * GRAM_WIDTH_BASE; t++)
                acc[(j * p + k) * GRAM_WIDTH_BASE + t % GRAM_WIDTH_BASE] +=
                    D[t] * x[j * stride + t] * x[k * stride + t];
}

static void hat_tile_base(const double *x, Py_ssize_t stride, Py_ssize_t p, const double *A,
                          double *out)
{
    for (int t = 0; t < 4 * GRAM_WIDTH_BASE; t++) {
        double acc = 0.0;
        for (Py_ssize_t j = 0; j < p; j++) {
            double z = 0.0;
            for (Py_ssize_t k = 0; k <= j; k++)
                z += A[j * p + k] * x[k * stride + t];
            acc += z * z;
        }
        out[t] = acc;
    }
}
#endif

enum { GRAM_TILE, HAT_TILE };

/* the widest column kernel of `kind` the machine runs, no wider than `widest` doubles (0: any);
 * *W: its vector width (a tile is 4 W columns) */
static column_tile_fn column_kernel(int kind, int widest, Py_ssize_t *W)
{
    (void)widest;
#ifdef GRAM_X86
    if ((widest == 0 || widest >= 8) && __builtin_cpu_supports("avx512f"))
        return *W = 8, kind == HAT_TILE ? hat_tile_avx512 : gram_tile_avx512;
    if ((widest == 0 || widest >= 4) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return *W = 4, kind == HAT_TILE ? hat_tile_avx2 : gram_tile_avx2;
#endif
    *W = GRAM_WIDTH_BASE;
    return kind == HAT_TILE ? hat_tile_base : gram_tile_base;
}

/* Copies the last partial tile of columns [full, n) of Xt (p rows) and of D into zero-padded
 * buffers of `lanes` columns (a zero weight or column adds nothing). NULL when memory runs out. */
static double *pad_tail(const double *Xt, Py_ssize_t p, Py_ssize_t n, Py_ssize_t full,
                        Py_ssize_t lanes, const double *D, double **D_pad)
{
    double *pad = PyMem_RawCalloc((size_t)(p + 1) * (size_t)lanes, sizeof(double));
    if (!pad)
        return NULL;
    for (Py_ssize_t k = 0; k < p; k++)
        memcpy(pad + k * lanes, Xt + k * n + full, sizeof(double) * (size_t)(n - full));
    *D_pad = pad + p * lanes;
    if (D)
        memcpy(*D_pad, D + full, sizeof(double) * (size_t)(n - full));
    return pad;
}

/* G[j, k] += sum_i D[i] x~_ij x~_ik (j <= k) over the columns x~_i of Xt (p x n); the lower
 * triangle of G is left as it is. Returns -1 when memory runs out. */
static int gram_columns(const double *Xt, Py_ssize_t p, Py_ssize_t n, const double *D, double *G,
                        int widest)
{
    Py_ssize_t W;
    column_tile_fn tile = column_kernel(GRAM_TILE, widest, &W);
    Py_ssize_t lanes = 4 * W, full = n / lanes * lanes;
    double *acc = PyMem_RawCalloc((size_t)(p > 0 ? p : 1) * (size_t)(p + 1) * (size_t)W, sizeof(double));
    if (!acc)
        return -1;
    for (Py_ssize_t i0 = 0; i0 < full; i0 += lanes)
        tile(Xt + i0, n, p, D + i0, acc);
    if (full < n) {
        double *D_pad, *pad = pad_tail(Xt, p, n, full, lanes, D, &D_pad);
        if (!pad) {
            PyMem_RawFree(acc);
            return -1;
        }
        tile(pad, lanes, p, D_pad, acc);
        PyMem_RawFree(pad);
    }
    for (Py_ssize_t j = 0; j < p; j++)
        for (Py_ssize_t k = j; k < p; k++) {
            double s = 0.0;
            for (Py_ssize_t t = 0; t < W; t++)
                s += acc[(j * p + k) * W + t];
            G[j * p + k] += s;
        }
    PyMem_RawFree(acc);
    return 0;
}

/* h[i] = D[i] |A x~_i|^2 for every column i of Xt (p x n); the last partial tile through a
 * zero-padded copy. Returns -1 when memory runs out. */
static int hat_columns(const double *Xt, Py_ssize_t p, Py_ssize_t n, const double *A,
                       const double *D, double *h, int widest)
{
    Py_ssize_t W;
    column_tile_fn tile = column_kernel(HAT_TILE, widest, &W);
    Py_ssize_t lanes = 4 * W;
    double acc[32];
    Py_ssize_t full = n / lanes * lanes;
    for (Py_ssize_t i0 = 0; i0 < full; i0 += lanes) {
        tile(Xt + i0, n, p, A, acc);
        for (Py_ssize_t t = 0; t < lanes; t++)
            h[i0 + t] = D[i0 + t] * acc[t];
    }
    if (full < n) {
        double *D_pad, *pad = pad_tail(Xt, p, n, full, lanes, NULL, &D_pad);
        if (!pad)
            return -1;
        tile(pad, lanes, p, A, acc);
        for (Py_ssize_t i = full; i < n; i++)
            h[i] = D[i] * acc[i - full];
        PyMem_RawFree(pad);
    }
    return 0;
}

/* A contiguous buffer of `count` items of format `fmt` ("d" float64, "b" int8): C-contiguous,
 * or for X either order (`contiguity` PyBUF_ANY_CONTIGUOUS). */
static int take_as(PyObject *obj, Py_buffer *view, int contiguity, int writable, const char *fmt,
                   Py_ssize_t count, const char *name, const char *fn)
{
    int flags = contiguity | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *got = view->format ? view->format : "B";
    if (got[0] == '<' || got[0] == '=' || got[0] == '@')
        got++;
    if (strcmp(got, fmt) != 0 || view->len != count * view->itemsize) {
        PyErr_Format(PyExc_ValueError, "_fused.%s: %s must hold %zd items of format '%s' "
                     "(got format '%s', %zd bytes)", fn, name, count, fmt, got, view->len);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static int take(PyObject *obj, Py_buffer *view, int writable, const char *fmt, Py_ssize_t count,
                const char *name)
{
    return take_as(obj, view, PyBUF_C_CONTIGUOUS, writable, fmt, count, name, "logit_pass");
}

static PyObject *logit_pass(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *X_obj, *w_obj, *offset_obj, *y_obj, *s_obj, *eta_obj, *g_obj;
    double b, s0;
    Py_ssize_t n, d, lo, hi;
    if (!PyArg_ParseTuple(args, "OnnOdOOOdOOnn:logit_pass", &X_obj, &n, &d, &w_obj, &b, &offset_obj,
                          &y_obj, &s_obj, &s0, &eta_obj, &g_obj, &lo, &hi))
        return NULL;
    if (n < 0 || d < 0 || lo < 0 || hi < lo || hi > n || (d > 0 && n > PY_SSIZE_T_MAX / d)) {
        PyErr_SetString(PyExc_ValueError, "_fused.logit_pass: need 0 <= lo <= hi <= n and d >= 0");
        return NULL;
    }
    Py_buffer X = {0}, w = {0}, offset = {0}, y = {0}, s = {0}, eta = {0}, g = {0};
    int has_offset = offset_obj != Py_None, has_s = s_obj != Py_None, ok = 0;
    if (take_as(X_obj, &X, PyBUF_ANY_CONTIGUOUS, 0, "d", n * d, "X", "logit_pass") < 0)
        return NULL;
    int rows_first = PyBuffer_IsContiguous(&X, 'C');
    if (X.ndim == 2 && (X.shape[0] != n || X.shape[1] != d)) {
        PyErr_Format(PyExc_ValueError, "_fused.logit_pass: X has shape (%zd, %zd), not (n, d) = "
                     "(%zd, %zd)", X.shape[0], X.shape[1], n, d);
        goto release_X;
    }
    if (take(w_obj, &w, 0, "d", d, "w") < 0)
        goto release_X;
    if (has_offset && take(offset_obj, &offset, 0, "d", n, "offset") < 0)
        goto release_w;
    if (PyObject_GetBuffer(y_obj, &y, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        goto release_offset;
    int y_int8 = y.itemsize == 1;
    PyBuffer_Release(&y);
    if (take(y_obj, &y, 0, y_int8 ? "b" : "d", n, "y") < 0)
        goto release_offset;
    if (has_s && take(s_obj, &s, 0, "d", n, "s") < 0)
        goto release_y;
    if (take(eta_obj, &eta, 1, "d", n, "eta") < 0)
        goto release_s;
    if (take(g_obj, &g, 1, "d", d, "g") < 0)
        goto release_eta;

    double value, gsum;
    Py_BEGIN_ALLOW_THREADS
    const double *offset_p = has_offset ? (const double *)offset.buf : NULL;
    const signed char *y8 = y_int8 ? (const signed char *)y.buf : NULL;
    const double *y64 = y_int8 ? NULL : (const double *)y.buf;
    const double *s_p = has_s ? (const double *)s.buf : NULL;
    if (rows_first)
        logit_rows((const double *)X.buf, d, lo, hi, (const double *)w.buf, b, offset_p, y8, y64,
                   s_p, s0, (double *)eta.buf, (double *)g.buf, &value, &gsum);
    else
        logit_columns((const double *)X.buf, n, d, lo, hi, (const double *)w.buf, b, offset_p, y8,
                      y64, s_p, s0, (double *)eta.buf, (double *)g.buf, &value, &gsum);
    Py_END_ALLOW_THREADS
    ok = 1;

    PyBuffer_Release(&g);
release_eta:
    PyBuffer_Release(&eta);
release_s:
    if (has_s)
        PyBuffer_Release(&s);
release_y:
    PyBuffer_Release(&y);
release_offset:
    if (has_offset)
        PyBuffer_Release(&offset);
release_w:
    PyBuffer_Release(&w);
release_X:
    PyBuffer_Release(&X);
    return ok ? Py_BuildValue("dd", value, gsum) : NULL;
}


static PyObject *weighted_gram(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *X_obj, *D_obj, *G_obj;
    Py_ssize_t lo, hi;
    int intercept, widest = 0;
    if (!PyArg_ParseTuple(args, "OOOnnp|i:weighted_gram", &X_obj, &D_obj, &G_obj, &lo, &hi, &intercept,
                          &widest))
        return NULL;
    Py_buffer X = {0}, D = {0}, G = {0};
    if (PyObject_GetBuffer(X_obj, &X, PyBUF_STRIDES | PyBUF_FORMAT) < 0)
        return NULL;
    const char *fmt = X.format ? X.format : "B";
    if (fmt[0] == '<' || fmt[0] == '=' || fmt[0] == '@')
        fmt++;
    int ok = 0;
    if (strcmp(fmt, "d") != 0 || X.ndim != 2 || X.strides[0] <= 0 || X.strides[1] <= 0
            || X.strides[0] % 8 || X.strides[1] % 8) {
        PyErr_Format(PyExc_ValueError, "_fused.weighted_gram: X must be a 2-D float64 array with "
                     "positive strides (got format '%s', %d dimension(s))", fmt, X.ndim);
        goto release_X;
    }
    Py_ssize_t n = X.shape[0], d = X.shape[1], m = d + intercept;
    if (lo < 0 || hi < lo || hi > n) {
        PyErr_Format(PyExc_ValueError, "_fused.weighted_gram: need 0 <= lo <= hi <= n = %zd", n);
        goto release_X;
    }
    if (take_as(D_obj, &D, PyBUF_C_CONTIGUOUS, 0, "d", hi - lo, "D (one weight per row lo..hi)",
                "weighted_gram") < 0)
        goto release_X;
    if (take_as(G_obj, &G, PyBUF_C_CONTIGUOUS, 1, "d", m * m, "G (m x m, m = d + intercept)",
                "weighted_gram") < 0)
        goto release_D;
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = gram_rows((const double *)X.buf, X.strides[0] / 8, X.strides[1] / 8, d, intercept, lo,
                       hi, (const double *)D.buf, (double *)G.buf, widest);
    Py_END_ALLOW_THREADS
    if (failed)
        PyErr_NoMemory();
    else
        ok = 1;
    PyBuffer_Release(&G);
release_D:
    PyBuffer_Release(&D);
release_X:
    PyBuffer_Release(&X);
    if (!ok)
        return NULL;
    Py_RETURN_NONE;
}

/* column_gram(Xt, p, n, D, G) and hat_values(Xt, p, n, A, D, h): the same buffers of a small
 * design held transposed, a (p x p) matrix (G written, A read) and n weights (and h written). */
static PyObject *transposed_design_call(PyObject *args, int hat)
{
    const char *fn = hat ? "hat_values" : "column_gram";
    PyObject *Xt_obj, *M_obj, *D_obj, *h_obj = NULL;
    Py_ssize_t p, n;
    int widest = 0, parsed;
    if (hat)
        parsed = PyArg_ParseTuple(args, "OnnOOO|i:hat_values", &Xt_obj, &p, &n, &M_obj, &D_obj, &h_obj,
                                  &widest);
    else
        parsed = PyArg_ParseTuple(args, "OnnOO|i:column_gram", &Xt_obj, &p, &n, &D_obj, &M_obj, &widest);
    if (!parsed)
        return NULL;
    if (p < 0 || n < 0 || (p > 0 && n > PY_SSIZE_T_MAX / p)) {
        PyErr_Format(PyExc_ValueError, "_fused.%s: need p >= 0 and n >= 0", fn);
        return NULL;
    }
    Py_buffer Xt = {0}, M = {0}, D = {0}, h = {0}; /* released below whether taken or not */
    int failed = -1;
    if (take_as(Xt_obj, &Xt, PyBUF_C_CONTIGUOUS, 0, "d", p * n, "Xt (p x n, C order)", fn) < 0
            || take_as(M_obj, &M, PyBUF_C_CONTIGUOUS, !hat, "d", p * p,
                       hat ? "A (p x p, C order)" : "G (p x p, C order)", fn) < 0
            || take_as(D_obj, &D, PyBUF_C_CONTIGUOUS, 0, "d", n, "D (one weight per column)", fn) < 0
            || (hat && take_as(h_obj, &h, PyBUF_C_CONTIGUOUS, 1, "d", n, "h (one value per column)", fn) < 0))
        goto release;
    Py_BEGIN_ALLOW_THREADS
    if (hat)
        failed = hat_columns((const double *)Xt.buf, p, n, (const double *)M.buf, (const double *)D.buf,
                             (double *)h.buf, widest);
    else
        failed = gram_columns((const double *)Xt.buf, p, n, (const double *)D.buf, (double *)M.buf, widest);
    Py_END_ALLOW_THREADS
    if (failed)
        PyErr_NoMemory();
release:
    PyBuffer_Release(&h);
    PyBuffer_Release(&D);
    PyBuffer_Release(&M);
    PyBuffer_Release(&Xt);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *column_gram(PyObject *self, PyObject *args)
{
    (void)self;
    return transposed_design_call(args, 0);
}

static PyObject *hat_values(PyObject *self, PyObject *args)
{
    (void)self;
    return transposed_design_call(args, 1);
}

static PyMethodDef methods[] = {
    {"logit_pass", logit_pass, METH_VARARGS,
     "logit_pass(X, n, d, w, b, offset, y, s, s0, eta, g, lo, hi) -> (value, gsum)\n\n"
     "Rows [lo, hi) of float64 X (n x d, C or Fortran order) in one read: writes eta, adds the rows'\n"
     "gradient into g, returns sum s_i nll_i and sum r_i (offset and s may be None; s0 is\n"
     "then every row's s). y holds 0/1 as int8 or float64."},
    {"weighted_gram", weighted_gram, METH_VARARGS,
     "weighted_gram(X, D, G, lo, hi, intercept, widest=0)\n\n"
     "Adds sum_{lo <= i < hi} D[i - lo] x~_i x~_i^T into the upper triangle (j <= k) of G (m x m,\n"
     "C order, m = d + intercept; x~_i = [1, x_i] with an intercept) for float64 X (n x d) with any\n"
     "positive strides. The lower triangle of G is left as it is. widest > 0 caps the vector width\n"
     "(in doubles) of the kernel used: the tests check each one."},
    {"column_gram", column_gram, METH_VARARGS,
     "column_gram(Xt, p, n, D, G, widest=0)\n\n"
     "Adds sum_i D[i] x~_i x~_i^T into the upper triangle (j <= k) of G (p x p, C order) for the n\n"
     "columns x~_i of float64 Xt (p x n, C order: a small design held transposed). The lower\n"
     "triangle of G is left as it is. widest > 0 caps the vector width (in doubles) of the kernel."},
    {"hat_values", hat_values, METH_VARARGS,
     "hat_values(Xt, p, n, A, D, h, widest=0)\n\n"
     "Writes h[i] = D[i] |A x~_i|^2 for the n columns x~_i of float64 Xt (p x n, C order), with A\n"
     "(p x p, C order) lower triangular: only its lower triangle is read. With A = L^-1 and\n"
     "L L^T = sum_i D_i x~_i x~_i^T these are the diagonal of the weighted hat matrix. widest > 0\n"
     "caps the vector width (in doubles) of the kernel used."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fused",
                                    "The large-n passes: one-read logistic value+gradient, weighted Gram matrix (see _fused.c).", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
