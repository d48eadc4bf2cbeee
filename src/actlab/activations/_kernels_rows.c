/* softmax and log_softmax along a contiguous last axis (see _kernels.c for the conventions). */

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "_kernels.h"

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
/* the first i with a[i] == v (== as in C: -0 equals +0), v known to occur in a[0..m) */
static inline int64_t first_eq(const float *a, int64_t m, float v)
{
    V vv = vf(v);
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
        int k = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(a + i), vv, _CMP_EQ_OQ));
        if (k) return i + __builtin_ctz((unsigned)k);
    }
    for (; a[i] != v; i++) {}
    return i;
}
/* lanes holding NaN or +-inf */
static inline V nonfinite(V v) { return _mm256_cmp_ps(vabs(v), vf(INFINITY), _CMP_NLT_UQ); }
/* the lanewise max of a's whole vectors, in four independent chains (max_ps has a latency of a
   few cycles: one chain would wait on it), and (check) their non-finite lanes in *bad; *end is
   where the whole vectors end. A NaN may drop out of the max: callers check the row. */
static inline V vmax_run(const float *a, int64_t m, int64_t *end, int check, V *bad)
{
    V m0 = vf(-INFINITY), m1 = m0, m2 = m0, m3 = m0, b0 = _mm256_setzero_ps(), b1 = b0;
    int64_t i = 0;
    for (; i + 32 <= m; i += 32) {
        V v0 = _mm256_loadu_ps(a + i), v1 = _mm256_loadu_ps(a + i + 8);
        V v2 = _mm256_loadu_ps(a + i + 16), v3 = _mm256_loadu_ps(a + i + 24);
        m0 = _mm256_max_ps(m0, v0), m1 = _mm256_max_ps(m1, v1);
        m2 = _mm256_max_ps(m2, v2), m3 = _mm256_max_ps(m3, v3);
        if (check) {
            b0 = _mm256_or_ps(b0, _mm256_or_ps(nonfinite(v0), nonfinite(v1)));
            b1 = _mm256_or_ps(b1, _mm256_or_ps(nonfinite(v2), nonfinite(v3)));
        }
    }
    for (; i + 8 <= m; i += 8) {
        V v = _mm256_loadu_ps(a + i);
        m0 = _mm256_max_ps(m0, v);
        if (check) b0 = _mm256_or_ps(b0, nonfinite(v));
    }
    *end = i;
    if (check) *bad = _mm256_or_ps(b0, b1);
    return _mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3));
}
/* max of a row and the index of its first occurrence; 0 if a value is not finite */
static int row_max(const float *x, int64_t m, float *mx, int64_t *arg)
{
    int64_t i;
    V bad, vm = vmax_run(x, m, &i, 1, &bad);
    if (_mm256_movemask_ps(bad)) return 0;
    float best = _mm_cvtss_f32(_mm256_castps256_ps128(vmax8(vm)));
    for (; i < m; i++) {
        if (!isfinite(x[i])) return 0;
        if (x[i] > best) best = x[i];
    }
    *mx = best;
    *arg = first_eq(x, m, best);
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
/* the eight doubles of e with lane `lane` set to 0 */
static inline D2 zero_lane_d(D2 e, int64_t lane)
{
    double es[8];
    _mm256_storeu_pd(es, e.l);
    _mm256_storeu_pd(es + 4, e.h);
    es[lane] = 0;
    D2 r = {_mm256_loadu_pd(es), _mm256_loadu_pd(es + 4)};
    return r;
}

static void softmax_row(const float *x, float *y, int64_t m, double mx, int64_t top, double *rest)
{
    D acc = _mm256_setzero_pd();
    int64_t i = 0;
    double tail = 0;
    for (; i + 8 <= m; i += 8) {  /* pass 1: the sum, without the maximum's exact 1 */
        D2 e = exp_shift(_mm256_loadu_ps(x + i), mx);
        if (top >= i && top < i + 8) e = zero_lane_d(e, top - i);
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

/* ---- fast float32 row paths; each returns 0 (having written nothing final) when a row needs
   the careful float64 path above: some x_i - max below -87, where e^(x_i - max) is subnormal */
/* t + tl = x + nm exactly (2Sum) */
static inline V two_sum(V x, V nm, V *tl)
{
    V t = _mm256_add_ps(x, nm), bb = _mm256_sub_ps(t, x);
    *tl = _mm256_add_ps(_mm256_sub_ps(x, _mm256_sub_ps(t, bb)), _mm256_sub_ps(nm, bb));
    return t;
}
static inline V zero_lane(V v, int64_t lane)
{
    float vs[8];
    _mm256_storeu_ps(vs, v);
    vs[lane] = 0;
    return _mm256_loadu_ps(vs);
}
/* e_i = e^(x_i - mx) in float32 (vexp of t, times 1 + tl: <= ~1.5 ulp), stored to e when
   given; returns the float64 sum over i != top, or -1 if some x_i - mx < -87 */
static double exp_row_fast(const float *x, float *e, int64_t m, float mx, int64_t top)
{
    V nm = vf(-mx), tiny = _mm256_setzero_ps();
    D acc = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
        /* t <= 0 and not NaN (finite rows); lanes below -87 make the row go the careful
           way, so whatever vexp_in gives them is never used */
        V tl, t = two_sum(_mm256_loadu_ps(x + i), nm, &tl), v = vexp_in(t);
        tiny = _mm256_or_ps(tiny, lt(t, vf(-87.0f)));
        v = _mm256_fmadd_ps(v, tl, v);
        if (e) _mm256_storeu_ps(e + i, v);
        if (top >= i && top < i + 8) v = zero_lane(v, top - i);
        acc = _mm256_add_pd(acc, _mm256_add_pd(lo(v), hi(v)));
    }
    if (_mm256_movemask_ps(tiny)) return -1.0;
    double tail = 0;
    for (; i < m; i++) {
        double t = (double)x[i] - mx, v = exp(t);
        if (t < -87.0) return -1.0;
        if (e) e[i] = (float)v;
        if (i != top) tail += v;
    }
    return hsum(acc) + tail;
}
static int softmax_row_fast(const float *x, float *y, int64_t m, float mx, int64_t top)
{
    double rest = exp_row_fast(x, y, m, mx, top);  /* y holds e; e[top] = 1 exactly */
    if (rest < 0) return 0;
    /* e inv rounded once, in float32: inv = ih + il (two floats, to 2^-48), and
       fma(e, ih, fl(e il)) = e (ih + il) up to ~2^-47 relative before its single rounding */
    double inv = 1.0 / (1.0 + rest);
    float ihs = (float)inv;
    V ih = vf(ihs), il = vf((float)(inv - ihs));
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
        V v = _mm256_loadu_ps(y + i);
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(v, ih, _mm256_mul_ps(v, il)));
    }
    for (; i < m; i++) y[i] = (float)((double)y[i] / (1.0 + rest));
    return 1;
}
static int log_softmax_row_fast(const float *x, float *y, int64_t m, float mx, int64_t top)
{
    double rest = exp_row_fast(x, NULL, m, mx, top);
    if (rest < 0) return 0;
    double lse = log1p(rest);  /* y = (t - lse) with t = x - mx = t + tl, lse = lh + ll */
    float lh = (float)lse, ll = (float)(lse - lh);
    V nm = vf(-mx);
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
        V tl, t = two_sum(_mm256_loadu_ps(x + i), nm, &tl);
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_sub_ps(t, vf(lh)), _mm256_sub_ps(tl, vf(ll))));
    }
    for (; i < m; i++) y[i] = (float)(((double)x[i] - mx) - lse);
    return 1;
}

