/* Compiled float32 kernels for actlab's elementwise activations (optional; see _fast.py).

   Every kernel evaluates the same stable formula as its NumPy twin in classic.py / smooth.py /
   hard.py, eight lanes at a time with AVX2+FMA, calling glibc's libmvec vector functions by their
   x86_64 vector-ABI names (_ZGVdN8v_expf = expf on 8 floats, ...).  No -ffast-math: every lane
   that the vector formula cannot get right (non-finite input, a result that would pass through a
   subnormal intermediate, an overflowing intermediate) is recomputed by the scalar float64
   function s_<name> below, which also does the tails.  Those scalar functions *are* the semantics
   (kinks, limits at +-inf, NaN propagation); the vector code is their fast path.

   Accuracy budget (measured over the float32 line): libmvec erfcf <= 1.6 ulp, tanhf <= 1.1,
   log1pf <= 1.9 on [0, 1]; libmvec's expf (<= 2.6 ulp) is replaced by vexp below (<= 1 ulp).  Where a formula would stack further
   float32 roundings on those, the algebra after the transcendental call is done in float64
   (suffix 2: two __m256d halves) and rounded once.

   Exported C ABI (used through ctypes; all pointers to contiguous float32):
     void <name>_f(const float *x, float *y, int64_t n, double a, double b)
     void <name>_df(const float *x, float *y, int64_t n, double a, double b)
     void <name>_vjp(const float *g, const float *x, float *y, int64_t n, double a, double b)
   with y = f(x), y = f'(x), y = g * f'(x); a, b are the entry's parameters (alpha, beta, scale).
   y may be the same array as x or g (in place), never a partial overlap.
   int actlab_cpu_ok(void) says whether this CPU runs them (AVX2 and FMA). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <immintrin.h>
#include <float.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>

/* Built as a CPython extension so setuptools compiles it; _fast.py loads it with ctypes. */
static struct PyModuleDef kernels_module = {PyModuleDef_HEAD_INIT, "_kernels",
                                            "actlab's compiled kernels (loaded via ctypes)", -1,
                                            NULL, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&kernels_module); }

/* Compiled for the baseline ISA so it can run (and say no) on any x86-64. */
int actlab_cpu_ok(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#pragma GCC push_options
#pragma GCC target("avx2,fma")

typedef __m256 V;  /* 8 float32 lanes */
typedef __m256d D; /* 4 float64 lanes */

V _ZGVdN8v_erfcf(V);
V _ZGVdN8v_tanhf(V);
V _ZGVdN8v_log1pf(V);

typedef struct {
    double a, b;  /* parameters as given */
    float af, bf; /* the same, rounded to float32 */
    double ab;    /* a * b (elu: alpha * scale) */
    float abf;
    float alo;    /* a - af */
    double ainv;  /* 1 / a */
} P;

static P params(double a, double b)
{
    P p = {a, b, (float)a, (float)b, a * b, (float)(a * b), (float)(a - (float)a), 1.0 / a};
    return p;
}

/* ------------------------------------------------------------------ small vector helpers */
static inline V vf(float c) { return _mm256_set1_ps(c); }
static inline D vd(double c) { return _mm256_set1_pd(c); }
static inline V vabs(V x) { return _mm256_andnot_ps(vf(-0.0f), x); }
static inline V gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline V ge(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
static inline V lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline V le(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
static inline V isnan_(V x) { return _mm256_cmp_ps(x, x, _CMP_UNORD_Q); }
static inline V all_ok(void) { return _mm256_castsi256_ps(_mm256_set1_epi32(-1)); }
/* where(m, a, b) */
static inline V sel(V m, V a, V b) { return _mm256_blendv_ps(b, a, m); }
static inline D seld(D m, D a, D b) { return _mm256_blendv_pd(b, a, m); }
/* NaN lanes of x replace the result (derivatives computed from comparisons drop NaN). */
static inline V keep_nan(V r, V x) { return sel(isnan_(x), x, r); }
/* float32 halves <-> float64 */
static inline D lo(V v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
static inline D hi(V v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
static inline V pack(D a, D b) { return _mm256_set_m128(_mm256_cvtpd_ps(b), _mm256_cvtpd_ps(a)); }
/* lanes of a float32 mask as a float64 mask */
static inline D mlo(V m) { return _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(_mm256_castps_si256(m)))); }
static inline D mhi(V m) { return _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(_mm256_castps_si256(m), 1))); }

/* ------------------------------------------------------------------------- exp, expm1
   libmvec's expf is fast but up to 2.6 ulp off (measured), which the derivative formulas
   near their roots cannot afford, so exp is evaluated here (<= 1 ulp, also faster inline):
   e^a = 2^k (1 + r q(r)), k = round(a / ln 2), r = a - k ln 2 in two FMA steps (|r| <= ln2/2),
   q(r) = (e^r - 1)/r by its Taylor series to r^6/7! (truncation < 2e-8 relative).
   Only a <= 0 is needed; below -87.3 e^a is subnormal and returned as 0 (callers route such
   lanes to the scalar path where it matters). NaN propagates. */
static inline V exp_rq(V a, V *scale)
{
    V k = _mm256_round_ps(_mm256_mul_ps(a, vf(1.44269504088896341f)),
                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = _mm256_fnmadd_ps(k, vf(0.693359375f), a);  /* ln 2 = 0.693359375 - 2.12194440e-4 */
    r = _mm256_fnmadd_ps(k, vf(-2.12194440e-4f), r);
    V q = vf(1.0f / 5040);
    q = _mm256_fmadd_ps(q, r, vf(1.0f / 720));
    q = _mm256_fmadd_ps(q, r, vf(1.0f / 120));
    q = _mm256_fmadd_ps(q, r, vf(1.0f / 24));
    q = _mm256_fmadd_ps(q, r, vf(1.0f / 6));
    q = _mm256_fmadd_ps(q, r, vf(0.5f));
    q = _mm256_fmadd_ps(q, r, vf(1.0f));
    __m256i ki = _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127));
    *scale = _mm256_castsi256_ps(_mm256_slli_epi32(ki, 23));  /* 2^k */
    return _mm256_mul_ps(r, q);
}
static inline V vexp(V a)  /* e^a, a <= 0 */
{
    V s, rq = exp_rq(_mm256_max_ps(vf(-87.3f), a), &s);  /* max_ps keeps NaN (2nd operand) */
    V e = _mm256_andnot_ps(lt(a, vf(-87.3f)), _mm256_fmadd_ps(s, rq, s));
    return sel(isnan_(a), a, e);
}
static inline V vexpm1(V a)  /* e^a - 1 = (2^k - 1) + 2^k r q(r), a <= 0 */
{
    V s, rq = exp_rq(_mm256_max_ps(vf(-87.3f), a), &s);
    return sel(isnan_(a), a, _mm256_fmadd_ps(s, rq, _mm256_sub_ps(s, vf(1))));
}

