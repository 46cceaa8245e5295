/* Compiled kernels for the arithmetic elementwise losses (losslab.losses._compiled builds and loads this file).
 *
 * One pass over pred / target (and the per-example weights): each element's loss and gradient are computed in
 * the input's precision with the generic path's formulas, the gradient is written once, and the losses are added
 * in float64 by 16-lane leaves of 512 units combined pairwise (error O(log n) ulps, as NumPy's pairwise sum).
 * The pass also gathers what validation needs, and the call answers a status instead of raising:
 *   LL_NONFINITE  an input (or the result) is not finite,   LL_LABELS  hinge labels not all in {-1, +1} or all in
 *   {0, 1},   LL_WEIGHTS  a weight is negative or not finite.
 * The caller then hands the input to the generic path, which raises the proper error.
 *
 * Build without -ffast-math and with -ffp-contract=off (no fused multiply-adds): the results must be plain IEEE
 * arithmetic. -fno-trapping-math (which changes no result) lets the selects below be evaluated branch-free.
 * The body below is instantiated twice, for double (suffix _f64) and float (_f32), by including this file.
 */
#ifndef LL_BODY
#include <float.h>
#include <math.h>
#include <stddef.h>

enum { K_MSE, K_MAE, K_HUBER, K_SMOOTH_L1, K_QUANTILE, K_HINGE, K_SQUARED_HINGE };
enum { LL_OK = 0, LL_NONFINITE = 1, LL_LABELS = 2, LL_WEIGHTS = 3 };
enum { LANES = 16, LEAF = 512 };  /* 16 float64 lanes: four AVX registers of adds in flight */

#define INLINE static inline __attribute__((always_inline))

#define LL_BODY
#define T double
#define ABS fabs
#define T_MAX DBL_MAX
#define LABEL_COUNT long long /* as wide as T: the comparisons vectorize */
#define NAME(x) x##_f64
#include __FILE__
#undef T
#undef ABS
#undef T_MAX
#undef LABEL_COUNT
#undef NAME

#define T float
#define ABS fabsf
#define T_MAX FLT_MAX
#define LABEL_COUNT int
#define NAME(x) x##_f32
#include __FILE__

#else /* ------------------------------------------------------------ the body, for one float type T */

typedef struct {
    const T *p, *t, *w;  /* inputs; w: one weight per row, or NULL */
    T *g;                /* the gradient (NULL: not asked) */
    T *rows;             /* per-row losses (reduction "none"), or NULL */
    size_t k;            /* elements per row */
    int average;         /* a row's loss is the mean of its elements (else the sum) */
    T a, b, h;           /* loss constants, see elem() */
    T ga, gb;            /* gradient constants, the scale c folded in */
    /* validation, gathered over the pass */
    size_t neg, zero, one;  /* labels -1, 0 and +1 seen (hinge) */
    size_t bad_weight;
} NAME(ctx);

/* The loss of one element (returned) and c times its derivative (*g), with the generic path's formulas in T.
 * The loss is not finite when an input is not (for the hinge, p - p is added: max(0, 1 - t inf) would be 0).
 * Written branch-free (selects), so that the loops around it vectorize. */
INLINE T NAME(elem)(int kind, const NAME(ctx) *c, T p, T t, T *g)
{
    T d, a, v, s, m, h;
    switch (kind) {
    case K_MSE:  /* (p - t)^2; 2 c (p - t) */
        d = p - t;
        *g = d * c->ga;
        return d * d;
    case K_MAE:  /* |p - t|; c sign(p - t) */
        d = p - t;
        *g = d > 0 ? c->ga : (d < 0 ? -c->ga : (T)0);
        return ABS(d);
    case K_HUBER:  /* a = |p - t|: a <= delta ? a^2 / 2 : delta (a - delta / 2); c clip(p - t, -delta, delta) */
        d = p - t;
        a = ABS(d);
        *g = (d < -c->a ? -c->a : (d > c->a ? c->a : d)) * c->ga;
        return a <= c->a ? (T)0.5 * a * a : c->a * (a - c->b);
    case K_SMOOTH_L1:  /* a < beta ? (0.5 / beta) a^2 : a - beta / 2; c clip((p - t) / beta, -1, 1) */
        d = p - t;
        a = ABS(d);
        v = d * c->gb;
        *g = (v < -1 ? (T)-1 : (v > 1 ? (T)1 : v)) * c->ga;
        return a < c->a ? c->b * a * a : a - c->h;
    case K_QUANTILE:  /* d = t - p: max(q d, (q - 1) d); slope -q c under the target, (1 - q) c above */
        d = t - p;
        *g = d > 0 ? c->ga : (d < 0 ? c->gb : (T)0);
        s = c->a * d;
        h = c->b * d;
        return s > h ? s : h;  /* NaN d gives h = NaN */
    default:  /* K_HINGE, K_SQUARED_HINGE: s = t (0 read as -1), h = max(0, 1 - s p) */
        s = t == 0 ? (T)-1 : t;
        m = s * p;
        h = 1 - m;
        h = h > 0 ? h : (T)0;
        if (kind == K_HINGE) {
            *g = m < 1 ? s * c->ga : (T)0;  /* ga = -c */
            return h + (p - p);
        }
        *g = h * s * c->ga;  /* ga = -2 c */
        return h * h + (p - p);
    }
}

