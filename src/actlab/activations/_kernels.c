/* Compiled float32 kernels for actlab's elementwise activations (optional; see _fast.py).

   Every kernel evaluates the same stable formula as its NumPy twin in classic.py / smooth.py /
   hard.py, eight lanes at a time with AVX2+FMA, calling glibc's libmvec vector functions by their
   x86_64 vector-ABI names (_ZGVdN8v_expf = expf on 8 floats, ...).  No -ffast-math: every lane
   that the vector formula cannot get right (non-finite input, a result that would pass through a
   subnormal intermediate, an overflowing intermediate) is recomputed by the scalar float64
   function s_<name> below, which also does the tails.  Those scalar functions *are* the semantics
   (kinks, limits at +-inf, NaN propagation); the vector code is their fast path.

   Accuracy budget (measured over the float32 line): libmvec erfcf <= 1.6 ulp, tanhf <= 1.1,
   log1pf <= 1.9 on [0, 1]; libmvec's expf (<= 2.6 ulp) is replaced by vexp (_kernels.h, <= 1.33
   ulp). Where a formula would stack further float32 roundings on those, or cancels (f' near its
   root for silu, gelu, mish), the algebra after the transcendental call is either done in
   float64 (the *2 drivers: two __m256d halves, rounded once) or in float32 with FMA-exact error
   terms (2Sum, Fast2Sum, fma(a, b, -ab)); arguments rounded to float32 before exp/erfc (beta x,
   the tanh-GELU cubic, x/sqrt 2) get a first-order correction for that rounding.
   tests/activations/test_fast_path.py checks every entry against the float64 NumPy path.

   Files: _kernels.h (vector helpers, vexp, loop drivers), this file (the elementwise entries and
   the Python entry points), _kernels_rows.c (softmax, log_softmax along rows), _kernels_pool.c
   (the two-thread job runner and its native helper thread), _kernels_maxpool.c (2 x 2 max
   pooling for nn/pool.py), _kernels_im2col.c (nn/conv.py's column matrices), _kernels_call.c
   (the public call's fast path: registry.Activation hands plain float32 calls straight to C).

   Exported C ABI (called through the module's apply1/apply2/split1/split2 below, or ctypes for
   the rows' two-thread jobs; all pointers to contiguous float32):
     void <name>_f(const float *x, float *y, int64_t n, double a, double b)
     void <name>_df(const float *x, float *y, int64_t n, double a, double b)
     void <name>_vjp(const float *g, const float *x, float *y, int64_t n, double a, double b)
     void copy_f(const float *x, float *y, int64_t n, double a, double b)  (identity forward)
   with y = f(x), y = f'(x), y = g * f'(x); a, b are the entry's parameters (alpha, beta, scale).
   y may be the same array as x or g (in place), never a partial overlap. Row kernels:
     int64_t {softmax,log_softmax}_rows_f(x, y, rows, m, unsigned char *skip)
     int64_t {softmax,log_softmax}_rows_vjp(g, x_or_y, out, rows, m, skip, int64_t from_y)
   void run_split(job_t *) runs any of them on two threads (_kernels_pool.c).
   int actlab_cpu_ok(void) says whether this CPU runs them (AVX2 and FMA). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "_kernels_pool.h"

/* ================================================================ the Python entry points
   apply1(fn, x, out, a, b) and apply2(fn, g, x, out, a, b) call one elementwise kernel (its
   address as an int, from ctypes) on one thread: the per-call path for small and medium arrays,
   about 0.3 us where ctypes costs several. Every array must be a C-contiguous float32 buffer of
   out's length (else TypeError/ValueError); the GIL is released from RELEASE_MIN elements.
   split1/split2 take the same arguments and run the kernel in chunks on this thread and the
   helper thread (run_split), for the large arrays. */


static int f32_buffer(PyObject *obj, Py_buffer *view, int writable)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (view->itemsize != 4 || buffer_type(view) != 'f') {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_TypeError, "compiled kernels take float32 arrays");
        return -1;
    }
    return 0;
}

/* whether a call got `want` arguments (else a TypeError naming the signature); shared with
   the other files' entry points (_kernels_pool.h) */
int nargs_ok(Py_ssize_t nargs, Py_ssize_t want, const char *signature)
{
    if (nargs == want) return 1;
    PyErr_Format(PyExc_TypeError, "%s takes %zd arguments, got %zd", signature, want, nargs);
    return 0;
}

/* out = fn(x) (g NULL) or fn(g, x) over n elements, with the GIL held on entry: on this thread
   (the GIL released from RELEASE_MIN elements) or, split, in chunks on this thread and the
   helper (run_split) */
void run_elementwise(void *fn, const float *g, const float *x, float *out, int64_t n, double a,
                     double b, int split)
{
    if (split) {
        job_t job = {0, n, split_chunk(n), g ? 2 : 1, 1, 0, fn, g, x, out, NULL, a, b, 0};
        Py_BEGIN_ALLOW_THREADS
        run_split(&job);
        Py_END_ALLOW_THREADS
    } else if (n >= RELEASE_MIN) {
        Py_BEGIN_ALLOW_THREADS
        if (g) ((binary_t)fn)(g, x, out, n, a, b);
        else ((unary_t)fn)(x, out, n, a, b);
        Py_END_ALLOW_THREADS
    } else if (g) {
        ((binary_t)fn)(g, x, out, n, a, b);
    } else {
        ((unary_t)fn)(x, out, n, a, b);
    }
}

static PyObject *apply_n(PyObject *const *args, Py_ssize_t nargs, int n_in, int split)
{
    if (!nargs_ok(nargs, n_in + 4, n_in == 1 ? "apply1/split1(fn, x, out, a, b)"
                                             : "apply2/split2(fn, g, x, out, a, b)"))
        return NULL;
    void *fn = PyLong_AsVoidPtr(args[0]);
    double a = PyFloat_AsDouble(args[n_in + 2]), b = PyFloat_AsDouble(args[n_in + 3]);
    if (PyErr_Occurred()) return NULL;
    Py_buffer v[3];
    int got = 0;
    for (; got <= n_in; got++)
        if (f32_buffer(args[got + 1], &v[got], got == n_in) < 0) goto fail;
    Py_ssize_t len = v[n_in].len;
    for (int i = 0; i < n_in; i++)
        if (v[i].len != len) {
            PyErr_SetString(PyExc_ValueError, "apply: arrays of different sizes");
            goto fail;
        }
    run_elementwise(fn, n_in == 1 ? NULL : (const float *)v[0].buf,
                    (const float *)v[n_in - 1].buf, (float *)v[n_in].buf, (int64_t)(len / 4), a,
                    b, split);
    for (int i = 0; i <= n_in; i++) PyBuffer_Release(&v[i]);
    Py_RETURN_NONE;
fail:
    for (int i = 0; i < got; i++) PyBuffer_Release(&v[i]);
    return NULL;
}

/* apply1, apply2 (one thread) and split1, split2 (two threads): apply_n with n_in, split */
#define APPLY_ENTRY(NAME, N_IN, SPLIT)                                                  \
    static PyObject *NAME(PyObject *self, PyObject *const *args, Py_ssize_t nargs)     \
    {                                                                                  \
        (void)self;                                                                    \
        return apply_n(args, nargs, N_IN, SPLIT);                                      \
    }
