/* Column matrices of nn/conv.py's batch-inner layout, float32 and float64, one channel a unit
   (run_split kind 5: one thread or two).

   For a convolution over x (N, C, H, W) (a 1-D one has H = 1) with kernel (kh, kw), stride
   (sh, sw), zero padding (ph, pw) and output (oh, ow), the columns are
       cols[(c, ki, kj), (oi, oj, n)] = xp[n, c, oi sh + ki, oj sw + kj]   (xp: x padded)
   a (C kh kw, oh ow N) matrix whose runs are the batch. Each unit transposes its channel
   into a local padded (Hp, Wp, N) plane (cache-sized: 86 KB for 13 x 13 x 128 floats) and
   copies the taps' runs out of it; col2im adds the column gradients back onto such a plane,
   tap by tap in the order of np.ndindex(kh, kw) (the additions of conv.py's NumPy
   formulation, in the same order: the same bits), and writes its interior into dx (N, C, H, W).
   Both read and write every array once, where NumPy's formulation makes one pass per tap and
   one per transposing copy.

   Python entry points (module methods, registered in _kernels.c):
     im2col(x, cols, geometry, split)   col2im(dcols, dx, geometry, split)
   geometry = (n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow); x and dx C-contiguous (N, C, H, W),
   cols/dcols C-contiguous with at least C kh kw rows of oh ow N (further rows untouched). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "_kernels_pool.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
} geom_t;

#define IM2COL(NAME, T)                                                                 \
    static void NAME(job_t *j, int64_t c0, int64_t count)                               \
    {                                                                                   \
        const geom_t *g = (const geom_t *)j->ctx;                                       \
        const int64_t n = g->n, hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw;           \
        const int64_t hw = g->h * g->w, run = g->ow * n;                                \
        const T *X = (const T *)(const void *)j->x;                                     \
        T *cols = (T *)(void *)j->y;                                                    \
        T *plane = calloc((size_t)(hp * wp * n), sizeof(T)); /* borders stay zero */    \
        if (!plane) {                                                                   \
            __atomic_store_n(&j->flag, 1, __ATOMIC_RELAXED);                            \
            return;                                                                     \
        }                                                                               \
        for (int64_t c = c0; c < c0 + count; c++) {                                     \
            for (int64_t i = 0; i < g->h; i++)                                          \
                for (int64_t q = 0; q < g->w; q++) {                                    \
                    T *to = plane + ((i + g->ph) * wp + q + g->pw) * n;                 \
                    const T *from = X + c * hw + i * g->w + q;                          \
                    for (int64_t s = 0; s < n; s++) to[s] = from[s * g->c * hw];        \
                }                                                                       \
            for (int64_t ki = 0; ki < g->kh; ki++)                                      \
                for (int64_t kj = 0; kj < g->kw; kj++) {                                \
                    T *row = cols + ((c * g->kh + ki) * g->kw + kj) * g->oh * run;      \
                    for (int64_t oi = 0; oi < g->oh; oi++) {                            \
                        const T *src = plane + ((oi * g->sh + ki) * wp + kj) * n;       \
                        T *dst = row + oi * run;                                        \
                        if (g->sw == 1)                                                 \
                            memcpy(dst, src, (size_t)run * sizeof(T));                  \
                        else                                                            \
                            for (int64_t oj = 0; oj < g->ow; oj++)                      \
                                memcpy(dst + oj * n, src + oj * g->sw * n,              \
                                       (size_t)n * sizeof(T));                          \
                    }                                                                   \
                }                                                                       \
        }                                                                               \
        free(plane);                                                                    \
    }

#define COL2IM(NAME, T)                                                                 \
    static void NAME(job_t *j, int64_t c0, int64_t count)                               \
    {                                                                                   \
        const geom_t *g = (const geom_t *)j->ctx;                                       \
        const int64_t n = g->n, hp = g->h + 2 * g->ph, wp = g->w + 2 * g->pw;           \
        const int64_t hw = g->h * g->w, run = g->ow * n;                                \
        const T *dcols = (const T *)(const void *)j->g;                                 \
        T *DX = (T *)(void *)j->y;                                                      \
        T *plane = malloc((size_t)(hp * wp * n) * sizeof(T));                           \
        if (!plane) {                                                                   \
            __atomic_store_n(&j->flag, 1, __ATOMIC_RELAXED);                            \
            return;                                                                     \
        }                                                                               \
        for (int64_t c = c0; c < c0 + count; c++) {                                     \
            memset(plane, 0, (size_t)(hp * wp * n) * sizeof(T));                        \
            for (int64_t ki = 0; ki < g->kh; ki++)                                      \
                for (int64_t kj = 0; kj < g->kw; kj++) {                                \
                    const T *row = dcols + ((c * g->kh + ki) * g->kw + kj) * g->oh * run; \
                    for (int64_t oi = 0; oi < g->oh; oi++) {                            \
                        T *dst = plane + ((oi * g->sh + ki) * wp + kj) * n;             \
                        const T *src = row + oi * run;                                  \
                        if (g->sw == 1)                                                 \
                            for (int64_t t = 0; t < run; t++) dst[t] += src[t];         \
                        else                                                            \
                            for (int64_t oj = 0; oj < g->ow; oj++)                      \
                                for (int64_t s = 0; s < n; s++)                         \
                                    dst[oj * g->sw * n + s] += src[oj * n + s];         \
                    }                                                                   \
                }                                                                       \
            for (int64_t i = 0; i < g->h; i++)                                          \
                for (int64_t q = 0; q < g->w; q++) {                                    \
                    const T *from = plane + ((i + g->ph) * wp + q + g->pw) * n;         \
                    T *to = DX + c * hw + i * g->w + q;                                 \
                    for (int64_t s = 0; s < n; s++) to[s * g->c * hw] = from[s];        \
                }                                                                       \
        }                                                                               \
        free(plane);                                                                    \
    }

