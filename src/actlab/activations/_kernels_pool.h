/* The two-thread runner shared by _kernels.c (the Python entry points, ctypes),
   _kernels_pool.c (the helper thread) and the layer kernels (_kernels_maxpool.c,
   _kernels_im2col.c): kernel signatures, one call's job, and the entry points' shared helpers. */
#ifndef ACTLAB_KERNELS_POOL_H
#define ACTLAB_KERNELS_POOL_H

#include <stdint.h>

typedef void (*unary_t)(const float *, float *, int64_t, double, double);
typedef void (*binary_t)(const float *, const float *, float *, int64_t, double, double);
typedef int64_t (*rows_t)(const float *, float *, int64_t, int64_t, unsigned char *);
typedef int64_t (*rows_vjp_t)(const float *, const float *, float *, int64_t, int64_t,
                              unsigned char *, int64_t);
struct job;
typedef void (*range_t)(struct job *, int64_t, int64_t);

/* Kinds: 1 f/df (x, y, n), 2 vjp (g, x, y, n), 3 rows f (x, y, rows, m, skip),
   4 rows vjp (g, ref, y, rows, m, skip, from_y); chunks count elements (1, 2) or rows (3, 4);
   5 a range kernel fn(job, first, count) over units of its own (pooling planes: the job's
   pointers hold operands of its dtype, m and from_y the plane's sides or ctx its geometry, flag
   what it reports).
   next: the next unclaimed chunk; helper_done: set by the helper thread when it leaves the job.
   (_fast.py mirrors this layout as _Job.) */
typedef struct job {
    int64_t next, n, chunk, kind, m, from_y;
    void *fn;
    const float *g, *x;
    float *y;
    unsigned char *skip;
    double a, b;
    int64_t helper_done;
    int64_t flag;
    const void *ctx;
} job_t;

void run_job(job_t *j);
void run_split(job_t *j);
/* a kind-5 job over its j->n units: on two threads (run_split) or all here */
void run_range(job_t *j, int split);

/* elements from which an entry point releases the GIL; elements (or rows' worth) per chunk of a
   two-thread call (_fast.CHUNK) */
#define RELEASE_MIN 4096
#define SPLIT_CHUNK (1 << 14)

/* elements per chunk of a two-thread call over n elements: about 8 chunks, a multiple of 64
   (vector lanes as in one call), within [2048, SPLIT_CHUNK]: small calls stay balanced, large
   ones claim cache-sized pieces (row kernels: this many elements' worth of whole rows) */
static inline int64_t split_chunk(int64_t n)
{
    int64_t chunk = (n / 8 + 63) & ~(int64_t)63;
    return chunk < 2048 ? 2048 : chunk > SPLIT_CHUNK ? SPLIT_CHUNK : chunk;
}

#ifdef Py_PYTHON_H
int nargs_ok(Py_ssize_t nargs, Py_ssize_t want, const char *signature);

/* out = fn(x) (g NULL) or fn(g, x) over n elements, the GIL held on entry; split: two threads */
void run_elementwise(void *fn, const float *g, const float *x, float *out, int64_t n, double a,
                     double b, int split);

/* a METH_FASTCALL module function NAME that calls IMPL(args, nargs, ARG) */
#define PY_ENTRY(NAME, IMPL, ARG)                                                     \
    PyObject *NAME(PyObject *self, PyObject *const *args, Py_ssize_t nargs)          \
    {                                                                                \
        (void)self;                                                                  \
        return IMPL(args, nargs, ARG);                                               \
    }

/* a buffer's struct-module type letter ('f', 'd', 'B', ...) past a native byte-order prefix;
   0 for any other format (several items, another byte order) */
static inline char buffer_type(const Py_buffer *v)
{
    const char *f = v->format;
    if (f && (*f == '<' || *f == '=' || *f == '@')) f++;
    return f && f[0] && !f[1] ? f[0] : 0;
}
#endif

#endif