/* A float64 result as two halves; pack() rounds it once, vjp multiplies by g first. */
typedef struct { D l, h; } D2;

/* --------------------------------------------------------------------------- loop drivers
   FN(x, &p, &ok) returns the 8 results and sets ok; lanes with ok clear are recomputed in
   float64 by the scalar function S.  The vector is stored only after patching, so y may be x. */
#define PATCH1(S, xv, r, ok)                                                           \
    do {                                                                               \
        int m_ = _mm256_movemask_ps(ok);                                               \
        if (__builtin_expect(m_ != 0xff, 0)) {                                         \
            float xs_[8], rs_[8];                                                      \
            _mm256_storeu_ps(xs_, xv);                                                 \
            _mm256_storeu_ps(rs_, r);                                                  \
            for (int j_ = 0; j_ < 8; j_++)                                             \
                if (!((m_ >> j_) & 1)) rs_[j_] = (float)S(xs_[j_], &p);                \
            r = _mm256_loadu_ps(rs_);                                                  \
        }                                                                              \
    } while (0)

#define PATCH2(S, gv, xv, r, ok)                                                       \
    do {                                                                               \
        int m_ = _mm256_movemask_ps(ok);                                               \
        if (__builtin_expect(m_ != 0xff, 0)) {                                         \
            float gs_[8], xs_[8], rs_[8];                                              \
            _mm256_storeu_ps(gs_, gv);                                                 \
            _mm256_storeu_ps(xs_, xv);                                                 \
            _mm256_storeu_ps(rs_, r);                                                  \
            for (int j_ = 0; j_ < 8; j_++)                                             \
                if (!((m_ >> j_) & 1)) rs_[j_] = (float)((double)gs_[j_] * S(xs_[j_], &p)); \
            r = _mm256_loadu_ps(rs_);                                                  \
        }                                                                              \
    } while (0)

/* unary kernel whose vector function returns float32 */
#define UNARY(NAME, FN, S)                                                             \
    void NAME(const float *x, float *y, int64_t n, double a, double b)                 \
    {                                                                                  \
        const P p = params(a, b);                                                      \
        int64_t i = 0;                                                                 \
        for (; i + 8 <= n; i += 8) {                                                   \
            V xv = _mm256_loadu_ps(x + i), ok;                                         \
            V r = FN(xv, &p, &ok);                                                     \
            PATCH1(S, xv, r, ok);                                                      \
            _mm256_storeu_ps(y + i, r);                                                \
        }                                                                              \
        for (; i < n; i++) y[i] = (float)S(x[i], &p);                                  \
    }