APPLY_ENTRY(apply1, 1, 0)
APPLY_ENTRY(apply2, 2, 0)
APPLY_ENTRY(split1, 1, 1)
APPLY_ENTRY(split2, 2, 1)

/* rows(fn, g, ref, out, m, from_y, skip) -> number of skipped rows: one softmax/log_softmax row
   kernel (f when g is None, else vjp) over out's rows of length m, on this thread; skip is a
   uint8 buffer with one byte per row. */

static PyObject *apply_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (!nargs_ok(nargs, 7, "rows(fn, g, ref, out, m, from_y, skip)")) return NULL;
    void *fn = PyLong_AsVoidPtr(args[0]);
    int64_t m = PyLong_AsLongLong(args[4]), from_y = PyLong_AsLongLong(args[5]);
    if (PyErr_Occurred()) return NULL;
    int vjp = args[1] != Py_None, first = vjp ? 1 : 2, got = first;
    Py_buffer v[4];
    for (; got < 4; got++)
        if (f32_buffer(args[got], &v[got], got == 3) < 0) goto fail;
    Py_buffer sk;
    if (PyObject_GetBuffer(args[6], &sk, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) goto fail;
    int64_t n = (int64_t)(v[3].len / 4), rows = m > 0 ? n / m : 0;
    int bad = m <= 0 || rows * m != n || sk.len < rows;
    for (int i = first; i < 3; i++) bad |= v[i].len != v[3].len;
    if (bad) {
        PyBuffer_Release(&sk);
        PyErr_SetString(PyExc_ValueError, "rows: inconsistent sizes");
        goto fail;
    }
    int64_t nskip;
    Py_BEGIN_ALLOW_THREADS
    if (vjp)
        nskip = ((rows_vjp_t)fn)((const float *)v[1].buf, (const float *)v[2].buf,
                                 (float *)v[3].buf, rows, m, (unsigned char *)sk.buf, from_y);
    else
        nskip = ((rows_t)fn)((const float *)v[2].buf, (float *)v[3].buf, rows, m,
                             (unsigned char *)sk.buf);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&sk);
    for (int i = first; i < 4; i++) PyBuffer_Release(&v[i]);
    return PyLong_FromLongLong(nskip);
fail:
    for (int i = first; i < got; i++) PyBuffer_Release(&v[i]);
    return NULL;
}

/* ============================================================== optimizer steps (one pass)
   sgd(p, g, v, lr, momentum, nesterov, split) and adam(p, g, mu, nu, b1, b2, eps_c, k, split)
   update float32 or float64 arrays in place with exactly NumPy's operations of nn/optim.py, in
   the same order and rounding (every constant rounded to the arrays' dtype first; no FMA
   contraction), but in one pass over memory instead of one per operation; v may be None
   (momentum 0). split (truthy) shares the elements between two threads (run_split kind 5):
   elementwise, so the same bits. */
typedef struct {
    void *a[4];  /* p, g and the state (v; mu, nu) */
    int size, nesterov;
    double lr, mom, b1, b2, eps_c, k;
} opt_ctx;

#define SGD_LOOP(T)                                                                     \
    {                                                                                   \
        T *P = (T *)c->a[0], *G = (T *)c->a[1], *Vv = (T *)c->a[2];                     \
        const T LR = (T)c->lr, M = (T)c->mom;                                           \
        if (!Vv) {                                                                      \
            for (int64_t i = lo; i < hi; i++) P[i] = P[i] - G[i] * LR;                  \
        } else if (c->nesterov) {                                                       \
            for (int64_t i = lo; i < hi; i++) {                                         \
                T v = Vv[i] * M;                                                        \
                v = v + G[i];                                                           \
                Vv[i] = v;                                                              \
                T t = v * M;                                                            \
                t = t + G[i];                                                           \
                P[i] = P[i] - t * LR;                                                   \
            }                                                                           \
        } else {                                                                        \
            for (int64_t i = lo; i < hi; i++) {                                         \
                T v = Vv[i] * M;                                                        \
                v = v + G[i];                                                           \
                Vv[i] = v;                                                              \
                P[i] = P[i] - v * LR;                                                   \
            }                                                                           \
        }                                                                               \
    }

#define ADAM_LOOP(T, SQRT)                                                              \
    {                                                                                   \
        T *P = (T *)c->a[0], *G = (T *)c->a[1], *MU = (T *)c->a[2];                     \
        T *NU = (T *)c->a[3];                                                           \
        const T B1 = (T)c->b1, B2 = (T)c->b2, E = (T)c->eps_c, K = (T)c->k;             \
        for (int64_t i = lo; i < hi; i++) {                                             \
            T g = G[i], mu = MU[i] * B1, nu = NU[i] * B2, sq = g * g;                   \
            mu = mu + g;                                                                \
            nu = nu + sq;                                                               \
            MU[i] = mu;                                                                 \
            NU[i] = nu;                                                                 \
            T t = SQRT(nu) + E;                                                         \
            t = mu / t;                                                                 \
            t = t * K;                                                                  \
            P[i] = P[i] - t;                                                            \
        }                                                                               \
    }

__attribute__((optimize("fp-contract=off")))
static void sgd_range(job_t *j, int64_t lo, int64_t count)
{
    const opt_ctx *c = (const opt_ctx *)j->ctx;
    int64_t hi = lo + count;
    if (c->size == 4) SGD_LOOP(float) else SGD_LOOP(double)
}

__attribute__((optimize("fp-contract=off")))
static void adam_range(job_t *j, int64_t lo, int64_t count)
{
    const opt_ctx *c = (const opt_ctx *)j->ctx;
    int64_t hi = lo + count;
    if (c->size == 4) ADAM_LOOP(float, sqrtf) else ADAM_LOOP(double, sqrt)
}

