/* The two-thread runner shared by _kernels.c (the Python entry points, ctypes) and
   _kernels_pool.c (the helper thread): kernel signatures and one call's job. */
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

#ifdef Py_PYTHON_H
int nargs_ok(Py_ssize_t nargs, Py_ssize_t want, const char *signature);

/* a METH_FASTCALL module function NAME that calls IMPL(args, nargs, ARG) */
#define PY_ENTRY(NAME, IMPL, ARG)                                                     \
    PyObject *NAME(PyObject *self, PyObject *const *args, Py_ssize_t nargs)          \
    {                                                                                \
        (void)self;                                                                  \
        return IMPL(args, nargs, ARG);                                               \
    }
#endif
void run_split(job_t *j);

#endif