/* unary kernel whose vector function returns float64 halves (rounded once here) */
#define UNARY2(NAME, FN, S)                                                            \
    static inline V NAME##_pk(V x, const P *p, V *ok)                                  \
    {                                                                                  \
        D2 r = FN(x, p, ok);                                                           \
        return pack(r.l, r.h);                                                         \
    }                                                                                  \
    UNARY(NAME, NAME##_pk, S)

/* vjp g * f'(x) from a float32 derivative */
#define VJP(NAME, FN, S)                                                               \
    void NAME(const float *g, const float *x, float *y, int64_t n, double a, double b) \
    {                                                                                  \
        const P p = params(a, b);                                                      \
        int64_t i = 0;                                                                 \
        for (; i + 8 <= n; i += 8) {                                                   \
            V xv = _mm256_loadu_ps(x + i), gv = _mm256_loadu_ps(g + i), ok;            \
            V r = _mm256_mul_ps(gv, FN(xv, &p, &ok));                                  \
            PATCH2(S, gv, xv, r, ok);                                                  \
            _mm256_storeu_ps(y + i, r);                                                \
        }                                                                              \
        for (; i < n; i++) y[i] = (float)((double)g[i] * S(x[i], &p));                 \
    }

/* vjp g * f'(x) from a float64 derivative: the product is rounded once */
#define VJP2(NAME, FN, S)                                                              \
    static inline V NAME##_gm(V g, V x, const P *p, V *ok)                             \
    {                                                                                  \
        D2 r = FN(x, p, ok);                                                           \
        return pack(_mm256_mul_pd(lo(g), r.l), _mm256_mul_pd(hi(g), r.h));             \
    }                                                                                  \
    void NAME(const float *g, const float *x, float *y, int64_t n, double a, double b) \
    {                                                                                  \
        const P p = params(a, b);                                                      \
        int64_t i = 0;                                                                 \
        for (; i + 8 <= n; i += 8) {                                                   \
            V xv = _mm256_loadu_ps(x + i), gv = _mm256_loadu_ps(g + i), ok;            \
            V r = NAME##_gm(gv, xv, &p, &ok);                                          \
            PATCH2(S, gv, xv, r, ok);                                                  \
            _mm256_storeu_ps(y + i, r);                                                \
        }                                                                              \
        for (; i < n; i++) y[i] = (float)((double)g[i] * S(x[i], &p));                 \
    }

/* one entry: f (UNARY or UNARY2), f' and the vjp (DK = 1 or 2: float32 or float64 algebra) */
#define ENTRY(N, FF, DK)                                                               \
    FF(N##_f, v_##N, s_##N)                                                            \
    UNARY##DK(N##_df, v_d##N, s_d##N)                                                  \
    VJP##DK(N##_vjp, v_d##N, s_d##N)
#define UNARY1 UNARY
#define VJP1 VJP

/* Staged drivers for kernels that call a libmvec function: the call would sit in the middle of
   each iteration (and its ABI clobbers every vector register), so the out-of-order core could not
   overlap iterations. Instead, per block of STAGE_N elements, ST(x) (the libmvec part) runs over
   the block into a buffer first, then FN(x, st, &p, &ok) finishes each vector. */
#define STAGE_N 256
#define STAGED_LOOP(LOADS, ST, BODY, TAIL)                                             \
    const P p = params(a, b);                                                          \
    float st_[STAGE_N] __attribute__((aligned(32)));                                   \
    int64_t i = 0, nv_ = n & ~(int64_t)7;                                              \
    while (i < nv_) {                                                                  \
        int64_t k_ = nv_ - i < STAGE_N ? nv_ - i : STAGE_N;                            \
        for (int64_t j = 0; j < k_; j += 8)                                            \
            _mm256_store_ps(st_ + j, ST(_mm256_loadu_ps(x + i + j), &p));              \
        for (int64_t j = 0; j < k_; j += 8) {                                          \
            LOADS;                                                                     \
            V sv = _mm256_load_ps(st_ + j), ok;                                        \
            BODY;                                                                      \
        }                                                                              \
        i += k_;                                                                       \
    }                                                                                  \
    for (; i < n; i++) TAIL;

#define UNARY_S(NAME, ST, FN, S)                                                       \
    void NAME(const float *x, float *y, int64_t n, double a, double b)                 \
    {                                                                                  \
        STAGED_LOOP(V xv = _mm256_loadu_ps(x + i + j), ST,                             \
                    V r = FN(xv, sv, &p, &ok); PATCH1(S, xv, r, ok);                   \
                    _mm256_storeu_ps(y + i + j, r),                                    \
                    y[i] = (float)S(x[i], &p))                                         \
    }
#define UNARY2_S(NAME, ST, FN, S)                                                      \
    static inline V NAME##_pk(V x, V sv, const P *p, V *ok)                            \
    {                                                                                  \
        D2 r = FN(x, sv, p, ok);                                                       \
        return pack(r.l, r.h);                                                         \
    }                                                                                  \
    UNARY_S(NAME, ST, NAME##_pk, S)
#define VJP_S(NAME, ST, FN, S) /* FN(g, x, st, &p, &ok) gives g f'(x) */               \
    void NAME(const float *g, const float *x, float *y, int64_t n, double a, double b) \
    {                                                                                  \
        STAGED_LOOP(V xv = _mm256_loadu_ps(x + i + j); V gv = _mm256_loadu_ps(g + i + j), \
                    ST,                                                                \
                    V r = FN(gv, xv, sv, &p, &ok);                                     \
                    PATCH2(S, gv, xv, r, ok); _mm256_storeu_ps(y + i + j, r),          \
                    y[i] = (float)((double)g[i] * S(x[i], &p)))                        \
    }
#define VJP2_S(NAME, ST, FN, S)                                                        \
    void NAME(const float *g, const float *x, float *y, int64_t n, double a, double b) \
    {                                                                                  \
        STAGED_LOOP(V xv = _mm256_loadu_ps(x + i + j); V gv = _mm256_loadu_ps(g + i + j), \
                    ST,                                                                \
                    D2 d = FN(xv, sv, &p, &ok);                                        \
                    V r = pack(_mm256_mul_pd(lo(gv), d.l), _mm256_mul_pd(hi(gv), d.h));  \
                    PATCH2(S, gv, xv, r, ok); _mm256_storeu_ps(y + i + j, r),          \
                    y[i] = (float)((double)g[i] * S(x[i], &p)))                        \
    }

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
/* e / (1 + e)^2 in float32, e in [0, 1]: t + tl = 1 + e exactly (Fast2Sum), so
   (1 + e)^2 = t^2 + 2 t tl is rounded once by the FMA; <= 2 ulp with vexp's 1 */
static inline V vdsig(V e)
{
    V t = _mm256_add_ps(vf(1), e);
    V tl = _mm256_sub_ps(e, _mm256_sub_ps(t, vf(1)));
    V d = _mm256_fmadd_ps(t, t, _mm256_mul_ps(_mm256_add_ps(t, t), tl));
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
    V e = vexp(_mm256_sub_ps(vf(0), vabs(x)));
    return _mm256_div_ps(sel(ge(x, vf(0)), vf(1), e), _mm256_add_ps(vf(1), e));
}
static inline V v_dsigmoid(V x, const P *p, V *ok)
{
    (void)p;
    V ax = vabs(x);
    *ok = le(ax, vf(80));  /* beyond, f' is subnormal (and g * f' would lose digits) */
    return vdsig(vexp(_mm256_sub_ps(vf(0), ax)));
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
    *ok = le(ax, vf(40));
    return _mm256_mul_ps(vf(4), vdsig(vexp(_mm256_mul_ps(vf(-2), ax))));
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
    V e = vcorr(vexp(_mm256_sub_ps(vf(0), vabs(bx))), x, bx, p);
    return vxsig(x, bx, e);  /* float32 algebra: <= 2.5 ulp */
}
static inline D dsilu_h(D bx, D e, D pos)
{
    D one = vd(1);
    D q = _mm256_div_pd(one, _mm256_add_pd(one, e)), eq = _mm256_mul_pd(e, q);
    D s = seld(pos, q, eq), t = seld(pos, eq, q);  /* sigma(bx), sigma(-bx) */
    return _mm256_mul_pd(s, _mm256_fmadd_pd(bx, t, one));
}
static inline D2 v_dsilu(V x, const P *p, V *ok)
{
    V bx = _mm256_mul_ps(x, vf(p->af)), pos = ge(bx, vf(0));
    *ok = _mm256_and_ps(ge(bx, vf(-80)), lt(bx, vf(INFINITY)));
    D b = vd(p->a), bl = _mm256_mul_pd(lo(x), b), bh = _mm256_mul_pd(hi(x), b);
    D2 e = expnabs2(bx, bl, bh);
    D2 r = {dsilu_h(bl, e.l, mlo(pos)), dsilu_h(bh, e.h, mhi(pos))};
    return r;
}
ENTRY(silu, UNARY, 2)

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
/* the staged part: erfc(z), z = fl(-x/sqrt 2), = 2 Phi(x) up to z's rounding */
static inline V st_gelu(V x, const P *p)
{
    (void)p;
    return _ZGVdN8v_erfcf(_mm256_mul_ps(x, vf(-(float)M_SQRT1_2)));
}
static inline V v_gelu(V x, V cdf2, const P *p, V *ok)
{
    (void)p;  /* float32 algebra: erfcf (1.6 ulp) times 0.5 (exact) times x */
    *ok = ge(x, vf(-12.5f));  /* Phi(x) is normal above -12.5 */
    return _mm256_mul_ps(x, _mm256_mul_ps(vf(0.5f), cdf2));
}
/* Phi + x phi in float32 without losing the cancellation near the root x = -0.7518: with
   phi = e C (1 - lo/2) (e = e^{-hi/2}, x^2 = hi + lo exactly, C = 1/sqrt(2 pi) = Ch + Cl) split
   as ph + pl (ph = fl(e Ch), pl its FMA-exact rounding error and the other small terms), and
   Phi = erfc(z)/2 - sqrt(2) phi dz (dz = -x/sqrt 2 - z, z = fl(-x/sqrt 2) what erfcf got),
   f' = fma(x, ph, erfc(z)/2) + (x pl - sqrt(2) ph dz): the FMA is exact up to its own rounding,
   so only erfcf's and vexp's errors remain (as with float64 algebra). */
#define C_HI ((float)INV_SQRT_2PI)
#define C_LO ((float)(INV_SQRT_2PI - (double)C_HI))
#define Z_HI (-(float)M_SQRT1_2)
#define Z_LO ((float)(-M_SQRT1_2 - (double)Z_HI))
typedef struct { V h, l; } V2;  /* an unrounded float32 sum h + l */
static inline V2 v_dgelu2(V x, V cdf2, const P *p, V *ok)
{
    (void)p;
    *ok = _mm256_and_ps(ge(x, vf(-12.5f)), le(x, vf(1e4f)));
    V z = _mm256_mul_ps(x, vf(Z_HI));
    V dz = _mm256_fmadd_ps(x, vf(Z_LO), _mm256_fmsub_ps(x, vf(Z_HI), z));
    V sq = _mm256_mul_ps(x, x), sqlo = _mm256_fmsub_ps(x, x, sq);
    V e = vexp(_mm256_mul_ps(vf(-0.5f), sq));
    V ph = _mm256_mul_ps(e, vf(C_HI));
    V pl = _mm256_fmadd_ps(e, vf(C_LO), _mm256_fmsub_ps(e, vf(C_HI), ph));
    pl = _mm256_fnmadd_ps(_mm256_mul_ps(ph, vf(0.5f)), sqlo, pl);
    V small = _mm256_fnmadd_ps(_mm256_mul_ps(vf((float)M_SQRT2), ph), dz, _mm256_mul_ps(x, pl));
    V2 r = {_mm256_fmadd_ps(x, ph, _mm256_mul_ps(vf(0.5f), cdf2)), small};
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
    *ok = ge(x, vf(-80));  /* float32 algebra: vexp 1 ulp, alpha scale and product 1 */
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

/* ================================================================ softmax, log_softmax rows
   Row-wise over a C-contiguous (rows, m) float32 array (the last axis). Each function handles
   the rows whose inputs are all finite; skip[r] = 1 marks the others (and the count is returned),
   which the caller recomputes with the NumPy formula (it defines the +-inf/NaN semantics).
   x - max is exact in float64; exp gets its float32 rounding t and the first-order correction
   e^t (1 + (t64 - t)); sums run in float64, and every output is rounded once. */
static inline V vmax8(V a)  /* horizontal max, broadcast */
{
    a = _mm256_max_ps(a, _mm256_permute2f128_ps(a, a, 1));
    a = _mm256_max_ps(a, _mm256_permute_ps(a, 0x4e));
    return _mm256_max_ps(a, _mm256_permute_ps(a, 0xb1));
}
static inline double hsum(D a)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
/* max of a row and the index of its first occurrence; 0 if a value is not finite */
static int row_max(const float *x, int64_t m, float *mx, int64_t *arg)
{
    V vm = vf(-INFINITY), bad = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
        V v = _mm256_loadu_ps(x + i);
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(vabs(v), vf(INFINITY), _CMP_NLT_UQ));
        vm = _mm256_max_ps(vm, v);
    }
    if (_mm256_movemask_ps(bad)) return 0;
    float best = _mm_cvtss_f32(_mm256_castps256_ps128(vmax8(vm)));
    for (; i < m; i++) {
        if (!isfinite(x[i])) return 0;
        if (x[i] > best) best = x[i];
    }
    for (i = 0; x[i] != best; i++) {}
    *mx = best;
    *arg = i;
    return 1;
}
/* e^t for 8 float64 lanes (halves tl, th): vexp of the rounded t, corrected to first order for
   the rounding; lanes outside [-87, 80] (a subnormal or overflowing float32 e^t) use exp() */
static inline D2 exp_d(D tl, D th)
{
    V t = pack(tl, th), e = vexp(_mm256_min_ps(t, vf(80)));
    D2 r = {_mm256_fmadd_pd(lo(e), _mm256_sub_pd(tl, lo(t)), lo(e)),
            _mm256_fmadd_pd(hi(e), _mm256_sub_pd(th, hi(t)), hi(e))};
    int out = _mm256_movemask_ps(_mm256_or_ps(lt(t, vf(-87)), gt(t, vf(80))));
    if (__builtin_expect(out != 0, 0)) {
        double ts[8], rs[8];
        _mm256_storeu_pd(ts, tl);
        _mm256_storeu_pd(ts + 4, th);
        _mm256_storeu_pd(rs, r.l);
        _mm256_storeu_pd(rs + 4, r.h);
        for (int j = 0; j < 8; j++)
            if ((out >> j) & 1) rs[j] = exp(ts[j]);
        r.l = _mm256_loadu_pd(rs);
        r.h = _mm256_loadu_pd(rs + 4);
    }
    return r;
}
/* e^(x - mx) for 8 lanes as float64 halves, x - mx exact in float64 */
static inline D2 exp_shift(V x, double mx)
{
    return exp_d(_mm256_sub_pd(lo(x), vd(mx)), _mm256_sub_pd(hi(x), vd(mx)));
}
static inline double sexp_shift(float x, double mx) { return exp((double)x - mx); }

/* y = softmax(x) of one row whose max is mx; 1 + the sum of the others is returned in *rest */
static void softmax_row(const float *x, float *y, int64_t m, double mx, int64_t top, double *rest)
{
    D acc = _mm256_setzero_pd();
    int64_t i = 0;
    double tail = 0;
    for (; i + 8 <= m; i += 8) {  /* pass 1: the sum, without the maximum's exact 1 */
        D2 e = exp_shift(_mm256_loadu_ps(x + i), mx);
        if (top >= i && top < i + 8) {
            double es[8];
            _mm256_storeu_pd(es, e.l);
            _mm256_storeu_pd(es + 4, e.h);
            es[top - i] = 0;
            e.l = _mm256_loadu_pd(es);
            e.h = _mm256_loadu_pd(es + 4);
        }
        acc = _mm256_add_pd(acc, _mm256_add_pd(e.l, e.h));
    }
    for (; i < m; i++)
        if (i != top) tail += sexp_shift(x[i], mx);
    double r = hsum(acc) + tail, inv = 1.0 / (1.0 + r);
    *rest = r;
    if (!y) return;
    for (i = 0; i + 8 <= m; i += 8) {  /* pass 2: e / sum, rounded once */
        D2 e = exp_shift(_mm256_loadu_ps(x + i), mx);
        _mm256_storeu_ps(y + i, pack(_mm256_mul_pd(e.l, vd(inv)), _mm256_mul_pd(e.h, vd(inv))));
    }
    for (; i < m; i++) y[i] = (float)(sexp_shift(x[i], mx) * inv);
}

int64_t softmax_rows_f(const float *x, float *y, int64_t rows, int64_t m, unsigned char *skip)
{
    int64_t nskip = 0;
    for (int64_t r = 0; r < rows; r++, x += m, y += m) {
        skip[r] = 0;
        float mx;
        int64_t top;
        double rest;
        if (!row_max(x, m, &mx, &top)) {
            skip[r] = 1, nskip++;
            continue;
        }
        softmax_row(x, y, m, mx, top, &rest);
    }
    return nskip;
}

int64_t log_softmax_rows_f(const float *x, float *y, int64_t rows, int64_t m, unsigned char *skip)
{
    int64_t nskip = 0;
    for (int64_t r = 0; r < rows; r++, x += m, y += m) {
        skip[r] = 0;
        float mx;
        int64_t top;
        double rest;
        if (!row_max(x, m, &mx, &top)) {
            skip[r] = 1, nskip++;
            continue;
        }
        softmax_row(x, NULL, m, mx, top, &rest);
        D vm = vd(mx), lse = vd(log1p(rest));  /* (x - m) - log1p(rest); x - m is exact */
        int64_t i = 0;
        for (; i + 8 <= m; i += 8) {
            V v = _mm256_loadu_ps(x + i);
            _mm256_storeu_ps(y + i, pack(_mm256_sub_pd(_mm256_sub_pd(lo(v), vm), lse),
                                         _mm256_sub_pd(_mm256_sub_pd(hi(v), vm), lse)));
        }
        for (; i < m; i++) y[i] = (float)(((double)x[i] - mx) - log1p(rest));
    }
    return nskip;
}

/* all of a row finite (and, with lo_ok/hi_ok, inside [lo_ok, hi_ok]); the first max's index */
static int row_check(const float *a, int64_t m, float lo_ok, float hi_ok, int64_t *arg)
{
    V vm = vf(-INFINITY), bad = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
        V v = _mm256_loadu_ps(a + i);
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(v, vf(lo_ok), _CMP_NGE_UQ));
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(v, vf(hi_ok), _CMP_NLE_UQ));
        vm = _mm256_max_ps(vm, v);
    }
    if (_mm256_movemask_ps(bad)) return 0;
    float best = _mm_cvtss_f32(_mm256_castps256_ps128(vmax8(vm)));
    for (; i < m; i++) {
        if (!(a[i] >= lo_ok && a[i] <= hi_ok)) return 0;
        if (a[i] > best) best = a[i];
    }
    if (arg) {
        for (i = 0; a[i] != best; i++) {}
        *arg = i;
    }
    return 1;
}
/* sum over i != top of a[i] (or of exp(a[i])), in float64 */
static double sum_except(const float *a, int64_t m, int64_t top, int of_exp)
{
    D acc = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
        V v = _mm256_loadu_ps(a + i);
        D2 d = {lo(v), hi(v)};
        if (of_exp) d = exp_d(d.l, d.h);
        if (top >= i && top < i + 8) {
            double ds[8];
            _mm256_storeu_pd(ds, d.l);
            _mm256_storeu_pd(ds + 4, d.h);
            ds[top - i] = 0;
            d.l = _mm256_loadu_pd(ds);
            d.h = _mm256_loadu_pd(ds + 4);
        }
        acc = _mm256_add_pd(acc, _mm256_add_pd(d.l, d.h));
    }
    double tail = 0;
    for (; i < m; i++)
        if (i != top) tail += of_exp ? exp((double)a[i]) : (double)a[i];
    return hsum(acc) + tail;
}