/* the n arrays as writable C-contiguous buffers of one float type (4 or 8) and one length */
static int float_buffers(PyObject *const *objs, int n, Py_buffer *b, int *itemsize)
{
    int got = 0;
    for (; got < n; got++) {
        if (PyObject_GetBuffer(objs[got], &b[got],
                               PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
            goto fail;
        char t = buffer_type(&b[got]);
        int ok = (t == 'f' && b[got].itemsize == 4) || (t == 'd' && b[got].itemsize == 8);
        if (!ok || b[got].len != b[0].len || b[got].itemsize != b[0].itemsize) {
            got++;
            PyErr_SetString(PyExc_TypeError, "optimizer step: float32 or float64 arrays of one "
                                             "dtype and size");
            goto fail;
        }
    }
    *itemsize = (int)b[0].itemsize;
    return 0;
fail:
    for (int i = 0; i < got; i++) PyBuffer_Release(&b[i]);
    return -1;
}

/* the step over the nb buffers' elements, on one thread or two */
static PyObject *opt_run(range_t fn, opt_ctx *c, Py_buffer *b, int nb, int split)
{
    int64_t n = (int64_t)(b[0].len / c->size);
    for (int i = 0; i < nb; i++) c->a[i] = b[i].buf;
    job_t job = {0};
    job.n = n;
    job.chunk = SPLIT_CHUNK;
    job.kind = 5;
    job.fn = (void *)fn;
    job.ctx = c;
    Py_BEGIN_ALLOW_THREADS
    run_range(&job, split);
    Py_END_ALLOW_THREADS
    for (int i = 0; i < nb; i++) PyBuffer_Release(&b[i]);
    Py_RETURN_NONE;
}

static PyObject *sgd_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (!nargs_ok(nargs, 7, "sgd(p, g, v, lr, momentum, nesterov, split)")) return NULL;
    opt_ctx c = {{NULL}, 0, 0, 0, 0, 0, 0, 0, 0};
    c.lr = PyFloat_AsDouble(args[3]);
    c.mom = PyFloat_AsDouble(args[4]);
    c.nesterov = PyObject_IsTrue(args[5]);
    int split = PyObject_IsTrue(args[6]);
    if (PyErr_Occurred() || c.nesterov < 0 || split < 0) return NULL;
    PyObject *objs[3] = {args[0], args[1], args[2]};
    int nb = args[2] == Py_None ? 2 : 3;
    Py_buffer b[3];
    if (float_buffers(objs, nb, b, &c.size) < 0) return NULL;
    return opt_run(sgd_range, &c, b, nb, split);
}

static PyObject *adam_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (!nargs_ok(nargs, 9, "adam(p, g, mu, nu, b1, b2, eps_c, k, split)")) return NULL;
    opt_ctx c = {{NULL}, 0, 0, 0, 0, 0, 0, 0, 0};
    c.b1 = PyFloat_AsDouble(args[4]);
    c.b2 = PyFloat_AsDouble(args[5]);
    c.eps_c = PyFloat_AsDouble(args[6]);
    c.k = PyFloat_AsDouble(args[7]);
    int split = PyObject_IsTrue(args[8]);
    if (PyErr_Occurred() || split < 0) return NULL;
    Py_buffer b[4];
    if (float_buffers(args, 4, b, &c.size) < 0) return NULL;
    return opt_run(adam_range, &c, b, 4, split);
}

