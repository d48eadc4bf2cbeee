/* Shared by _kernels.c (the elementwise entries, the thread runner) and _kernels_rows.c
   (softmax, log_softmax): vector types, parameters, vexp/vexpm1 and the loop drivers.
   Include it between #pragma GCC push_options / target("avx2,fma") and pop_options. */
#ifndef ACTLAB_KERNELS_H
#define ACTLAB_KERNELS_H

#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

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

static inline P params(double a, double b)
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
   near their roots cannot afford, so exp is evaluated here (<= 1.33 ulp measured over every
   float32 input in [-87.3, 0], also faster inline):
   e^a = 2^k (1 + r q(r)), k = round(a / ln 2), r = a - k ln 2 in two FMA steps (|r| <= ln2/2),
   q(r) ~ (e^r - 1)/r by a degree-5 polynomial fitted for the least maximum relative error of
   1 + r q(r) (Lawson's iteration; 1.8e-8 = 0.3 ulp with the float32 coefficients; the
   degree-6 Taylor series it replaced was 1.2 ulp in all and one FMA slower, ~10 % of vexp).
   Only a <= 0 is needed; below -87.3 e^a is subnormal and returned as 0 (callers route such
   lanes to the scalar path where it matters). NaN propagates. */
static inline V exp_rq(V a, V *scale)
{
    /* k = round(a / ln 2) by the 1.5 * 2^23 shift: the FMA rounds a log2(e) to an integer
       once, and k + 1.5 * 2^23 holds k in its low mantissa bits (|k| < 2^22), so 2^k is those
       bits shifted into the exponent field (the 1.5 * 2^23 bits shift out) plus the bias; no
       round/convert instructions. Like every error-free transform here, it assumes the default
       round-to-nearest MXCSR mode. */
    V kf = _mm256_fmadd_ps(a, vf(1.44269504088896341f), vf(12582912.0f));
    V k = _mm256_sub_ps(kf, vf(12582912.0f));
    V r = _mm256_fnmadd_ps(k, vf(0.693359375f), a);  /* ln 2 = 0.693359375 - 2.12194440e-4 */
    r = _mm256_fnmadd_ps(k, vf(-2.12194440e-4f), r);
    V q = vf(1.38436060e-3f);
    q = _mm256_fmadd_ps(q, r, vf(8.37419555e-3f));
    q = _mm256_fmadd_ps(q, r, vf(4.16680053e-2f));
    q = _mm256_fmadd_ps(q, r, vf(1.66664302e-1f));
    q = _mm256_fmadd_ps(q, r, vf(4.99999940e-1f));
    q = _mm256_fmadd_ps(q, r, vf(1.0f));
    *scale = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(kf), 23),
                                                  _mm256_set1_epi32(127 << 23)));  /* 2^k */
    return _mm256_mul_ps(r, q);
}
/* e^a for lanes the caller already knows to be in [-87.3, 0] (others give garbage, never a
   trap: callers send them to the scalar path): no clamp, underflow or NaN handling */
static inline V vexp_in(V a)
{
    V s, rq = exp_rq(a, &s);
    return _mm256_fmadd_ps(s, rq, s);
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
typedef struct { V h, l; } V2;  /* an unrounded float32 sum h + l */

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

/* vjp whose vector function FN(g, x, &p, &ok) returns g f'(x) itself */
#define VJPG(NAME, FN, S)                                                              \
    void NAME(const float *g, const float *x, float *y, int64_t n, double a, double b) \
    {                                                                                  \
        const P p = params(a, b);                                                      \
        int64_t i = 0;                                                                 \
        for (; i + 8 <= n; i += 8) {                                                   \
            V xv = _mm256_loadu_ps(x + i), gv = _mm256_loadu_ps(g + i), ok;            \
            V r = FN(gv, xv, &p, &ok);                                                 \
            PATCH2(S, gv, xv, r, ok);                                                  \
            _mm256_storeu_ps(y + i, r);                                                \
        }                                                                              \
        for (; i < n; i++) y[i] = (float)((double)g[i] * S(x[i], &p));                 \
    }

/* vjp g * f'(x) from a float32 derivative */
#define VJP(NAME, FN, S)                                                               \
    static inline V NAME##_gm(V g, V x, const P *p, V *ok)                             \
    {                                                                                  \
        return _mm256_mul_ps(g, FN(x, p, ok));                                         \
    }                                                                                  \
    VJPG(NAME, NAME##_gm, S)

/* vjp g * f'(x) from a float64 derivative: the product is rounded once */
#define VJP2(NAME, FN, S)                                                              \
    static inline V NAME##_gm(V g, V x, const P *p, V *ok)                             \
    {                                                                                  \
        D2 r = FN(x, p, ok);                                                           \
        return pack(_mm256_mul_pd(lo(g), r.l), _mm256_mul_pd(hi(g), r.h));             \
    }                                                                                  \
    VJPG(NAME, NAME##_gm, S)

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

#endif