/* softmax vjp: out = y (g' - <g', y>), g' = g - g[top], top = argmax y (from_y: ref is y, else x) */
int64_t softmax_rows_vjp(const float *g, const float *ref, float *out, int64_t rows, int64_t m,
                         unsigned char *skip, int64_t from_y)
{
    int64_t nskip = 0;
    for (int64_t r = 0; r < rows; r++, g += m, ref += m, out += m) {
        skip[r] = 0;
        int64_t top;
        const float *y = ref;
        if (!row_check(g, m, -FLT_MAX, FLT_MAX, NULL)) {
            skip[r] = 1, nskip++;
            continue;
        }
        if (from_y) {
            if (!row_check(ref, m, -FLT_MAX, FLT_MAX, &top)) {
                skip[r] = 1, nskip++;
                continue;
            }
        } else {
            float mx;
            double rest;
            if (!row_max(ref, m, &mx, &top)) {
                skip[r] = 1, nskip++;
                continue;
            }
            softmax_row(ref, out, m, mx, top, &rest);  /* y in out, then overwritten in place */
            y = out;
        }
        double gt = g[top];
        D acc = _mm256_setzero_pd(), gtv = vd(gt);
        int64_t i = 0;
        for (; i + 8 <= m; i += 8) {
            V gv = _mm256_loadu_ps(g + i), yv = _mm256_loadu_ps(y + i);
            acc = _mm256_fmadd_pd(_mm256_sub_pd(lo(gv), gtv), lo(yv), acc);
            acc = _mm256_fmadd_pd(_mm256_sub_pd(hi(gv), gtv), hi(yv), acc);
        }
        double dot = hsum(acc);
        for (; i < m; i++) dot += ((double)g[i] - gt) * y[i];
        D dv = vd(dot);
        for (i = 0; i + 8 <= m; i += 8) {
            V gv = _mm256_loadu_ps(g + i), yv = _mm256_loadu_ps(y + i);
            D l = _mm256_mul_pd(lo(yv), _mm256_sub_pd(_mm256_sub_pd(lo(gv), gtv), dv));
            D h = _mm256_mul_pd(hi(yv), _mm256_sub_pd(_mm256_sub_pd(hi(gv), gtv), dv));
            _mm256_storeu_ps(out + i, pack(l, h));
        }
        for (; i < m; i++) out[i] = (float)((double)y[i] * (((double)g[i] - gt) - dot));
    }
    return nskip;
}