#pragma GCC push_options
#pragma GCC target("avx2,fma")

/* ---------------------------------------------------------------------------- transpose
   dst (cols, rows) = src (rows, cols)^T, moving bits (NaN payloads too): 8 x 8 tiles of
   4-byte items or 4 x 4 tiles of 8-byte items in registers, the edges one item at a time.
   A unit is one 64-byte line of dst's rows (16 or 8 source rows), so two threads never write
   the same line. j->m: rows, j->from_y: cols. */
static inline void tile8x8(const float *s, int64_t ls, float *d, int64_t ld)
{
    __m256 r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(s + i * ls);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(d + i * ld, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
        _mm256_storeu_ps(d + (i + 4) * ld, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    }
}

static inline void tile4x4(const double *s, int64_t ls, double *d, int64_t ld)
{
    __m256d r0 = _mm256_loadu_pd(s), r1 = _mm256_loadu_pd(s + ls);
    __m256d r2 = _mm256_loadu_pd(s + 2 * ls), r3 = _mm256_loadu_pd(s + 3 * ls);
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    _mm256_storeu_pd(d, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd(d + ld, _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd(d + 2 * ld, _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd(d + 3 * ld, _mm256_permute2f128_pd(t1, t3, 0x31));
}

#define TRANSPOSE(NAME, T, TILE, K, LINE)                                               \
    static void NAME(job_t *j, int64_t u0, int64_t count)                               \
    {                                                                                   \
        const int64_t rows = j->m, cols = j->from_y;                                    \
        const T *src = (const T *)(const void *)j->x;                                   \
        T *dst = (T *)(void *)j->y;                                                     \
        const int64_t r_end = (u0 + count) * LINE < rows ? (u0 + count) * LINE : rows;  \
        int64_t r = u0 * LINE;                                                          \
        for (; r + K <= r_end; r += K) {                                                \
            int64_t c = 0;                                                              \
            for (; c + K <= cols; c += K) TILE(src + r * cols + c, cols, dst + c * rows + r, rows); \
            for (; c < cols; c++)                                                       \
                for (int64_t i = r; i < r + K; i++) dst[c * rows + i] = src[i * cols + c]; \
        }                                                                               \
        for (; r < r_end; r++)                                                          \
            for (int64_t c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];   \
    }
TRANSPOSE(transpose4, float, tile8x8, 8, 16)
TRANSPOSE(transpose8, double, tile4x4, 4, 8)

IM2COL(im2col_f32, float)
IM2COL(im2col_f64, double)
COL2IM(col2im_f32, float)
COL2IM(col2im_f64, double)
#pragma GCC pop_options

/* geometry from a 12-tuple of ints, checked: every size positive, the output what the input,
   kernel, stride and padding give (so no index leaves its array) */
static int read_geometry(PyObject *obj, geom_t *g)
{
    int64_t *v = &g->n;
    if (!PyTuple_Check(obj) || PyTuple_GET_SIZE(obj) != 12) {
        PyErr_SetString(PyExc_TypeError, "im2col/col2im: geometry must be a tuple of 12 ints");
        return -1;
    }
    for (int i = 0; i < 12; i++) {
        v[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(obj, i));
        if (v[i] == -1 && PyErr_Occurred()) return -1;
    }
    int ok = g->n > 0 && g->c > 0 && g->h > 0 && g->w > 0 && g->kh > 0 && g->kw > 0 &&
             g->sh > 0 && g->sw > 0 && g->ph >= 0 && g->pw >= 0 && g->oh > 0 && g->ow > 0 &&
             g->ph <= g->kh && g->pw <= g->kw &&  /* the local plane: at most 9x the input's */
             g->kh <= g->h + 2 * g->ph && g->kw <= g->w + 2 * g->pw &&
             g->oh == (g->h + 2 * g->ph - g->kh) / g->sh + 1 &&
             g->ow == (g->w + 2 * g->pw - g->kw) / g->sw + 1;
    if (!ok) PyErr_SetString(PyExc_ValueError, "im2col/col2im: inconsistent geometry");
    return ok ? 0 : -1;
}

/* the product of k sizes, or -1 where it overflows */
static int64_t product(const int64_t *v, int k)
{
    int64_t r = 1;
    for (int i = 0; i < k; i++)
        if (__builtin_mul_overflow(r, v[i], &r)) return -1;
    return r;
}

/* args (src, dst, geometry, split): im2col src = x, dst = cols; col2im src = dcols, dst = dx */
static PyObject *columns_call(PyObject *const *args, Py_ssize_t nargs, int forward)
{
    const char *sig = forward ? "im2col(x, cols, geometry, split)"
                              : "col2im(dcols, dx, geometry, split)";
    if (!nargs_ok(nargs, 4, sig)) return NULL;
    geom_t g;
    int split = PyObject_IsTrue(args[3]);
    if (split < 0 || read_geometry(args[2], &g) < 0) return NULL;
    Py_buffer a, b;
    if (PyObject_GetBuffer(args[0], &a, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (PyObject_GetBuffer(args[1], &b, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&a);
        return NULL;
    }
    char kind = buffer_type(&a);
    kind = kind == 'f' || kind == 'd' ? kind : 0;
    int64_t item = kind == 'f' ? 4 : 8;
    const int64_t image_dims[] = {g.n, g.c, g.h, g.w, item};
    const int64_t column_dims[] = {g.c, g.kh, g.kw, g.oh, g.ow, g.n, item};
    int64_t image = product(image_dims, 5), columns = product(column_dims, 7);
    int bad = !kind || buffer_type(&b) != kind || a.itemsize != item || image < 0 ||
              columns < 0;
    if (!bad) bad = forward ? (a.len != image || b.len < columns)
                            : (a.len < columns || b.len != image);
    if (bad) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        PyErr_Format(PyExc_ValueError, "%s: float32 or float64 arrays of one dtype and the "
                     "geometry's sizes", sig);
        return NULL;
    }
    void *fn = forward ? (kind == 'f' ? (void *)im2col_f32 : (void *)im2col_f64)
                       : (kind == 'f' ? (void *)col2im_f32 : (void *)col2im_f64);
    job_t job = {0};
    job.n = g.c;
    job.chunk = 1;
    job.kind = 5;
    job.fn = fn;
    job.x = forward ? (const float *)a.buf : NULL;
    job.g = forward ? NULL : (const float *)a.buf;
    job.y = (float *)b.buf;
    job.ctx = &g;
    Py_BEGIN_ALLOW_THREADS
    run_range(&job, split);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    if (job.flag) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

/* transpose(src, dst, rows, cols, split): dst = src.T for C-contiguous (rows, cols) and
   (cols, rows) arrays of one 4- or 8-byte item type */
PyObject *actlab_transpose(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (!nargs_ok(nargs, 5, "transpose(src, dst, rows, cols, split)")) return NULL;
    int64_t rows = PyLong_AsLongLong(args[2]), cols = PyLong_AsLongLong(args[3]);
    int split = PyObject_IsTrue(args[4]);
    if (PyErr_Occurred() || split < 0) return NULL;
    Py_buffer a, b;
    if (PyObject_GetBuffer(args[0], &a, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (PyObject_GetBuffer(args[1], &b, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&a);
        return NULL;
    }
    const int64_t dims[] = {rows, cols, a.itemsize};
    int64_t size = rows > 0 && cols > 0 ? product(dims, 3) : -1;
    if (size < 0 || (a.itemsize != 4 && a.itemsize != 8) || b.itemsize != a.itemsize ||
        a.len != size || b.len != size) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        PyErr_SetString(PyExc_ValueError, "transpose: two arrays of rows x cols 4- or 8-byte "
                        "items");
        return NULL;
    }
    int64_t line = a.itemsize == 4 ? 16 : 8;
    job_t job = {0};
    job.n = (rows + line - 1) / line;
    job.chunk = line * cols >= 16384 ? 1 : 16384 / (line * cols);  /* about 16k items a chunk */
    job.kind = 5;
    job.fn = a.itemsize == 4 ? (void *)transpose4 : (void *)transpose8;
    job.m = rows;
    job.from_y = cols;
    job.x = (const float *)a.buf;
    job.y = (float *)b.buf;
    Py_BEGIN_ALLOW_THREADS
    run_range(&job, split);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    Py_RETURN_NONE;
}

PY_ENTRY(actlab_im2col, columns_call, 1)
PY_ENTRY(actlab_col2im, columns_call, 0)