/* one finite row of softmax / log_softmax, given its max mx (at index top) */
static void softmax_row_f(const float *x, float *y, int64_t m, float mx, int64_t top)
{
    double rest;
    if (!softmax_row_fast(x, y, m, mx, top)) softmax_row(x, y, m, mx, top, &rest);
}

static void log_softmax_row_f(const float *x, float *y, int64_t m, float mx, int64_t top)
{
    double rest;
    if (log_softmax_row_fast(x, y, m, mx, top)) return;
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

/* row by row; rows holding a non-finite value are marked in skip (left to NumPy) and counted */
static int64_t rows_f(const float *x, float *y, int64_t rows, int64_t m, unsigned char *skip,
                      void (*row)(const float *, float *, int64_t, float, int64_t))
{
    int64_t nskip = 0;
    for (int64_t r = 0; r < rows; r++, x += m, y += m) {
        float mx;
        int64_t top;
        skip[r] = !row_max(x, m, &mx, &top);
        if (skip[r]) nskip++;
        else row(x, y, m, mx, top);
    }
    return nskip;
}

int64_t softmax_rows_f(const float *x, float *y, int64_t rows, int64_t m, unsigned char *skip)
{
    return rows_f(x, y, rows, m, skip, softmax_row_f);
}

int64_t log_softmax_rows_f(const float *x, float *y, int64_t rows, int64_t m, unsigned char *skip)
{
    return rows_f(x, y, rows, m, skip, log_softmax_row_f);
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
        *arg = first_eq(a, m, best);
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
        if (top >= i && top < i + 8) d = zero_lane_d(d, top - i);
        acc = _mm256_add_pd(acc, _mm256_add_pd(d.l, d.h));
    }
    double tail = 0;
    for (; i < m; i++)
        if (i != top) tail += of_exp ? exp((double)a[i]) : (double)a[i];
    return hsum(acc) + tail;
}

