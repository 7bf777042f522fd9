/*
 * track/v2d.h - two doubles at once for the filter's small loops
 * (internal to track/).
 *
 * Why: the filter's matrix loops (the update's gain and Joseph form,
 * the measurement prediction's P H^T) compute many independent entries,
 * each a short sum in a fixed order. Two such entries side by side in an
 * SSE2 register go through the same IEEE operations as one at a time:
 * a packed add, multiply, divide or square root rounds each lane exactly
 * as the scalar instruction does, so the results are the same doubles,
 * for half the instructions. The order of every sum stays the scalar
 * code's: a vectorised loop runs across entries (lanes), never across
 * the terms of one sum.
 *
 * This holds as long as nothing fuses a multiply and an add (the build
 * targets x86-64 without FMA, and GCC contracts a*b+c only where an FMA
 * instruction exists); it is the same condition the scalar code's
 * results already depend on.
 *
 * GNU C vector extensions (gcc and clang): operators act lane-wise; loads
 * and stores go through memcpy (no alignment assumed).
 */
#ifndef MW_TRACK_V2D_H
#define MW_TRACK_V2D_H

#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef double track_v2d __attribute__((vector_size(16)));
/* A lane-wise comparison of two track_v2d: -1 (true) or 0 per lane. */
typedef long long track_v2l __attribute__((vector_size(16)));

static inline track_v2d track_v2_load(const double *p)
{
	track_v2d v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void track_v2_store(double *p, track_v2d v)
{
	memcpy(p, &v, sizeof(v));
}

/* {a, a} */
static inline track_v2d track_v2_dup(double a)
{
	return (track_v2d){a, a};
}

/* {a, b} */
static inline track_v2d track_v2_set(double a, double b)
{
	return (track_v2d){a, b};
}

/* {sqrt(v[0]), sqrt(v[1])}: a packed square root rounds each lane as the
 * scalar one does (IEEE 754 square root, correctly rounded). */
static inline track_v2d track_v2_sqrt(track_v2d v)
{
#if defined(__SSE2__)
	return (track_v2d)_mm_sqrt_pd((__m128d)v);
#else
	return (track_v2d){sqrt(v[0]), sqrt(v[1])};
#endif
}

#endif
