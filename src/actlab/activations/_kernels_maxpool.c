/* 2 x 2 max pooling, stride 2, no padding (nn/pool.py's common case), float32 and float64:
   one pass over memory each way, on one thread or two (run_split, kind 5: one unit is one
   (sample, channel) plane).

   Forward, per window (a b / c d, raster order): the right cell wins its row only if strictly
   greater, the bottom row wins only if its maximum is strictly greater than the top row's: the
   first maximum in raster order, as in PyTorch. y is that cell's value (its bits) and idx its
   tap 2u + v (uint8). A NaN anywhere in the input is reported (the return value) and y/idx are
   then not used: the caller takes the reference formulation, where a NaN wins.
   Backward: dx is dy at each window's winning cell and +0 elsewhere (the odd last row and
   column, in no window, included): a select, so every value (inf, NaN) moves bit for bit.

   Python entry points (module methods, registered in _kernels.c):
     maxpool2x2(x, y, idx, h, w, split) -> bool (a NaN was seen)
     unpool2x2(dy, idx, dx, h, w, split) -> None
   x and dx are C-contiguous (P, h, w), y, dy and idx (P, h // 2, w // 2); x, y, dy, dx one
   float type; split (truthy) runs the planes on two threads. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "_kernels_pool.h"

#include <pthread.h>

#include <immintrin.h>
#include <string.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

/* SPREAD[m]: the 8 bits of m as 8 bytes of 0 or 1 (little-endian), for the taps' bytes */
static uint64_t SPREAD[256];
static void spread_init(void)
{
    for (int m = 0; m < 256; m++) {
        uint64_t v = 0;
        for (int k = 0; k < 8; k++) v |= (uint64_t)((m >> k) & 1) << (8 * k);
        SPREAD[m] = v;
    }
}

