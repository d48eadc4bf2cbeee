/* The public call's fast path: Activation.__call__, .grad and .backward (registry.py) hand
   their arguments here first, so an ordinary float32 call runs its kernel without the Python
   checks and dispatch of _fast.py (about 1 us a call: 0.2-0.4 us here).

   hot(fn, kind, a, b, cheap, from_y, axis, split_at, ndarray, empty_like) -> a capsule holding
   one bound kernel: kind 0 an elementwise f or f' fn(x, out), 1 an elementwise vjp fn(g, ref,
   out) (ref = y when from_y and y is given, else x), 2 a softmax-family row forward, 3 its row
   vjp (ref = y when given, else x); cheap picks the split size split_at[cheap] (the list
   _threads.SPLIT_AT, read on every call so set_num_threads applies); axis is the row entries'
   axis (-1 or a non-negative index).

   call(h, x, out) and call_vjp(h, g, x, y, out) return the result, or None whenever the call is
   anything but plain -- an argument not exactly a numpy.ndarray (masked arrays, lists, scalars),
   not C-contiguous float32 of at least one dimension, shapes that differ, an out that is
   read-only or partly overlaps an input (or, for rows, overlaps one at all), rows on another
   axis, a row holding a non-finite value -- and the caller then takes its general path, which
   decides every such case (and raises the errors). They never raise for the arguments' sake. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include "_kernels_pool.h"

enum { HOT_F, HOT_VJP, HOT_ROWS_F, HOT_ROWS_VJP };

typedef struct {
    void *fn;
    int kind, cheap, from_y;
    long axis;
    double a, b;
    PyObject *split_at, *ndarray, *empty_like;
} hot_t;

static const char HOT_NAME[] = "actlab.hot";

static void hot_free(PyObject *capsule)
{
    hot_t *h = (hot_t *)PyCapsule_GetPointer(capsule, HOT_NAME);
    if (!h) return;
    Py_XDECREF(h->split_at);
    Py_XDECREF(h->ndarray);
    Py_XDECREF(h->empty_like);
    PyMem_Free(h);
}

PyObject *actlab_hot(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (!nargs_ok(nargs, 10, "hot(fn, kind, a, b, cheap, from_y, axis, split_at, ndarray, "
                             "empty_like)"))
        return NULL;
    hot_t h = {PyLong_AsVoidPtr(args[0]), (int)PyLong_AsLong(args[1]), (int)PyLong_AsLong(args[4]),
               (int)PyLong_AsLong(args[5]), PyLong_AsLong(args[6]), PyFloat_AsDouble(args[2]),
               PyFloat_AsDouble(args[3]), args[7], args[8], args[9]};
    if (PyErr_Occurred()) return NULL;
    if (h.kind < HOT_F || h.kind > HOT_ROWS_VJP || h.cheap < 0 || h.cheap > 1 ||
        !PyList_Check(h.split_at) || PyList_GET_SIZE(h.split_at) != 2 || !PyType_Check(h.ndarray)
        || !PyCallable_Check(h.empty_like)) {
        PyErr_SetString(PyExc_ValueError, "hot: bad kind, cheap, split_at, ndarray or empty_like");
        return NULL;
    }
    hot_t *p = PyMem_Malloc(sizeof *p);
    if (!p) return PyErr_NoMemory();
    *p = h;
    Py_INCREF(h.split_at);
    Py_INCREF(h.ndarray);
    Py_INCREF(h.empty_like);
    PyObject *capsule = PyCapsule_New(p, HOT_NAME, hot_free);
    if (!capsule) {
        Py_DECREF(h.split_at);
        Py_DECREF(h.ndarray);
        Py_DECREF(h.empty_like);
        PyMem_Free(p);
    }
    return capsule;
}

/* obj's buffer if obj is exactly an ndarray, C-contiguous float32, ndim >= 1 (and writable when
   asked); 0 and no error set otherwise */
static int plain(const hot_t *h, PyObject *obj, Py_buffer *v, int writable)
{
    if ((PyObject *)Py_TYPE(obj) != h->ndarray) return 0;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) {
        PyErr_Clear();
        return 0;
    }
    if (v->itemsize == 4 && buffer_type(v) == 'f' && v->ndim >= 1) return 1;
    PyBuffer_Release(v);
    return 0;
}

static int same_shape(const Py_buffer *u, const Py_buffer *v)
{
    return u->ndim == v->ndim && !memcmp(u->shape, v->shape, (size_t)u->ndim * sizeof *u->shape);
}

/* out may be written while the inputs are read: disjoint from each, or (elementwise kernels,
   which read every element before writing it) the very same memory */
static int writable_over(const Py_buffer *out, const Py_buffer *in, int n_in, int rows)
{
    const char *o = out->buf;
    for (int i = 0; i < n_in; i++) {
        const char *p = in[i].buf;
        int apart = p + in[i].len <= o || o + out->len <= p;
        if (!apart && (rows || p != o || in[i].len != out->len)) return 0;
    }
    return 1;
}

static int64_t split_at(const hot_t *h, int cheap)
{
    if (PyList_GET_SIZE(h->split_at) <= cheap) return INT64_MAX;  /* (a list someone shortened) */
    int64_t at = PyLong_AsLongLong(PyList_GET_ITEM(h->split_at, cheap));
    if (at == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return INT64_MAX;
    }
    return at;
}

