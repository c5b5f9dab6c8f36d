/* The large-n logistic pass in one read of X: value, gradient and linear predictor.
 *
 * numpy needs two products per block of rows (X w, then X^T r), and the second one reads the
 * block again: on these machines a large fit's pass is bound by memory traffic, so a second
 * read costs nearly as much as the first. Here each row is read once: its dot product with w,
 * the loss and the derivative of that row, and its share of the gradient, while the row is
 * still in L1. Python calls it on two halves of the rows in two threads (the GIL is released).
 *
 * For 0/1 outcomes y, with the sign t = 1 - 2 y and z = t eta (the same arithmetic as
 * LogitLink.nll_d1_signed, one exp(-|z|) per row):
 *   nll = max(z, 0) + log1p(exp(-|z|)),   d nll / d eta = t sigmoid(z).
 * Outputs, over rows [lo, hi): eta[i] = x_i . w + b (+ offset[i]); g += sum_i r_i x_i with
 * r_i = s_i t_i sigmoid(z_i); returns (sum_i s_i nll_i, sum_i r_i).
 *
 * Fortran-ordered X (what pandas hands over) has its rows spread over d columns: there the rows
 * go by blocks of ~512 KB, each read twice while in L2 (X w four columns per sweep of eta, the
 * block's losses, X^T r four columns per sweep), 0.080-0.086 s a pass against numpy's 0.12 s
 * (one column per sweep: 0.10-0.11 s).
 *
 * C order, at 1e6 x 100 on two threads: 0.085 s a pass against numpy's 0.125 s. Row by row
 * beat tiles of 4-32 rows (dot products four rows at a time, then the tile's losses, then its
 * gradient: 0.095 s): the per-row exp and log1p overlap the loads of the next row. Compute
 * still counts: the AVX-512 clone is 0.085 s, AVX2 0.093 s, SSE2 0.117 s.
 *
 * Buffers come through the buffer protocol (no numpy headers at build time); formats, lengths
 * and contiguity are checked here, the callers' dtypes in Python (_loss.BinaryLoss).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* Compiled for the machine's widest vector unit, chosen at load time through an ifunc (x86-64,
 * GCC, glibc); the "#pragma omp simd" loops need only -fopenmp-simd, no OpenMP runtime. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* The loss of one row (added to *value, times si) and its r = si t sigmoid(z). */
static inline double row_loss(double e, double yi, double si, double *value)
{
    double t = 1.0 - 2.0 * yi;
    double z = t * e;
    double a = exp(-fabs(z));
    *value += si * (fmax(z, 0.0) + log1p(a));
    /* sigmoid(z) = exp(min(z, 0)) / (1 + exp(-|z|)); exp(min(z, 0)) is a when z <= 0 */
    return si * t * ((z <= 0.0 ? a : 1.0) / (1.0 + a));
}

#define Y(i) (y8 ? (double)y8[i] : y64[i])
#define S(i) (s ? s[i] : s0)

/* Row-major X (C order): each row once, for its dot product, its loss and its gradient. */
VECTOR_CLONES
static void logit_rows(const double *X, Py_ssize_t d, Py_ssize_t lo, Py_ssize_t hi,
                       const double *w, double b, const double *offset,
                       const signed char *y8, const double *y64,
                       const double *s, double s0, double *eta, double *g,
                       double *value_out, double *gsum_out)
{
    double value = 0.0, gsum = 0.0;
    for (Py_ssize_t i = lo; i < hi; i++) {
        const double *x = X + i * d;
        double e = 0.0;
#pragma omp simd reduction(+ : e)
        for (Py_ssize_t j = 0; j < d; j++)
            e += x[j] * w[j];
        e += b;
        if (offset)
            e += offset[i];
        eta[i] = e;
        double r = row_loss(e, Y(i), S(i), &value);
        gsum += r;
#pragma omp simd
        for (Py_ssize_t j = 0; j < d; j++)
            g[j] += r * x[j];
    }
    *value_out = value;
    *gsum_out = gsum;
}

/* Column-major X (Fortran order, what pandas hands over): a row is spread over d columns, so
 * rows go by blocks of about 512 KB, each read twice while it is in L2: X w a column at a time
 * into eta, the blocks' losses, then X^T r a column at a time. */
#define MAX_BLOCK_ROWS 2048
VECTOR_CLONES
static void logit_columns(const double *X, Py_ssize_t n, Py_ssize_t d, Py_ssize_t lo,
                          Py_ssize_t hi, const double *w, double b, const double *offset,
                          const signed char *y8, const double *y64,
                          const double *s, double s0, double *eta, double *g,
                          double *value_out, double *gsum_out)
{
    double value = 0.0, gsum = 0.0, r[MAX_BLOCK_ROWS];
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
            r[k] = row_loss(e[k], Y(i), S(i), &value);
            gsum += r[k];
        }
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

/* A contiguous buffer of `count` items of format `fmt` ("d" float64, "b" int8): C-contiguous,
 * or for X either order (`contiguity` PyBUF_ANY_CONTIGUOUS). */
static int take_as(PyObject *obj, Py_buffer *view, int contiguity, int writable, const char *fmt,
                   Py_ssize_t count, const char *name)
{
    int flags = contiguity | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *got = view->format ? view->format : "B";
    if (got[0] == '<' || got[0] == '=' || got[0] == '@')
        got++;
    if (strcmp(got, fmt) != 0 || view->len != count * view->itemsize) {
        PyErr_Format(PyExc_ValueError, "_fused.logit_pass: %s must hold %zd items of format '%s' "
                     "(got format '%s', %zd bytes)", name, count, fmt, got, view->len);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static int take(PyObject *obj, Py_buffer *view, int writable, const char *fmt, Py_ssize_t count,
                const char *name)
{
    return take_as(obj, view, PyBUF_C_CONTIGUOUS, writable, fmt, count, name);
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
    if (take_as(X_obj, &X, PyBUF_ANY_CONTIGUOUS, 0, "d", n * d, "X") < 0)
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

static PyMethodDef methods[] = {
    {"logit_pass", logit_pass, METH_VARARGS,
     "logit_pass(X, n, d, w, b, offset, y, s, s0, eta, g, lo, hi) -> (value, gsum)\n\n"
     "Rows [lo, hi) of float64 X (n x d, C or Fortran order) in one read: writes eta, adds the rows'\n"
     "gradient into g, returns sum s_i nll_i and sum r_i (offset and s may be None; s0 is\n"
     "then every row's s). y holds 0/1 as int8 or float64."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fused",
                                    "One-read logistic value+gradient pass (see _fused.c).", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__fused(void) { return PyModule_Create(&module); }