/* the first n lanes (n may be <= 0 or above the lane count) */
static inline __m256i first32(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline __m256i first64(int n)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

/* the winners' masks as tap bytes 2u + v, one per window (lane bits of low, rt, rb) */
static inline uint64_t tap_bytes(int low, int rt, int rb)
{
    int v = (low & rb) | (~low & rt);
    return (SPREAD[low & 255] << 1) | SPREAD[v & 255];
}

/* Every vector step covers a full vector of windows, with no per-window branch (random data
   would mispredict every other one). A row's tail is its last full vector again (the same
   values rewritten); a row shorter than a vector loads through lane masks (zeros beyond) and
   either stores whole vectors, when `spill` says the cells past its end belong to later rows
   of this thread's chunk (rewritten in order), or goes through a local copy. No masked store:
   slow on some CPUs. */
#define POOL_STEP(NAME, T, V, L, SUF, FIRST, DEINTERLEAVE)                              \
    static inline void NAME(const T *r0, const T *r1, T *y, unsigned char *id, int n,  \
                            int spill, V *nanv)                                         \
    {                                                                                   \
        V t0, t1, b0, b1;                                                               \
        if (n == L) {                                                                   \
            t0 = _mm256_loadu_##SUF(r0), t1 = _mm256_loadu_##SUF(r0 + L);               \
            b0 = _mm256_loadu_##SUF(r1), b1 = _mm256_loadu_##SUF(r1 + L);               \
        } else {                                                                        \
            __m256i m0 = FIRST(2 * n), m1 = FIRST(2 * n - L);                           \
            t0 = _mm256_maskload_##SUF(r0, m0), t1 = _mm256_maskload_##SUF(r0 + L, m1); \
            b0 = _mm256_maskload_##SUF(r1, m0), b1 = _mm256_maskload_##SUF(r1 + L, m1); \
        }                                                                               \
        V a, b, c, d; /* left and right cells of the top and bottom rows, window order */ \
        DEINTERLEAVE(t0, t1, a, b);                                                     \
        DEINTERLEAVE(b0, b1, c, d);                                                     \
        V rt = _mm256_cmp_##SUF(b, a, _CMP_GT_OQ), rb = _mm256_cmp_##SUF(d, c, _CMP_GT_OQ); \
        V top = _mm256_blendv_##SUF(a, b, rt), bottom = _mm256_blendv_##SUF(c, d, rb);  \
        V low = _mm256_cmp_##SUF(bottom, top, _CMP_GT_OQ);                              \
        V v = _mm256_blendv_##SUF(top, bottom, low);                                    \
        uint64_t taps = tap_bytes(_mm256_movemask_##SUF(low), _mm256_movemask_##SUF(rt), \
                                  _mm256_movemask_##SUF(rb));                           \
        if (n == L || spill) {                                                          \
            _mm256_storeu_##SUF(y, v);                                                  \
            memcpy(id, &taps, L);                                                       \
        } else {                                                                        \
            T out[L];                                                                   \
            _mm256_storeu_##SUF(out, v);                                                \
            memcpy(y, out, (size_t)n * sizeof(T));                                      \
            memcpy(id, &taps, (size_t)n);                                               \
        }                                                                               \
        *nanv = _mm256_or_##SUF(*nanv, _mm256_or_##SUF(_mm256_cmp_##SUF(a, b, _CMP_UNORD_Q), \
                                                       _mm256_cmp_##SUF(c, d, _CMP_UNORD_Q))); \
    }

/* (x0 y0 x1 y1 ...) in two vectors -> (x0 x1 ...), (y0 y1 ...) */
#define SPLIT_PS(P, Q, X, Y)                                                            \
    X = _mm256_castpd_ps(_mm256_permute4x64_pd(                                         \
        _mm256_castps_pd(_mm256_shuffle_ps(P, Q, 0x88)), 0xd8));                        \
    Y = _mm256_castpd_ps(_mm256_permute4x64_pd(                                         \
        _mm256_castps_pd(_mm256_shuffle_ps(P, Q, 0xdd)), 0xd8));
#define SPLIT_PD(P, Q, X, Y)                                                            \
    X = _mm256_permute4x64_pd(_mm256_unpacklo_pd(P, Q), 0xd8);                          \
    Y = _mm256_permute4x64_pd(_mm256_unpackhi_pd(P, Q), 0xd8);

POOL_STEP(pool8_f32, float, __m256, 8, ps, first32, SPLIT_PS)
POOL_STEP(pool4_f64, double, __m256d, 4, pd, first64, SPLIT_PD)

#define POOL(NAME, T, V, L, SUF, STEP)                                                  \
    static void NAME(job_t *j, int64_t p0, int64_t count)                               \
    {                                                                                   \
        const int64_t h = j->m, w = j->from_y, oh = h / 2, ow = w / 2;                  \
        const int64_t end = (p0 + count) * oh * ow; /* this chunk's windows */          \
        const T *X = (const T *)(const void *)j->x;                                     \
        T *Y = (T *)(void *)j->y;                                                       \
        V nanv = _mm256_setzero_##SUF();                                                \
        for (int64_t p = p0; p < p0 + count; p++)                                       \
            for (int64_t i = 0; i < oh; i++) {                                          \
                const T *r0 = X + (p * h + 2 * i) * w;                                  \
                const int64_t at = (p * oh + i) * ow;                                   \
                for (int64_t k = 0; k < ow; k += L) {                                   \
                    if (ow - k < L && ow >= L) k = ow - L;                              \
                    STEP(r0 + 2 * k, r0 + w + 2 * k, Y + at + k, j->skip + at + k,      \
                         ow - k < L ? (int)(ow - k) : L, end - at - k >= L, &nanv);     \
                }                                                                       \
            }                                                                           \
        if (_mm256_movemask_##SUF(nanv)) __atomic_store_n(&j->flag, 1, __ATOMIC_RELAXED); \
    }
POOL(pool_f32, float, __m256, 8, ps, pool8_f32)
POOL(pool_f64, double, __m256d, 4, pd, pool4_f64)

/* dx rows 2i (u = 0) and 2i + 1 (u = 1) of one plane: g where the tap is 2u (left) or 2u + 1
   (right), +0 elsewhere (a bitwise and with an all-ones or all-zeros mask: exact bits); short
   rows and tails as forward (spill: the next 2 L cells are later rows of this chunk) */
#define UNPOOL_STEP(NAME, T, V, L, SUF, TAPS, WIDEN, EQ, SET1, FIRST)                  \
    static inline void NAME(const T *g, const unsigned char *id, T *dx, int u, int n,   \
                            int spill, int read8)                                       \
    {                                                                                   \
        TAPS taps = 0; /* read8: 8 bytes of idx remain in the chunk */                  \
        if (n == L || read8) memcpy(&taps, id, L);                                      \
        else memcpy(&taps, id, (size_t)n);                                              \
        V gv = n == L ? _mm256_loadu_##SUF(g) : _mm256_maskload_##SUF(g, FIRST(n));     \
        __m256i t = WIDEN(taps);                                                        \
        V l = _mm256_and_##SUF(gv, _mm256_castsi256_##SUF(EQ(t, SET1(2 * u))));         \
        V r = _mm256_and_##SUF(gv, _mm256_castsi256_##SUF(EQ(t, SET1(2 * u + 1))));     \
        V lo = _mm256_unpacklo_##SUF(l, r), hi = _mm256_unpackhi_##SUF(l, r);           \
        T out[2 * L], *to = n == L || spill ? dx : out;                                 \
        _mm256_storeu_##SUF(to, _mm256_permute2f128_##SUF(lo, hi, 0x20));               \
        _mm256_storeu_##SUF(to + L, _mm256_permute2f128_##SUF(lo, hi, 0x31));           \
        if (to == out) memcpy(dx, out, (size_t)(2 * n) * sizeof(T));                    \
    }
#define WIDEN8(b) _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)(b)))
#define WIDEN4(b) _mm256_cvtepu8_epi64(_mm_cvtsi32_si128((int)(b)))
UNPOOL_STEP(unpool8_f32, float, __m256, 8, ps, uint64_t, WIDEN8, _mm256_cmpeq_epi32,
            _mm256_set1_epi32, first32)
UNPOOL_STEP(unpool4_f64, double, __m256d, 4, pd, uint32_t, WIDEN4, _mm256_cmpeq_epi64,
            _mm256_set1_epi64x, first64)

#define UNPOOL(NAME, T, L, STEP)                                                        \
    static void NAME(job_t *j, int64_t p0, int64_t count)                               \
    {                                                                                   \
        const int64_t h = j->m, w = j->from_y, oh = h / 2, ow = w / 2;                  \
        const int64_t end = (p0 + count) * h * w; /* this chunk's cells of dx */       \
        const int64_t ends = (p0 + count) * oh * ow; /* and its windows */             \
        const T *G = (const T *)(const void *)j->g;                                     \
        T *DX = (T *)(void *)j->y;                                                      \
        for (int64_t p = p0; p < p0 + count; p++) {                                     \
            for (int64_t i = 0; i < oh; i++)                                            \
                for (int u = 0; u < 2; u++) {                                           \
                    const int64_t row = (p * h + 2 * i + u) * w, at = (p * oh + i) * ow; \
                    for (int64_t k = 0; k < ow; k += L) {                               \
                        if (ow - k < L && ow >= L) k = ow - L;                          \
                        STEP(G + at + k, j->skip + at + k, DX + row + 2 * k, u,         \
                             ow - k < L ? (int)(ow - k) : L, end - row - 2 * k >= 2 * L, \
                             ends - at - k >= 8);                                       \
                    }                                                                   \
                    if (w & 1) DX[row + w - 1] = 0;                                     \
                }                                                                       \
            if (h & 1) memset(DX + (p * h + h - 1) * w, 0, (size_t)w * sizeof(T));      \
        }                                                                               \
    }
UNPOOL(unpool_f32, float, 8, unpool8_f32)
UNPOOL(unpool_f64, double, 4, unpool4_f64)

#pragma GCC pop_options

/* a C-contiguous buffer of `itemsize`-byte items (format f/d, or B for uint8) */
static int typed_buffer(PyObject *obj, Py_buffer *view, int writable, char kind)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (buffer_type(view) != kind) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "pooling kernels: expected a buffer of format '%c'", kind);
        return -1;
    }
    return 0;
}