/* rows(ref) -> skipped rows: the row kernel over n / m rows of m, on one thread or two */
static int64_t run_rows(const hot_t *h, const float *g, const float *ref, float *out, int64_t n,
                        int64_t m, int from_y)
{
    int64_t rows = n / m, chunk = split_chunk(n) / m > 1 ? split_chunk(n) / m : 1, nskip = 0;
    unsigned char local[256], *skip = rows <= 256 ? local : PyMem_Malloc((size_t)rows);
    if (!skip) return -1;
    memset(skip, 0, (size_t)rows);
    int split = n >= split_at(h, 0) && rows > chunk;
    Py_BEGIN_ALLOW_THREADS
    if (split) {
        job_t job = {.n = rows, .chunk = chunk, .kind = g ? 4 : 3, .m = m, .from_y = from_y,
                     .fn = h->fn, .g = g, .x = ref, .y = out, .skip = skip};
        run_split(&job);
        for (int64_t r = 0; r < rows; r++) nskip += skip[r];
    } else if (g) {
        nskip = ((rows_vjp_t)h->fn)(g, ref, out, rows, m, skip, from_y);
    } else {
        nskip = ((rows_t)h->fn)(ref, out, rows, m, skip);
    }
    Py_END_ALLOW_THREADS
    if (skip != local) PyMem_Free(skip);
    return nskip;
}

/* the kernel over ref (and g for a vjp; NULL for a forward) into out_obj (NULL: a new array
   like ref_obj), out checked against all n_all inputs; ref_is_y tells a row vjp which it got:
   the result, None, or NULL (an error) */
static PyObject *finish(const hot_t *h, const Py_buffer *g, const Py_buffer *ref,
                        PyObject *ref_obj, PyObject *out_obj, const Py_buffer *all, int n_all,
                        int ref_is_y)
{
    int rows = h->kind >= HOT_ROWS_F;
    Py_buffer o;
    PyObject *res;
    if (out_obj) {
        if (!plain(h, out_obj, &o, 1)) Py_RETURN_NONE;
        if (!same_shape(&o, ref) || !writable_over(&o, all, n_all, rows)) {
            PyBuffer_Release(&o);
            Py_RETURN_NONE;
        }
        Py_INCREF(out_obj);
        res = out_obj;
    } else {
        res = PyObject_CallOneArg(h->empty_like, ref_obj);
        if (!res) return NULL;
        if (!plain(h, res, &o, 1)) {
            Py_DECREF(res);
            Py_RETURN_NONE;
        }
    }
    const float *gp = g ? (const float *)g->buf : NULL, *rp = ref->buf;
    int64_t n = (int64_t)(o.len / 4), nskip = 0;
    if (!rows) {
        run_elementwise(h->fn, gp, rp, o.buf, n, h->a, h->b, n >= split_at(h, h->cheap));
    } else {
        long last = (long)ref->ndim - 1;
        if (n == 0 || (h->axis != -1 && h->axis != last))
            nskip = 1;  /* the general path takes empty arrays and other axes */
        else
            nskip = run_rows(h, gp, rp, o.buf, n, ref->shape[last], ref_is_y);
    }
    PyBuffer_Release(&o);
    if (nskip == 0) return res;
    Py_DECREF(res);
    if (nskip < 0) return PyErr_NoMemory();
    Py_RETURN_NONE;  /* a row holding a non-finite value: the general path decides it */
}

static hot_t *hot_of(PyObject *capsule)
{
    return (hot_t *)PyCapsule_GetPointer(capsule, HOT_NAME);
}

/* call(h, x, out): f(x) or f'(x) into out (None: a new array), or None */
PyObject *actlab_call(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (!nargs_ok(nargs, 3, "call(h, x, out)")) return NULL;
    const hot_t *h = hot_of(args[0]);
    if (!h) return NULL;
    Py_buffer x;
    if ((h->kind != HOT_F && h->kind != HOT_ROWS_F) || !plain(h, args[1], &x, 0)) Py_RETURN_NONE;
    PyObject *res = finish(h, NULL, &x, args[1], args[2] == Py_None ? NULL : args[2], &x, 1,
                           0);
    PyBuffer_Release(&x);
    return res;
}

/* call_vjp(h, g, x, y, out): g times f'(x) into out (None: a new array), or None */
PyObject *actlab_call_vjp(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (!nargs_ok(nargs, 5, "call_vjp(h, g, x, y, out)")) return NULL;
    const hot_t *h = hot_of(args[0]);
    if (!h) return NULL;
    if (h->kind != HOT_VJP && h->kind != HOT_ROWS_VJP) Py_RETURN_NONE;
    PyObject *y_obj = args[3] == Py_None ? NULL : args[3];
    int want = y_obj ? 3 : 2, got = 0;
    Py_buffer b[3];  /* g, x, y */
    while (got < want && plain(h, args[got + 1], &b[got], 0)) got++;
    PyObject *res = Py_None;
    if (got == want && same_shape(&b[0], &b[1]) && (!y_obj || same_shape(&b[1], &b[2]))) {
        /* the rows' vjp reads y when it is given, elementwise ones when their kernel can */
        int r = y_obj && (h->kind == HOT_ROWS_VJP || h->from_y) ? 2 : 1;
        res = finish(h, &b[0], &b[r], args[r + 1], args[4] == Py_None ? NULL : args[4], b, got,
                     r == 2);
    } else {
        Py_INCREF(res);
    }
    for (int i = 0; i < got; i++) PyBuffer_Release(&b[i]);
    return res;
}