/* log_softmax vjp: out = g - p sum(g), p = softmax(x) (or e^y); at top = argmax p the entry is
   g_top p_rest - p_top g_rest with both rests summed over the other entries (no 1 - p_top) */
int64_t log_softmax_rows_vjp(const float *g, const float *ref, float *out, int64_t rows,
                             int64_t m, unsigned char *skip, int64_t from_y)
{
    int64_t nskip = 0;
    for (int64_t r = 0; r < rows; r++, g += m, ref += m, out += m) {
        skip[r] = 0;
        int64_t top;
        float mx = 0;
        double p_rest, p_top, inv = 0;
        if (!row_check(g, m, -FLT_MAX, FLT_MAX, NULL)) {
            skip[r] = 1, nskip++;
            continue;
        }
        if (from_y) {  /* p = e^y */
            if (!row_check(ref, m, -FLT_MAX, FLT_MAX, &top)) {
                skip[r] = 1, nskip++;
                continue;
            }
            p_rest = sum_except(ref, m, top, 1);
            p_top = exp((double)ref[top]);
        } else {
            double rest;
            if (!row_max(ref, m, &mx, &top)) {
                skip[r] = 1, nskip++;
                continue;
            }
            softmax_row(ref, NULL, m, mx, top, &rest);
            inv = 1.0 / (1.0 + rest);
            p_rest = rest * inv;
            p_top = inv;
        }
        double g_top = g[top], g_rest = sum_except(g, m, top, 0), gs = g_rest + g_top;
        int64_t i = 0;
        for (; i + 8 <= m; i += 8) {
            V gv = _mm256_loadu_ps(g + i), rv = _mm256_loadu_ps(ref + i);
            D2 p;
            if (from_y) {
                p = exp_d(lo(rv), hi(rv));
            } else {
                p = exp_shift(rv, mx);
                p.l = _mm256_mul_pd(p.l, vd(inv));
                p.h = _mm256_mul_pd(p.h, vd(inv));
            }
            D l = _mm256_fnmadd_pd(p.l, vd(gs), lo(gv)), h = _mm256_fnmadd_pd(p.h, vd(gs), hi(gv));
            _mm256_storeu_ps(out + i, pack(l, h));
        }
        for (; i < m; i++) {
            double pi = from_y ? exp((double)ref[i]) : sexp_shift(ref[i], mx) * inv;
            out[i] = (float)((double)g[i] - pi * gs);
        }
        out[top] = (float)(g_top * p_rest - p_top * g_rest);
    }
    return nskip;
}