/* sum(v[0 .. m - 1]) in float64: LANES lanes, then pairwise (as NumPy's pairwise leaf, with twice the lanes). */
INLINE double NAME(sum)(const T *v, size_t m)
{
    double r[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= m; i += LANES)
        for (int j = 0; j < LANES; j++)
            r[j] += (double)v[i + j];
    double tail = 0.0;  /* (not r[i % LANES]: an indexed lane would keep r in memory, not in registers) */
    for (; i < m; i++)
        tail += (double)v[i];
    for (int w = LANES / 2; w > 0; w /= 2)
        for (int j = 0; j < w; j++)
            r[j] = r[j] + r[j + w];
    return r[0] + tail;
}

/* Count the labels -1, 0, +1 among t[0 .. m - 1] (hinge). */
INLINE void NAME(labels)(NAME(ctx) *c, const T *t, size_t m)
{
    LABEL_COUNT neg = 0, zero = 0, one = 0;
    for (size_t i = 0; i < m; i++) {
        neg += t[i] == -1;
        zero += t[i] == 0;
        one += t[i] == 1;
    }
    c->neg += (size_t)neg;
    c->zero += (size_t)zero;
    c->one += (size_t)one;
}

/* Units i0 .. i0 + m - 1 (m <= LEAF) as single elements (no weights, no per-row output): their loss sum. */
INLINE double NAME(leaf_flat)(int kind, int grad, NAME(ctx) *c, size_t i0, size_t m)
{
    const T *p = c->p + i0, *t = c->t + i0;
    T *g = grad ? c->g + i0 : NULL;
    T v[LEAF];
    for (size_t i = 0; i < m; i++) {
        T gv;
        v[i] = NAME(elem)(kind, c, p[i], t[i], &gv);
        if (grad)
            g[i] = gv;
    }
    if (kind == K_HINGE || kind == K_SQUARED_HINGE)
        NAME(labels)(c, t, m);
    return NAME(sum)(v, m);
}

/* Rows r0 .. r0 + m - 1 (m <= LEAF) of k elements, with weights and / or per-row output: their loss sum. A row's
 * loss: the float64 sum of its elements, rounded to T, divided by k (average), times its weight (as the generic
 * path: mean, then weight). */
INLINE double NAME(leaf_rows)(int kind, int grad, NAME(ctx) *c, size_t r0, size_t m)
{
    const size_t k = c->k;
    const T *w = c->w ? c->w + r0 : NULL;
    T *rows = c->rows ? c->rows + r0 : NULL;
    T per[LEAF];
    size_t bad = 0;
    if (k == 1) {  /* one element a row: a flat loop */
        const T *p = c->p + r0, *t = c->t + r0;
        T *g = grad ? c->g + r0 : NULL;
        for (size_t i = 0; i < m; i++) {
            T gv;
            per[i] = NAME(elem)(kind, c, p[i], t[i], &gv);
            if (grad)
                g[i] = gv;
        }
        if (kind == K_HINGE || kind == K_SQUARED_HINGE)
            NAME(labels)(c, t, m);
    } else {
        for (size_t i = 0; i < m; i++) {
            const T *p = c->p + (r0 + i) * k, *t = c->t + (r0 + i) * k;
            T *g = grad ? c->g + (r0 + i) * k : NULL;
            double rs = 0.0;
            for (size_t j0 = 0; j0 < k; j0 += LEAF) {
                size_t mj = k - j0 < LEAF ? k - j0 : LEAF;
                T v[LEAF];
                for (size_t j = 0; j < mj; j++) {
                    T gv;
                    v[j] = NAME(elem)(kind, c, p[j0 + j], t[j0 + j], &gv);
                    if (grad)
                        g[j0 + j] = gv;
                }
                if (kind == K_HINGE || kind == K_SQUARED_HINGE)
                    NAME(labels)(c, t + j0, mj);
                rs += NAME(sum)(v, mj);
            }
            per[i] = c->average ? (T)rs / (T)k : (T)rs;
        }
    }
    if (w) {
        for (size_t i = 0; i < m; i++) {
            bad += !(w[i] >= 0) | !(w[i] <= T_MAX);
            per[i] = per[i] * w[i];
        }
        if (grad) {
            T *g = c->g + r0 * k;
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < k; j++)
                    g[i * k + j] = g[i * k + j] * w[i];
        }
    }
    if (rows)
        for (size_t i = 0; i < m; i++)
            rows[i] = per[i];
    c->bad_weight += bad;
    return NAME(sum)(per, m);
}