/* shared by both entries: args (a, idx, b, h, w, split), a and b float32/float64 of one type;
   the (P, h, w) array is a forward (x) and b backward (dx) */
static PyObject *pool_call(PyObject *const *args, Py_ssize_t nargs, int forward)
{
    const char *sig = forward ? "maxpool2x2(x, y, idx, h, w, split)"
                              : "unpool2x2(dy, idx, dx, h, w, split)";
    if (!nargs_ok(nargs, 6, sig)) return NULL;
    int64_t h = PyLong_AsLongLong(args[3]), w = PyLong_AsLongLong(args[4]);
    int split = PyObject_IsTrue(args[5]);
    if (PyErr_Occurred() || split < 0) return NULL;
    /* forward: x (read), y (written), idx (written); backward: dy, dx (written), idx (read) */
    PyObject *fa = args[0], *fb = forward ? args[1] : args[2], *fi = forward ? args[2] : args[1];
    Py_buffer a, b, ix;
    if (PyObject_GetBuffer(fa, &a, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    char kind = buffer_type(&a);
    if ((kind != 'f' || a.itemsize != 4) && (kind != 'd' || a.itemsize != 8)) {
        PyBuffer_Release(&a);
        PyErr_SetString(PyExc_TypeError, "pooling kernels take float32 or float64 arrays");
        return NULL;
    }
    if (typed_buffer(fb, &b, 1, kind) < 0) {
        PyBuffer_Release(&a);
        return NULL;
    }
    if (typed_buffer(fi, &ix, !forward ? 0 : 1, 'B') < 0) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        return NULL;
    }
    Py_ssize_t big = forward ? a.len : b.len, small = forward ? b.len : a.len;
    int64_t plane = h * w, planes = plane > 0 ? (int64_t)(big / a.itemsize) / plane : 0;
    int64_t cells = planes * (h / 2) * (w / 2);
    if (h < 2 || w < 2 || planes * plane * a.itemsize != big || cells * a.itemsize != small ||
        ix.len != cells) {
        PyBuffer_Release(&a);
        PyBuffer_Release(&b);
        PyBuffer_Release(&ix);
        PyErr_Format(PyExc_ValueError, "%s: inconsistent sizes", sig);
        return NULL;
    }
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, spread_init);
    void *fn = forward ? (kind == 'f' ? (void *)pool_f32 : (void *)pool_f64)
                       : (kind == 'f' ? (void *)unpool_f32 : (void *)unpool_f64);
    /* about 16k elements of the big array per chunk */
    int64_t chunk = plane >= 16384 ? 1 : 16384 / plane;
    job_t job = {0};
    job.n = planes;
    job.chunk = chunk;
    job.kind = 5;
    job.m = h;
    job.from_y = w;
    job.fn = fn;
    job.g = forward ? NULL : (const float *)a.buf;
    job.x = forward ? (const float *)a.buf : NULL;
    job.y = (float *)b.buf;
    job.skip = (unsigned char *)ix.buf;
    Py_BEGIN_ALLOW_THREADS
    run_range(&job, split);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&ix);
    if (!forward) Py_RETURN_NONE;
    return PyBool_FromLong((long)job.flag);
}

PY_ENTRY(actlab_maxpool2x2, pool_call, 1)
PY_ENTRY(actlab_unpool2x2, pool_call, 0)