/* 2 x 2 max pooling forward and backward (_kernels_maxpool.c) */
PyObject *actlab_maxpool2x2(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *actlab_unpool2x2(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
/* the convolutions' batch-inner column matrices (_kernels_im2col.c) */
PyObject *actlab_im2col(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *actlab_col2im(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *actlab_transpose(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
/* the public call's fast path (_kernels_call.c) */
PyObject *actlab_hot(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *actlab_call(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *actlab_call_vjp(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

static PyMethodDef kernels_methods[] = {
    {"apply1", (PyCFunction)(void (*)(void))apply1, METH_FASTCALL,
     "apply1(fn, x, out, a, b): out = fn(x) for contiguous float32 buffers"},
    {"apply2", (PyCFunction)(void (*)(void))apply2, METH_FASTCALL,
     "apply2(fn, g, x, out, a, b): out = fn(g, x) for contiguous float32 buffers"},
    {"split1", (PyCFunction)(void (*)(void))split1, METH_FASTCALL,
     "split1(fn, x, out, a, b): apply1 on two threads (this one and the helper), in chunks"},
    {"split2", (PyCFunction)(void (*)(void))split2, METH_FASTCALL,
     "split2(fn, g, x, out, a, b): apply2 on two threads (this one and the helper), in chunks"},
    {"rows", (PyCFunction)(void (*)(void))apply_rows, METH_FASTCALL,
     "rows(fn, g, ref, out, m, from_y, skip): softmax-family rows; returns the skipped count"},
    {"sgd", (PyCFunction)(void (*)(void))sgd_step, METH_FASTCALL,
     "sgd(p, g, v, lr, momentum, nesterov, split): one SGD step in place (v None: none)"},
    {"adam", (PyCFunction)(void (*)(void))adam_step, METH_FASTCALL,
     "adam(p, g, mu, nu, b1, b2, eps_c, k, split): one Adam step in place (optim.py's)"},
    {"maxpool2x2", (PyCFunction)(void (*)(void))actlab_maxpool2x2, METH_FASTCALL,
     "maxpool2x2(x, y, idx, h, w, split) -> NaN seen: 2 x 2 / stride 2 max pooling of planes"},
    {"unpool2x2", (PyCFunction)(void (*)(void))actlab_unpool2x2, METH_FASTCALL,
     "unpool2x2(dy, idx, dx, h, w, split): its backward (dy at each window's winner)"},
    {"im2col", (PyCFunction)(void (*)(void))actlab_im2col, METH_FASTCALL,
     "im2col(x, cols, geometry, split): a convolution's batch-inner column matrix"},
    {"col2im", (PyCFunction)(void (*)(void))actlab_col2im, METH_FASTCALL,
     "col2im(dcols, dx, geometry, split): the column gradients added back into dx"},
    {"transpose", (PyCFunction)(void (*)(void))actlab_transpose, METH_FASTCALL,
     "transpose(src, dst, rows, cols, split): dst = src.T, 4- or 8-byte items, bit for bit"},
    {"hot", (PyCFunction)(void (*)(void))actlab_hot, METH_FASTCALL,
     "hot(fn, kind, a, b, cheap, from_y, axis, split_at, ndarray, empty_like): a bound kernel "
     "for call/call_vjp"},
    {"call", (PyCFunction)(void (*)(void))actlab_call, METH_FASTCALL,
     "call(h, x, out) -> f(x), or None when the call is not plain float32"},
    {"call_vjp", (PyCFunction)(void (*)(void))actlab_call_vjp, METH_FASTCALL,
     "call_vjp(h, g, x, y, out) -> g f'(x), or None when the call is not plain float32"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef kernels_module = {PyModuleDef_HEAD_INIT, "_kernels",
                                            "actlab's compiled kernels (see _fast.py)", -1,
                                            kernels_methods, NULL, NULL, NULL, NULL};
/* ABI: bumped whenever an entry point's arguments change, so _fast.py refuses a stale build
   (an install that did not rebuild the extension) instead of failing in the middle of a call */
#define ACTLAB_KERNELS_ABI 3
PyMODINIT_FUNC PyInit__kernels(void)
{
    PyObject *m = PyModule_Create(&kernels_module);
    if (m && PyModule_AddIntConstant(m, "ABI", ACTLAB_KERNELS_ABI) < 0) Py_CLEAR(m);
    return m;
}

/* identity's forward: a copy, bit for bit (NaN payloads too), in chunks on two threads from
   _fast's split size (np.copyto below it) */
void copy_f(const float *x, float *y, int64_t n, double a, double b)
{
    (void)a, (void)b;
    if (x != y) memcpy(y, x, (size_t)n * sizeof(float));
}

/* Compiled for the baseline ISA so it can run (and say no) on any x86-64. */
int actlab_cpu_ok(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "_kernels.h"

/* ======================================================================== the entries */
/* Scalar float64 definitions first (s_*), then the vector fast paths (v_*). */

/* ----------------------------------------------------------------------------- identity */
static inline double s_identity(double x, const P *p) { (void)p; return x; }
static inline double s_didentity(double x, const P *p) { (void)p; return isnan(x) ? x : 1.0; }
static inline V v_identity(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return x; }
static inline V v_didentity(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return keep_nan(vf(1), x); }
ENTRY(identity, UNARY, 1)

/* ------------------------------------------------------------------------------ sigmoid */
static inline double s_sigmoid(double x, const P *p)
{
    (void)p;
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}
static inline double s_dsigmoid(double x, const P *p)
{
    (void)p;  /* sigma(x) sigma(-x) = e / (1 + e)^2, e = exp(-|x|) */
    double e = exp(-fabs(x)), t = 1.0 + e;
    return e / (t * t);
}
/* sigma from e = exp(-|z|): 1/(1+e) for z >= 0, e/(1+e) below; float64 halves */
static inline D2 sig2d(V z, D2 e)
{
    V pos = ge(z, vf(0));
    D one = vd(1);
    D nl = seld(mlo(pos), one, e.l), nh = seld(mhi(pos), one, e.h);
    D2 r = {_mm256_div_pd(nl, _mm256_add_pd(one, e.l)), _mm256_div_pd(nh, _mm256_add_pd(one, e.h))};
    return r;
}
static inline D2 sig2(V z, V e)
{
    D2 ed = {lo(e), hi(e)};
    return sig2d(z, ed);
}
/* e / (1 + e)^2 in float32, e in [0, 1]: (1 + e)^2 = 1 + e (e + 2), one FMA; e + 2 in [2, 3]
   is rounded by <= 2^-23 absolute, which moves the denominator by <= e 2^-23 <= 2^-25 relative
   to (1 + e)^2 (e / (1 + e)^2 <= 1/4), plus the FMA's rounding (<= 2^-24 relative). Measured
   over every float32 |x| <= 80 (sigmoid) and <= 40 (tanh, 4 e / (1 + e)^2): <= 2.38 ulp, the
   same maximum as the exactly-summed (Fast2Sum) denominator this replaced, with three dependent
   operations instead of six */
static inline V vdsig(V e)
{
    V d = _mm256_fmadd_ps(e, _mm256_add_ps(e, vf(2)), vf(1));
    return _mm256_div_ps(e, d);
}
/* sigma(z) = (z >= 0 ? 1 : e) / (1 + e) in float32 from e = e^{-|z|}; times x when given */
static inline V vsig(V z, V e) { return _mm256_div_ps(sel(ge(z, vf(0)), vf(1), e), _mm256_add_ps(vf(1), e)); }
static inline V vxsig(V x, V z, V e)
{
    return _mm256_div_ps(sel(ge(z, vf(0)), x, _mm256_mul_ps(x, e)), _mm256_add_ps(vf(1), e));
}
/* e^{-|bx|} from the rounded bx = fl(x af): times 1 - sgn(bx) d, d = x a - bx (FMA-exact part
   plus the rounding of a itself), the first-order correction */
static inline V vcorr(V e, V x, V bx, const P *p)
{
    if (p->a == 1.0) return e;
    V d = _mm256_fmadd_ps(x, vf(p->alo), _mm256_fmsub_ps(x, vf(p->af), bx));
    V sd = _mm256_xor_ps(d, _mm256_and_ps(bx, vf(-0.0f)));
    return _mm256_fnmadd_ps(e, sd, e);
}

/* e^{-|z|} where z is known in float64 (halves zl, zh) but only its rounding zf fits vexp:
   e^{-|zf|} (1 - sgn(z) (z - zf)), the first-order correction for the rounding of z. */
static inline D corr_h(D e, D zf, D z)
{
    D sd = _mm256_xor_pd(_mm256_sub_pd(z, zf), _mm256_and_pd(zf, vd(-0.0)));
    return _mm256_fnmadd_pd(e, sd, e);
}
static inline D2 expnabs2(V zf, D zl, D zh)
{
    V e = vexp(_mm256_sub_ps(vf(0), vabs(zf)));
    D2 r = {corr_h(lo(e), lo(zf), zl), corr_h(hi(e), hi(zf), zh)};
    return r;
}
static inline V v_sigmoid(V x, const P *p, V *ok)
{
    (void)p;  /* float32 algebra: <= 1/(1+e) + 1 ulp */
    *ok = ge(x, vf(-87));  /* below, sigma is subnormal; NaN and -inf go scalar too */
    V e = vexp_in(_mm256_max_ps(vf(-87.3f), _mm256_sub_ps(vf(0), vabs(x))));  /* +inf: e ~ 0 */
    return _mm256_div_ps(sel(ge(x, vf(0)), vf(1), e), _mm256_add_ps(vf(1), e));
}
static inline V v_dsigmoid(V x, const P *p, V *ok)
{
    (void)p;
    V ax = vabs(x);
    *ok = le(ax, vf(80));  /* beyond, f' is subnormal (and g * f' would lose digits); NaN too */
    return vdsig(vexp_in(_mm256_sub_ps(vf(0), ax)));
}
ENTRY(sigmoid, UNARY, 1)

/* --------------------------------------------------------------------------------- tanh */
static inline double s_tanh(double x, const P *p) { (void)p; return tanh(x); }
static inline double s_dtanh(double x, const P *p)
{
    (void)p;  /* sech^2 x = 4e / (1 + e)^2, e = exp(-2|x|): no 1 - tanh^2 cancellation */
    double e = exp(-2.0 * fabs(x)), t = 1.0 + e;
    return 4.0 * e / (t * t);
}
static inline V v_tanh(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return _ZGVdN8v_tanhf(x); }
static inline V v_dtanh(V x, const P *p, V *ok)
{
    (void)p;
    V ax = vabs(x);
    *ok = le(ax, vf(40));  /* NaN and |x| > 40 go scalar, so -2|x| is in vexp_in's domain */
    return _mm256_mul_ps(vf(4), vdsig(vexp_in(_mm256_mul_ps(vf(-2), ax))));
}
ENTRY(tanh, UNARY, 1)

/* ----------------------------------------------------------------- the ReLU family, clips */
/* f'(x) = 1 on (lo, hi) (open), 0 elsewhere and at the ends, NaN for NaN */
static inline double box(double x, double l, double h, double slope)
{
    return isnan(x) ? x : (x > l && x < h) ? slope : 0.0;
}
static inline V vbox(V x, float l, float h, float slope)
{
    V in = _mm256_and_ps(gt(x, vf(l)), lt(x, vf(h)));
    return keep_nan(_mm256_and_ps(in, vf(slope)), x);
}
/* clip with NaN propagation: max_ps/min_ps return their second operand when one is NaN */
static inline V vclip(V x, float l, float h) { return _mm256_min_ps(vf(h), _mm256_max_ps(vf(l), x)); }
static inline double clip(double x, double l, double h) { return isnan(x) ? x : x < l ? l : x > h ? h : x; }

static inline double s_relu(double x, const P *p) { (void)p; return isnan(x) ? x : x > 0 ? x : 0.0; }
static inline double s_drelu(double x, const P *p) { (void)p; return isnan(x) ? x : x > 0 ? 1.0 : 0.0; }
static inline V v_relu(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return _mm256_max_ps(vf(0), x); }
static inline V v_drelu(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return keep_nan(_mm256_and_ps(gt(x, vf(0)), vf(1)), x); }
ENTRY(relu, UNARY, 1)

static inline double s_leaky_relu(double x, const P *p) { return x > 0 ? x : p->a * x; }
static inline double s_dleaky_relu(double x, const P *p) { return isnan(x) ? x : x > 0 ? 1.0 : p->a; }
static inline V v_leaky_relu(V x, const P *p, V *ok)
{
    *ok = all_ok();
    return sel(gt(x, vf(0)), x, _mm256_mul_ps(vf(p->af), x));
}
static inline V v_dleaky_relu(V x, const P *p, V *ok)
{
    *ok = all_ok();
    return keep_nan(sel(gt(x, vf(0)), vf(1), vf(p->af)), x);
}
ENTRY(leaky_relu, UNARY, 1)

static inline double s_relu6(double x, const P *p) { (void)p; return clip(x, 0.0, 6.0); }
static inline double s_drelu6(double x, const P *p) { (void)p; return box(x, 0.0, 6.0, 1.0); }
static inline V v_relu6(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return vclip(x, 0, 6); }
static inline V v_drelu6(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return vbox(x, 0, 6, 1); }
ENTRY(relu6, UNARY, 1)

static inline double s_hard_tanh(double x, const P *p) { (void)p; return clip(x, -1.0, 1.0); }
static inline double s_dhard_tanh(double x, const P *p) { (void)p; return box(x, -1.0, 1.0, 1.0); }
static inline V v_hard_tanh(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return vclip(x, -1, 1); }
static inline V v_dhard_tanh(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return vbox(x, -1, 1, 1); }
ENTRY(hard_tanh, UNARY, 1)

/* relu6(x + 3) / 6; the float32 path multiplies by the rounded 1/6 (<= 1.5 ulp in all) */
static inline double s_hard_sigmoid(double x, const P *p) { (void)p; return clip(x + 3.0, 0.0, 6.0) / 6.0; }
static inline double s_dhard_sigmoid(double x, const P *p) { (void)p; return box(x, -3.0, 3.0, 1.0 / 6.0); }
static inline V vhsig(V x) { return _mm256_mul_ps(vclip(_mm256_add_ps(x, vf(3)), 0, 6), vf(1.0f / 6.0f)); }
static inline V v_hard_sigmoid(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return vhsig(x); }
static inline V v_dhard_sigmoid(V x, const P *p, V *ok) { (void)p; *ok = all_ok(); return vbox(x, -3, 3, 1.0f / 6.0f); }
ENTRY(hard_sigmoid, UNARY, 1)

/* x relu6(x + 3) / 6; f(-inf) = 0 (the limit; x * 0 would be NaN) */
static inline double s_hard_swish(double x, const P *p)
{
    return x == -INFINITY ? -0.0 : x * s_hard_sigmoid(x, p);
}
static inline double s_dhard_swish(double x, const P *p)
{
    (void)p;  /* 0 for x <= -3, (2x + 3)/6 inside, 1 for x >= 3 (jax.nn's kinks) */
    return isnan(x) ? x : x <= -3.0 ? 0.0 : x >= 3.0 ? 1.0 : (2.0 * x + 3.0) / 6.0;
}
static inline V v_hard_swish(V x, const P *p, V *ok)
{
    (void)p;
    *ok = gt(x, vf(-INFINITY));  /* -inf (and NaN) go to the scalar path */
    return _mm256_mul_ps(x, vhsig(x));
}
static inline V v_dhard_swish(V x, const P *p, V *ok)
{
    (void)p;
    *ok = all_ok();
    V mid = _mm256_mul_ps(_mm256_fmadd_ps(x, vf(2), vf(3)), vf(1.0f / 6.0f));
    V r = sel(le(x, vf(-3)), vf(0), sel(ge(x, vf(3)), vf(1), mid));
    return r;  /* NaN: both comparisons false, mid is NaN */
}
ENTRY(hard_swish, UNARY, 1)

/* ----------------------------------------------------------------------------- softsign */
static inline double s_softsign(double x, const P *p)
{
    (void)p;
    return isinf(x) ? copysign(1.0, x) : x / (1.0 + fabs(x));
}
static inline double s_dsoftsign(double x, const P *p)
{
    (void)p;
    double t = 1.0 + fabs(x);
    return 1.0 / (t * t);
}
static inline V v_softsign(V x, const P *p, V *ok)
{
    (void)p;
    *ok = lt(vabs(x), vf(INFINITY));
    return _mm256_div_ps(x, _mm256_add_ps(vf(1), vabs(x)));
}
static inline D dsoftsign_h(D ax)
{
    D t = _mm256_add_pd(vd(1), ax);  /* exact in float64 */
    return _mm256_div_pd(vd(1), _mm256_mul_pd(t, t));
}
static inline D2 v_dsoftsign(V x, const P *p, V *ok)
{
    (void)p;  /* float64 algebra: float32's 1 + |x| rounding costs up to 3.5 ulp just below 1 */
    V ax = vabs(x);
    *ok = lt(ax, vf(INFINITY));
    D2 r = {dsoftsign_h(lo(ax)), dsoftsign_h(hi(ax))};
    return r;
}
ENTRY(softsign, UNARY, 2)

/* --------------------------------------------------------------------- silu x sigma(bx) */
static inline double s_silu(double x, const P *p)
{
    if (x == -INFINITY) return 0.0;
    return x * s_sigmoid(x * p->a, p);
}
static inline double s_dsilu(double x, const P *p)
{
    if (isinf(x)) return x > 0 ? 1.0 : 0.0;
    double bx = x * p->a;  /* sigma(bx) (1 + bx sigma(-bx)) */
    return s_sigmoid(bx, p) * (1.0 + bx * s_sigmoid(-bx, p));
}
static inline V v_silu(V x, const P *p, V *ok)
{
    V bx = _mm256_mul_ps(x, vf(p->af));
    /* below -80 sigma(bx) is subnormal; NaN, +-inf and an overflowing bx go scalar too */
    *ok = _mm256_and_ps(ge(bx, vf(-80)), lt(bx, vf(INFINITY)));
    /* -|bx| clamped to vexp_in's domain: beyond, e ~ 1e-38 leaves x / (1 + e) = x */
    V e = vexp_in(_mm256_max_ps(vf(-87.0f), _mm256_or_ps(bx, vf(-0.0f))));
    return vxsig(x, bx, vcorr(e, x, bx, p));  /* float32 algebra: <= 2.5 ulp */
}
/* f' = s (1 + z t) (z = beta x, s = sigma(z), t = sigma(-z)) over the common denominator
   (1 + e)^2, e = e^{-|z|}:
     z >= 0:  f' = (1 + e (1 + z)) / (1 + e)^2,   all terms positive, e (1 + z) one FMA;
     z <  0:  f' = e ((1 + z) + e) / (1 + e)^2,   where 1 + z is exact for z <= -0.5 (z's ulp
   is at least 1's there), so the cancellation near the root z = -1.278 is one rounded
   addition and what remains is vexp's error, amplified no more than the conditioning
   |x f''/f'| that the exactness bound allows for. z = fl(beta x) is corrected to first order:
   e by vcorr's factor, the numerators by d = beta x - z (d e; e + d in the bracket). One
   division in float32 algebra: over 3.5M float32 inputs in [-30, 30] (dense near the root)
   max err / bound 0.69 (<= 2.9 ulp where the bound is 4), against 0.51 for the double-word
   form this replaced at twice the cost. */
static inline V dsilu_nd(V x, const P *p, V *ok, V *den)
{
    V z = _mm256_mul_ps(x, vf(p->af)), pos = ge(z, vf(0));
    *ok = _mm256_and_ps(ge(z, vf(-80)), lt(z, vf(INFINITY)));
    /* e^{-|z|}, 0 for z > 80 (f' = 1 in float32; e^-87 times a huge z would not vanish) */
    V e = vexp_in(_mm256_max_ps(vf(-87.0f), _mm256_or_ps(z, vf(-0.0f))));
    e = _mm256_andnot_ps(gt(z, vf(80)), e);
    V ez = _mm256_fmadd_ps(z, e, e), en = e;  /* e (1 + z) in one rounding; e */
    if (p->a != 1.0) {
        V d = _mm256_fmadd_ps(x, vf(p->alo), _mm256_fmsub_ps(x, vf(p->af), z));
        e = _mm256_fnmadd_ps(e, _mm256_xor_ps(d, _mm256_and_ps(z, vf(-0.0f))), e);
        ez = _mm256_fmadd_ps(d, e, _mm256_fmadd_ps(z, e, e));
        en = _mm256_add_ps(e, d);
    }
    V np = _mm256_add_ps(vf(1), ez);
    V nn = _mm256_mul_ps(e, _mm256_add_ps(_mm256_add_ps(vf(1), z), en));
    *den = _mm256_fmadd_ps(e, _mm256_add_ps(e, vf(2)), vf(1));
    return sel(pos, np, nn);
}
static inline V v_dsilu(V x, const P *p, V *ok)
{
    V den, num = dsilu_nd(x, p, ok, &den);
    return _mm256_div_ps(num, den);
}
UNARY(silu_f, v_silu, s_silu)
UNARY(silu_df, v_dsilu, s_dsilu)
VJP(silu_vjp, v_dsilu, s_dsilu)

/* ----------------------------------------------------------------------- gelu x Phi(x) */
#define INV_SQRT_2PI 0.398942280401432677939946059934
static inline double s_gelu(double x, const P *p)
{
    (void)p;
    if (x == -INFINITY) return 0.0;
    return x * (0.5 * erfc(-x * M_SQRT1_2));
}
static inline double s_dgelu(double x, const P *p)
{
    (void)p;  /* Phi(x) + x phi(x) */
    if (isinf(x)) return x > 0 ? 1.0 : 0.0;
    return 0.5 * erfc(-x * M_SQRT1_2) + x * exp(-0.5 * x * x) * INV_SQRT_2PI;
}
/* The staged part: c = erfc(w), w = fl(|x|/sqrt 2), so Phi(x) = c/2 for x < 0 and 1 - c/2 for
   x >= 0 (up to w's rounding). erfc of a positive argument is below 1, where its 1.6-ulp error
   is half as large in absolute terms as erfc's of the negative argument near 1..2. */
#define W_HI ((float)M_SQRT1_2)
#define W_LO ((float)(M_SQRT1_2 - (double)W_HI))
static inline V st_gelu(V x, const P *p)
{
    (void)p;
    return _ZGVdN8v_erfcf(_mm256_mul_ps(vabs(x), vf(W_HI)));
}
static inline V v_gelu(V x, V c, const P *p, V *ok)
{
    (void)p;  /* x c/2 (x < 0), x - x c/2 (x >= 0, one FMA rounding) */
    /* Phi(x) is normal above -12.5; +inf would give inf - inf */
    *ok = _mm256_and_ps(ge(x, vf(-12.5f)), lt(x, vf(INFINITY)));
    V h = _mm256_mul_ps(vf(0.5f), c);
    return sel(ge(x, vf(0)), _mm256_fnmadd_ps(x, h, x), _mm256_mul_ps(x, h));
}
/* Phi + x phi in float32 without losing the cancellation near the root x = -0.7518:
   phi = e C (1 - lo/2) (e = e^{-hi/2}, x^2 = hi + lo exactly, C = 1/sqrt(2 pi) = Ch + Cl) is
   split as ph + pl (ph = fl(e Ch), pl its FMA-exact rounding error and the other small terms);
   Phi = c/2 (x < 0) or 1 - c/2 (x >= 0), corrected by -+sqrt(2) phi dw for the rounding of
   w (dw = |x|/sqrt 2 - w). Then f' = fma(x, ph, +-c/2) [+ 1] + (x pl +- sqrt(2) ph dw): the FMA
   is exact up to its own rounding (the + 1 is a Fast2Sum), so only erfcf's and vexp's errors
   remain, as with float64 algebra; the result is returned unrounded as h + l. */
#define C_HI ((float)INV_SQRT_2PI)
#define C_LO ((float)(INV_SQRT_2PI - (double)C_HI))
static inline V2 v_dgelu2(V x, V c, const P *p, V *ok)
{
    (void)p;
    *ok = _mm256_and_ps(ge(x, vf(-12.5f)), le(x, vf(1e4f)));
    V ax = vabs(x), pos = ge(x, vf(0)), sgn = _mm256_andnot_ps(pos, vf(-0.0f));  /* x < 0 */
    V w = _mm256_mul_ps(ax, vf(W_HI));
    V dw = _mm256_fmadd_ps(ax, vf(W_LO), _mm256_fmsub_ps(ax, vf(W_HI), w));
    V sq = _mm256_mul_ps(x, x), sqlo = _mm256_fmsub_ps(x, x, sq);
    V e = vexp(_mm256_mul_ps(vf(-0.5f), sq));
    V ph = _mm256_mul_ps(e, vf(C_HI));
    V pl = _mm256_fmadd_ps(e, vf(C_LO), _mm256_fmsub_ps(e, vf(C_HI), ph));
    pl = _mm256_fnmadd_ps(_mm256_mul_ps(ph, vf(0.5f)), sqlo, pl);
    V corr = _mm256_xor_ps(_mm256_mul_ps(_mm256_mul_ps(vf((float)M_SQRT2), ph), dw), sgn);
    V small = _mm256_fmadd_ps(x, pl, corr);
    V hc = _mm256_xor_ps(_mm256_mul_ps(vf(0.5f), c), _mm256_and_ps(pos, vf(-0.0f)));
    V u = _mm256_fmadd_ps(x, ph, hc);  /* x ph + c/2 (x < 0) or x ph - c/2 (x >= 0) */
    V h1 = _mm256_add_ps(vf(1), u), e1 = _mm256_add_ps(_mm256_sub_ps(vf(1), h1), u);
    V2 r = {sel(pos, h1, u), sel(pos, _mm256_add_ps(e1, small), small)};
    return r;
}
static inline V v_dgelu(V x, V cdf2, const P *p, V *ok)
{
    V2 r = v_dgelu2(x, cdf2, p, ok);
    return _mm256_add_ps(r.h, r.l);
}
/* g f' = fma(g, h, g l): one rounding, as from float64 (f' rounded first could cost 2x its
   error in ulp of the product's binade) */
static inline V v_vjp_gelu(V g, V x, V cdf2, const P *p, V *ok)
{
    V2 r = v_dgelu2(x, cdf2, p, ok);
    return _mm256_fmadd_ps(g, r.h, _mm256_mul_ps(g, r.l));
}
UNARY_S(gelu_f, st_gelu, v_gelu, s_gelu)
UNARY_S(gelu_df, st_gelu, v_dgelu, s_dgelu)
VJP_S(gelu_vjp, st_gelu, v_vjp_gelu, s_dgelu)

/* ------------------------------------------- gelu, tanh approximation: x sigma(2u) */
#define GELU_TANH_C 0.044715
#define TWO_SQRT_2_OVER_PI 1.5957691216057307117597842397375  /* 2 sqrt(2/pi) */
static inline double gelu_2u(double x) { return TWO_SQRT_2_OVER_PI * x * (1.0 + GELU_TANH_C * x * x); }
static inline double s_gelu_tanh(double x, const P *p)
{
    if (x == -INFINITY) return 0.0;
    return x * s_sigmoid(gelu_2u(x), p);
}
static inline double s_dgelu_tanh(double x, const P *p)
{
    if (isinf(x)) return x > 0 ? 1.0 : 0.0;
    double u2 = gelu_2u(x), s = s_sigmoid(u2, p), t = s_sigmoid(-u2, p);
    double du = TWO_SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_C * x * x);
    return s + x * s * t * du;
}
/* 2u in float64, rounded once to float32 for expf */
static inline D u2_h(D x)
{
    D x2 = _mm256_mul_pd(x, x);
    return _mm256_mul_pd(_mm256_mul_pd(vd(TWO_SQRT_2_OVER_PI), x), _mm256_fmadd_pd(vd(GELU_TANH_C), x2, vd(1)));
}
static inline V v_gelu_tanh(V x, const P *p, V *ok)
{
    (void)p;
    D ul = u2_h(lo(x)), uh = u2_h(hi(x));
    V u2 = pack(ul, uh), d = pack(_mm256_sub_pd(ul, lo(u2)), _mm256_sub_pd(uh, hi(u2)));
    *ok = _mm256_and_ps(ge(u2, vf(-80)), lt(u2, vf(INFINITY)));
    V e = vexp(_mm256_sub_ps(vf(0), vabs(u2)));
    e = _mm256_fnmadd_ps(e, _mm256_xor_ps(d, _mm256_and_ps(u2, vf(-0.0f))), e);
    return vxsig(x, u2, e);
}
static inline D dgelu_tanh_h(D x, D e, D pos)
{
    D one = vd(1);
    D q = _mm256_div_pd(one, _mm256_add_pd(one, e)), eq = _mm256_mul_pd(e, q);
    D s = seld(pos, q, eq), t = seld(pos, eq, q);
    D du = _mm256_mul_pd(vd(TWO_SQRT_2_OVER_PI), _mm256_fmadd_pd(vd(3 * GELU_TANH_C), _mm256_mul_pd(x, x), one));
    return _mm256_fmadd_pd(_mm256_mul_pd(_mm256_mul_pd(x, s), t), du, s);
}
static inline D2 v_dgelu_tanh(V x, const P *p, V *ok)
{
    (void)p;
    D xl = lo(x), xh = hi(x), ul = u2_h(xl), uh = u2_h(xh);
    V u2 = pack(ul, uh), pos = ge(u2, vf(0));
    *ok = _mm256_and_ps(ge(u2, vf(-80)), lt(u2, vf(INFINITY)));
    D2 e = expnabs2(u2, ul, uh);
    D2 r = {dgelu_tanh_h(xl, e.l, mlo(pos)), dgelu_tanh_h(xh, e.h, mhi(pos))};
    return r;
}
ENTRY(gelu_tanh, UNARY, 2)

/* ---------------------------------------------------- elu (a = alpha, b = scale: selu) */
static inline double s_elu(double x, const P *p) { return x > 0 ? p->b * x : p->b * (p->a * expm1(x)); }
static inline double s_delu(double x, const P *p) { return x > 0 ? p->b : p->b * (p->a * exp(x)); }
static inline V v_elu(V x, const P *p, V *ok)
{
    *ok = all_ok();  /* min_ps(0, NaN) is NaN; expm1f(-inf) = -1 */
    V em = vexpm1(_mm256_min_ps(vf(0), x));
    V pos = p->b == 1.0 ? x : _mm256_mul_ps(vf(p->bf), x);
    return sel(gt(x, vf(0)), pos, _mm256_mul_ps(vf(p->abf), em));
}
static inline V v_delu(V x, const P *p, V *ok)
{
    *ok = ge(x, vf(-80));  /* float32 algebra: vexp 1.33 ulp, alpha scale and product 1 */
    V e = vexp(_mm256_min_ps(vf(0), x));
    return sel(gt(x, vf(0)), vf(p->bf), _mm256_mul_ps(vf(p->abf), e));
}
ENTRY(elu, UNARY, 1)

/* --------------------------------------------------------------------------- celu (a) */
static inline double s_celu(double x, const P *p) { return x > 0 ? x : p->a * expm1(x / p->a); }
static inline double s_dcelu(double x, const P *p) { return x > 0 ? 1.0 : exp(x / p->a); }
/* min(x, 0)/alpha in float64 (as a product with 1/alpha), rounded once */
static inline V celu_t(V x, const P *p)
{
    V m = _mm256_min_ps(vf(0), x);
    if (p->a == 1.0) return m;
    D ai = vd(p->ainv);
    return pack(_mm256_mul_pd(lo(m), ai), _mm256_mul_pd(hi(m), ai));
}
static inline D2 v_celu(V x, const P *p, V *ok)
{
    *ok = all_ok();
    V em = vexpm1(celu_t(x, p)), pos = gt(x, vf(0));
    D a = vd(p->a);
    D2 r = {seld(mlo(pos), lo(x), _mm256_mul_pd(a, lo(em))), seld(mhi(pos), hi(x), _mm256_mul_pd(a, hi(em)))};
    return r;
}
static inline V v_dcelu(V x, const P *p, V *ok)
{
    V t = celu_t(x, p);
    *ok = ge(t, vf(-80));
    return sel(gt(x, vf(0)), vf(1), vexp(t));
}
ENTRY(celu, UNARY2, 1)

/* --------------------------------------------------- softplus log(1 + e^{bx})/b, log_sigmoid */
static inline double s_softplus(double x, const P *p)
{
    /* max(x, 0) + log1p(e^{-|bx|}) / b: logaddexp's form, b outside the max (bx may overflow) */
    return (x > 0 ? x : 0.0) + log1p(exp(-fabs(x * p->a))) / p->a;
}
static inline double s_dsoftplus(double x, const P *p) { return s_sigmoid(x * p->a, p); }
/* max(x, 0) + log1p(e^{-|z|}) / b in float64 halves; z = fl(b x) (vcorr corrects e for its
   rounding; b = 1: z = x exactly) */
/* the staged part: log1p(e^{-|bx|}), bx = fl(b x), e corrected for that rounding (vcorr) */
static inline V st_softplus(V x, const P *p)
{
    V bx = _mm256_mul_ps(x, vf(p->af));
    return _ZGVdN8v_log1pf(vcorr(vexp(_mm256_sub_ps(vf(0), vabs(bx))), x, bx, p));
}
static inline D2 v_softplus(V x, V l, const P *p, V *ok)
{
    V bx = _mm256_mul_ps(x, vf(p->af));
    /* below -80, log1p(e) / b would come from a subnormal e; +inf: no rounding to correct */
    *ok = _mm256_and_ps(ge(bx, vf(-80)), lt(bx, vf(INFINITY)));
    V m = _mm256_max_ps(x, vf(0));
    D bi = vd(p->ainv);
    D2 r = {_mm256_fmadd_pd(lo(l), bi, lo(m)), _mm256_fmadd_pd(hi(l), bi, hi(m))};
    return r;
}
static inline V v_dsoftplus(V x, const P *p, V *ok)
{
    V bx = _mm256_mul_ps(x, vf(p->af));
    *ok = _mm256_and_ps(ge(bx, vf(-80)), lt(bx, vf(INFINITY)));
    return vsig(bx, vcorr(vexp(_mm256_sub_ps(vf(0), vabs(bx))), x, bx, p));
}
UNARY2_S(softplus_f, st_softplus, v_softplus, s_softplus)
UNARY(softplus_df, v_dsoftplus, s_dsoftplus)
VJP(softplus_vjp, v_dsoftplus, s_dsoftplus)

static inline double s_log_sigmoid(double x, const P *p)
{
    (void)p;
    return -((x < 0 ? -x : 0.0) + log1p(exp(-fabs(x))));
}
static inline double s_dlog_sigmoid(double x, const P *p) { return s_sigmoid(-x, p); }
static inline V st_log_sigmoid(V x, const P *p)
{
    (void)p;
    return _ZGVdN8v_log1pf(vexp(_mm256_sub_ps(vf(0), vabs(x))));
}
static inline D2 v_log_sigmoid(V x, V l, const P *p, V *ok)
{
    (void)p;  /* -(max(-x, 0) + log1p(e^{-|x|})) */
    *ok = le(x, vf(80));
    V m = _mm256_max_ps(_mm256_sub_ps(vf(0), x), vf(0));
    D2 r = {_mm256_sub_pd(_mm256_sub_pd(vd(0), lo(m)), lo(l)),
            _mm256_sub_pd(_mm256_sub_pd(vd(0), hi(m)), hi(l))};
    return r;
}
static inline V v_dlog_sigmoid(V x, const P *p, V *ok)
{
    (void)p;
    V nx = _mm256_sub_ps(vf(0), x);
    *ok = ge(nx, vf(-80));
    return vsig(nx, vexp(_mm256_sub_ps(vf(0), vabs(x))));
}
UNARY2_S(log_sigmoid_f, st_log_sigmoid, v_log_sigmoid, s_log_sigmoid)
UNARY(log_sigmoid_df, v_dlog_sigmoid, s_dlog_sigmoid)
VJP(log_sigmoid_vjp, v_dlog_sigmoid, s_dlog_sigmoid)

/* -------------------------------------------------------------- mish x tanh(softplus x) */
static inline double s_mish(double x, const P *p)
{
    (void)p;
    if (x == -INFINITY) return 0.0;
    return x * tanh((x > 0 ? x : 0.0) + log1p(exp(-fabs(x))));
}
static inline double s_dmish(double x, const P *p)
{
    if (isinf(x)) return x > 0 ? 1.0 : 0.0;
    if (x <= 0) {  /* the form without cancellation at the root -1.19 (see mish_df_h) */
        double w = exp(x), d = w * (w + 2.0) + 2.0;
        return 4.0 * w * ((x + 1.0) + w * ((x + 1.5) + w * (1.0 + 0.25 * w))) / (d * d);
    }
    double sp = x + log1p(exp(-x)), c = cosh(sp);
    return tanh(sp) + x / (c * c) * s_sigmoid(x, p);
}
/* With e = exp(-|x|) and n = e^x (e^x + 2):  tanh(softplus x) = n / (n + 2)
     x >= 0:  (1 + 2e) / (1 + 2e + 2e^2),      x sech^2 sigma = 4x e^2 (1 + e) / (1 + 2e + 2e^2)^2
     x <  0:  e (e + 2) / (e^2 + 2e + 2),      x sech^2 sigma = 4x e (1 + e) / (e^2 + 2e + 2)^2   */
static inline void mish_h(D e, D pos, D *num, D *den)
{
    D one = vd(1), two = vd(2), e2 = _mm256_mul_pd(e, e);
    D np = _mm256_fmadd_pd(two, e, one), nn = _mm256_mul_pd(e, _mm256_add_pd(e, two));
    *num = seld(pos, np, nn);
    *den = _mm256_add_pd(seld(pos, _mm256_fmadd_pd(two, e2, np), nn), seld(pos, vd(0), two));
}
static inline D mish_f_h(D x, D e, D pos)
{
    D num, den;
    mish_h(e, pos, &num, &den);
    return _mm256_div_pd(_mm256_mul_pd(x, num), den);
}
static inline D mish_df_h(D x, D e, D pos)
{
    /* x >= 0: T + x sech^2 sigma, both positive. x < 0, e = e^x: the sum over a common
       denominator, 4e((x + 1) + e((x + 1.5) + e(1 + e/4))) / (e^2 + 2e + 2)^2, where x + 1 and
       x + 1.5 are exact: no cancellation at the root x = -1.19. */
    D num, den;
    mish_h(e, pos, &num, &den);
    D one = vd(1), e2 = _mm256_mul_pd(e, e);
    D r = _mm256_div_pd(one, den);
    D g = _mm256_mul_pd(_mm256_mul_pd(vd(4), x), _mm256_mul_pd(e2, _mm256_add_pd(one, e)));
    D fpos = _mm256_mul_pd(r, _mm256_fmadd_pd(g, r, num));
    D poly = _mm256_fmadd_pd(vd(0.25), e, one);
    poly = _mm256_fmadd_pd(e, poly, _mm256_add_pd(x, vd(1.5)));
    poly = _mm256_fmadd_pd(e, poly, _mm256_add_pd(x, one));
    D fneg = _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(vd(4), e), poly), _mm256_mul_pd(r, r));
    return seld(pos, fpos, fneg);
}
static inline D2 v_mish(V x, const P *p, V *ok)
{
    (void)p;
    *ok = ge(x, vf(-80));
    V e = vexp(_mm256_sub_ps(vf(0), vabs(x))), pos = ge(x, vf(0));
    D2 r = {mish_f_h(lo(x), lo(e), mlo(pos)), mish_f_h(hi(x), hi(e), mhi(pos))};
    return r;
}
static inline D2 v_dmish(V x, const P *p, V *ok)
{
    (void)p;
    *ok = _mm256_and_ps(ge(x, vf(-80)), lt(x, vf(INFINITY)));
    V e = vexp(_mm256_sub_ps(vf(0), vabs(x))), pos = ge(x, vf(0));
    D2 r = {mish_df_h(lo(x), lo(e), mlo(pos)), mish_df_h(hi(x), hi(e), mhi(pos))};
    return r;
}
ENTRY(mish, UNARY2, 2)

#pragma GCC pop_options