#pragma GCC pop_options

/* ============================================================ two threads, chunks on demand
   The caller and one helper thread both run run_job() on the same job; chunks are claimed with
   an atomic counter, so a helper that is scheduled late (other processes on the cores) costs
   nothing: the caller simply takes every chunk. wait_job() returns once every chunk is done.
   Kinds: 1 f/df (x, y, n), 2 vjp (g, x, y, n), 3 rows f (x, y, rows, m, skip),
   4 rows vjp (g, ref, y, rows, m, skip, from_y); chunks count elements (1, 2) or rows (3, 4). */
typedef struct {
    int64_t next, done, n, chunk, kind, m, from_y;
    void *fn;
    const float *g, *x;
    float *y;
    unsigned char *skip;
    double a, b;
} job_t;

typedef void (*unary_t)(const float *, float *, int64_t, double, double);
typedef void (*binary_t)(const float *, const float *, float *, int64_t, double, double);
typedef int64_t (*rows_t)(const float *, float *, int64_t, int64_t, unsigned char *);
typedef int64_t (*rows_vjp_t)(const float *, const float *, float *, int64_t, int64_t,
                              unsigned char *, int64_t);

void run_job(job_t *j)
{
    for (;;) {
        int64_t i = __atomic_fetch_add(&j->next, j->chunk, __ATOMIC_RELAXED);
        if (i >= j->n) return;
        int64_t k = j->n - i < j->chunk ? j->n - i : j->chunk, o = i * j->m;
        switch (j->kind) {
        case 1: ((unary_t)j->fn)(j->x + i, j->y + i, k, j->a, j->b); break;
        case 2: ((binary_t)j->fn)(j->g + i, j->x + i, j->y + i, k, j->a, j->b); break;
        case 3: ((rows_t)j->fn)(j->x + o, j->y + o, k, j->m, j->skip + i); break;
        default:
            ((rows_vjp_t)j->fn)(j->g + o, j->x + o, j->y + o, k, j->m, j->skip + i, j->from_y);
        }
        __atomic_fetch_add(&j->done, k, __ATOMIC_RELEASE);
    }
}

void wait_job(job_t *j)
{
    for (int spins = 0; __atomic_load_n(&j->done, __ATOMIC_ACQUIRE) < j->n; spins++) {
        if (spins < 4096)
            __builtin_ia32_pause();
        else
            sched_yield();  /* the helper was preempted inside its chunk */
    }
}