/* All units, leaf by leaf; the leaf sums are combined pairwise (a binary counter of partial sums). */
INLINE double NAME(pass)(int kind, int grad, int flat, NAME(ctx) *c, size_t units)
{
    double stack[64];
    unsigned level[64];
    int sp = 0;
    for (size_t i0 = 0; i0 < units; i0 += LEAF) {
        size_t m = units - i0 < LEAF ? units - i0 : LEAF;
        double s = flat ? NAME(leaf_flat)(kind, grad, c, i0, m) : NAME(leaf_rows)(kind, grad, c, i0, m);
        unsigned lv = 0;
        while (sp > 0 && level[sp - 1] == lv) {
            s = stack[--sp] + s;
            lv++;
        }
        stack[sp] = s;
        level[sp] = lv;
        sp++;
    }
    double total = 0.0;
    while (sp > 0)
        total = stack[--sp] + total;
    return total;
}

#define LL_DISPATCH(K)                                                                                    \
    case K:                                                                                               \
        total = flat ? (grad ? NAME(pass)(K, 1, 1, &c, units) : NAME(pass)(K, 0, 1, &c, units))           \
                     : (grad ? NAME(pass)(K, 1, 0, &c, units) : NAME(pass)(K, 0, 0, &c, units));          \
        break;

/* The entry point. n rows of k elements; w: n weights or NULL; param: delta (huber), beta (smooth_l1), q
 * (quantile); scale: the gradient is scale times the derivative (times the row's weight); g, rows: outputs or
 * NULL. Writes the float64 sum of the (weighted, per-row when w or rows is given) losses to *value. */
int NAME(ll_elementwise)(int kind, const T *p, const T *t, const T *w, size_t n, size_t k, int average,
                         double param, double scale, T *g, T *rows, double *value)
{
    NAME(ctx) c = {0};
    c.p = p;
    c.t = t;
    c.w = w;
    c.g = g;
    c.rows = rows;
    c.k = k;
    c.average = average;
    switch (kind) {
    case K_MSE: c.ga = (T)(2.0 * scale); break;
    case K_MAE: c.ga = (T)scale; break;
    case K_HUBER: c.a = (T)param; c.b = (T)(0.5 * param); c.ga = (T)scale; break;
    case K_SMOOTH_L1: c.a = (T)param; c.b = (T)(0.5 / param); c.h = (T)(0.5 * param); c.gb = (T)(1.0 / param); c.ga = (T)scale; break;
    case K_QUANTILE:
        c.a = (T)param; c.b = (T)(param - 1.0); c.ga = (T)(-param * scale); c.gb = (T)((1.0 - param) * scale);
        break;
    case K_HINGE: c.ga = (T)(-scale); break;
    case K_SQUARED_HINGE: c.ga = (T)(-2.0 * scale); break;
    default: return -1;
    }
    const int grad = g != NULL;
    const int flat = w == NULL && rows == NULL;
    const size_t units = flat ? n * k : n;
    if (flat)
        c.k = 1;
    double total = 0.0;
    switch (kind) {
        LL_DISPATCH(K_MSE)
        LL_DISPATCH(K_MAE)
        LL_DISPATCH(K_HUBER)
        LL_DISPATCH(K_SMOOTH_L1)
        LL_DISPATCH(K_QUANTILE)
        LL_DISPATCH(K_HINGE)
        LL_DISPATCH(K_SQUARED_HINGE)
    }
    *value = total;
    if (c.bad_weight)
        return LL_WEIGHTS;
    if (kind == K_HINGE || kind == K_SQUARED_HINGE) {
        if (c.neg + c.zero + c.one != n * k || (c.neg > 0 && c.zero > 0))
            return LL_LABELS;  /* a label outside {-1, 0, +1}, or a mix of -1 and 0 */
    }
    if (!isfinite(total))
        return LL_NONFINITE;
    return LL_OK;
}
#undef LL_DISPATCH

#endif /* LL_BODY */