/* the log_softmax vjp's first pass over g and y: both finite; the first index of y's max, y's
   min and sum(g) in float64 over float32 pairs g_i + g_(i+8) (<= u = 2^-24 of sum |g| more, well
   within the vjp's allowance of 8u of its terms, which include p sum |g|). A non-finite g shows
   in the sum (then, as for a finite pair whose float32 sum overflowed, g is checked and summed
   element by element), a +-inf in y in its max or min, a NaN in y in an unordered compare:
   fewer operations than a check of every element, for a pass that is bound by them. */
static int row_check2(const float *g, const float *y, int64_t m, int64_t *top, float *ymin,
                      double *gsum)
{
    V vmax = vf(-INFINITY), vmin = vf(INFINITY), nan = _mm256_setzero_ps();
    D acc = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= m; i += 16) {
        V y0 = _mm256_loadu_ps(y + i), y1 = _mm256_loadu_ps(y + i + 8);
        V gp = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_loadu_ps(g + i + 8));
        vmax = _mm256_max_ps(vmax, _mm256_max_ps(y0, y1));
        vmin = _mm256_min_ps(vmin, _mm256_min_ps(y0, y1));
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(y0, y1, _CMP_UNORD_Q));
        acc = _mm256_add_pd(acc, _mm256_add_pd(lo(gp), hi(gp)));
    }
    for (; i + 8 <= m; i += 8) {
        V y0 = _mm256_loadu_ps(y + i), gv = _mm256_loadu_ps(g + i);
        vmax = _mm256_max_ps(vmax, y0);
        vmin = _mm256_min_ps(vmin, y0);
        nan = _mm256_or_ps(nan, isnan_(y0));
        acc = _mm256_add_pd(acc, _mm256_add_pd(lo(gv), hi(gv)));
    }
    if (_mm256_movemask_ps(nan)) return 0;
    float best = _mm_cvtss_f32(_mm256_castps256_ps128(vmax8(vmax)));
    float low = -_mm_cvtss_f32(_mm256_castps256_ps128(vmax8(_mm256_sub_ps(vf(0), vmin))));
    double gs = hsum(acc);
    for (; i < m; i++) {
        if (!isfinite(g[i]) || !isfinite(y[i])) return 0;
        if (y[i] > best) best = y[i];
        if (y[i] < low) low = y[i];
        gs += g[i];
    }
    if (!isfinite(best) || !isfinite(low)) return 0;
    if (!isfinite(gs)) {  /* a non-finite g, or a float32 pair sum that overflowed */
        gs = 0;
        for (i = 0; i < m; i++) {
            if (!isfinite(g[i])) return 0;
            gs += g[i];
        }
    }
    *top = first_eq(y, m, best);
    *ymin = low;
    *gsum = gs;
    return 1;
}

/* the first index of y's max; 0 if that max is not finite (a NaN may hide from the max, so
   the caller still checks the row: softmax's vjp through its float64 sum) */
static int row_top(const float *y, int64_t m, int64_t *top)
{
    int64_t i;
    V unused, vm = vmax_run(y, m, &i, 0, &unused);
    float best = _mm_cvtss_f32(_mm256_castps256_ps128(vmax8(vm)));
    for (; i < m; i++)
        if (y[i] > best) best = y[i];
    if (!isfinite(best)) return 0;
    *top = first_eq(y, m, best);  /* a finite best is one of y's values */
    return 1;
}

/* softmax vjp: out = y (g' - <g', y>), g' = g - g[top], top = argmax y (from_y: ref is y, else
   x): the shift keeps the top entry (y ~ 1) free of cancellation. A row holding a NaN or inf
   shows in the float64 sum <g', y> (NaN or inf; finite float32 products cannot overflow it). */
int64_t softmax_rows_vjp(const float *g, const float *ref, float *out, int64_t rows, int64_t m,
                         unsigned char *skip, int64_t from_y)
{
    int64_t nskip = 0;
    for (int64_t r = 0; r < rows; r++, g += m, ref += m, out += m) {
        skip[r] = 0;
        int64_t top;
        const float *y = ref;
        if (from_y) {
            if (!row_top(ref, m, &top)) {
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
        /* float32 terms t = (g - gt) y (<= 2u relative each, u = 2^-24), summed four vectors
           at a time in float32 as (t0 + t1) + (t2 + t3) (<= 2u more of their magnitudes),
           those sums in float64: <= 4u of sum |t| in all, within the 8u the vjp's
           conditioning allows (a cancelling g_i - <g', y> is only as good as g) */
        float gt = g[top];
        D acc = _mm256_setzero_pd();
        V gtv = vf(gt);
        int64_t i = 0;
#define SM_TERM(k) _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(g + i + (k)), gtv), \
                                 _mm256_loadu_ps(y + i + (k)))
        for (; i + 32 <= m; i += 32) {
            V t = _mm256_add_ps(_mm256_add_ps(SM_TERM(0), SM_TERM(8)),
                                _mm256_add_ps(SM_TERM(16), SM_TERM(24)));
            acc = _mm256_add_pd(acc, _mm256_add_pd(lo(t), hi(t)));
        }
        for (; i + 8 <= m; i += 8) {
            V t = SM_TERM(0);
            acc = _mm256_add_pd(acc, _mm256_add_pd(lo(t), hi(t)));
        }
#undef SM_TERM
        double dot = hsum(acc);
        for (; i < m; i++) dot += ((double)g[i] - gt) * y[i];
        if (!isfinite(dot)) {
            skip[r] = 1, nskip++;
            continue;
        }
        V dv = vf((float)dot);
        for (i = 0; i + 8 <= m; i += 8) {
            V w = _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(g + i), gtv), dv);
            _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), w));
        }
        for (; i < m; i++) out[i] = (float)((double)y[i] * (((double)g[i] - gt) - dot));
    }
    return nskip;
}

/* from y, all of y in [-87, 0]: one pass, p = vexp(y) in float32, out = g - p sum(g) with
   sum(g) from the check pass. For the top entry, p's rest over i != top is summed on the way
   (float64, the top lane zeroed: no 1 - p_top cancellation) and g's rest is sum(g) - g_top in
   float64, whose rounding (a few 2^-53 of sum |g|, times p_top) is far below the 8 ulp of the
   terms (p_top sum |g|) that the vjp is allowed */
static void log_softmax_vjp_fast(const float *g, const float *y, float *out, int64_t m,
                                 int64_t top, double gsum)
{
    double g_top = g[top], p_top = exp((double)y[top]);
    D pr = _mm256_setzero_pd();
    V gsv = vf((float)gsum);
    int64_t i = 0;
    for (; i + 16 <= m; i += 16) {  /* p's rest in float64 over float32 pairs (<= u of it) */
        V p0 = vexp_in(_mm256_loadu_ps(y + i)), p1 = vexp_in(_mm256_loadu_ps(y + i + 8));
        _mm256_storeu_ps(out + i, _mm256_fnmadd_ps(p0, gsv, _mm256_loadu_ps(g + i)));
        _mm256_storeu_ps(out + i + 8, _mm256_fnmadd_ps(p1, gsv, _mm256_loadu_ps(g + i + 8)));
        if (top >= i && top < i + 16) {
            if (top < i + 8) p0 = zero_lane(p0, top - i);
            else p1 = zero_lane(p1, top - i - 8);
        }
        V pp = _mm256_add_ps(p0, p1);
        pr = _mm256_add_pd(pr, _mm256_add_pd(lo(pp), hi(pp)));
    }
    for (; i + 8 <= m; i += 8) {
        V yv = _mm256_loadu_ps(y + i), pv = vexp_in(yv);
        _mm256_storeu_ps(out + i, _mm256_fnmadd_ps(pv, gsv, _mm256_loadu_ps(g + i)));
        if (top >= i && top < i + 8) pv = zero_lane(pv, top - i);
        pr = _mm256_add_pd(pr, _mm256_add_pd(lo(pv), hi(pv)));
    }
    double p_rest = hsum(pr);
    for (; i < m; i++) {
        double pi = exp((double)y[i]);
        out[i] = (float)((double)g[i] - pi * gsum);
        if (i != top) p_rest += pi;
    }
    out[top] = (float)(g_top * p_rest - p_top * (gsum - g_top));
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
        if (from_y) {  /* p = e^y */
            float ymin;
            double gsum;
            if (!row_check2(g, ref, m, &top, &ymin, &gsum)) {
                skip[r] = 1, nskip++;
                continue;
            }
            /* p normal, in vexp's domain; sum(g) a float32 (beyond, the float64 path) */
            if (ymin >= -87.0f && ref[top] <= 0.0f && fabs(gsum) <= FLT_MAX) {
                log_softmax_vjp_fast(g, ref, out, m, top, gsum);
                continue;
            }
            p_rest = sum_except(ref, m, top, 1);
            p_top = exp((double)ref[top]);
        } else {
            if (!row_check(g, m, -FLT_MAX, FLT_MAX, NULL)) {
                skip[r] = 1, nskip++;
                continue;
            }
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
