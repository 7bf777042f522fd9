/*
 * track/assign.c - optimal rectangular 2-D assignment by shortest
 * augmenting paths (Jonker-Volgenant without initialisation, in the
 * form described by Crouse 2016, IEEE TAES 52(4), section III/Alg. 1-2).
 *
 * How it works. Rows are assigned one at a time. For the new row a
 * Dijkstra-like search over the reduced costs C[i][j] - u[i] - v[j]
 * (non-negative by the dual invariants) finds the cheapest alternating
 * path from the row to a free column; the path is then flipped
 * (augmented), and the dual variables u (rows) and v (columns) are
 * updated so that the reduced costs of the assigned pairs stay zero and
 * all others stay non-negative. After nr augmentations the assignment is
 * optimal (complementary slackness). Cost O(nr^2 nc) worst case.
 *
 * Invariants:
 *  1. After each augmentation, for every assigned pair (i, j):
 *     C[i][j] - u[i] - v[j] = 0, and for all feasible pairs >= 0
 *     (up to rounding).
 *  2. col4row and row4col are inverse partial maps.
 *  3. ws arrays are sized for the largest problem seen; no other memory.
 */
#include "track/assign.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/err.h"

void track_assign_ws_init(struct track_assign_ws *ws)
{
	*ws = (struct track_assign_ws){0};
}

void track_assign_ws_finish(struct track_assign_ws *ws)
{
	if (!ws)
		return;
	free(ws->u);
	free(ws->v);
	free(ws->spc);
	free(ws->path);
	free(ws->col4row);
	free(ws->row4col);
	free(ws->remaining);
	free(ws->sr);
	free(ws->sc);
	*ws = (struct track_assign_ws){0};
}

static int ws_reserve(struct track_assign_ws *ws, int nr, int nc)
{
	if (nr <= ws->cap_r && nc <= ws->cap_c)
		return 0;
	int r = nr > ws->cap_r ? nr : ws->cap_r;
	int c = nc > ws->cap_c ? nc : ws->cap_c;
	struct track_assign_ws n = {0};
	n.cap_r = r;
	n.cap_c = c;
	n.u = malloc((size_t)r * sizeof(double));
	n.v = malloc((size_t)c * sizeof(double));
	n.spc = malloc((size_t)c * sizeof(double));
	n.path = malloc((size_t)c * sizeof(int));
	n.col4row = malloc((size_t)r * sizeof(int));
	n.row4col = malloc((size_t)c * sizeof(int));
	n.remaining = malloc((size_t)c * sizeof(int));
	n.sr = malloc((size_t)r);
	n.sc = malloc((size_t)c);
	if (!n.u || !n.v || !n.spc || !n.path || !n.col4row || !n.row4col || !n.remaining ||
	    !n.sr || !n.sc) {
		track_assign_ws_finish(&n);
		return -ENOMEM;
	}
	track_assign_ws_finish(ws);
	*ws = n;
	return 0;
}

/*
 * One augmentation for cur_row: Dijkstra over reduced costs. Returns the
 * sink column, or -1 if no free column is reachable at finite cost.
 */
static int augment_row(struct track_assign_ws *ws, const double *C, int nr, int nc, int cur_row,
                       double *min_val_out)
{
	double *u = ws->u, *v = ws->v, *spc = ws->spc;
	int n_rem = nc;
	for (int j = 0; j < nc; j++) {
		ws->remaining[j] = nc - 1 - j;
		spc[j] = INFINITY;
		ws->sc[j] = 0;
	}
	for (int i = 0; i < nr; i++)
		ws->sr[i] = 0;

	double min_val = 0.0;
	int i = cur_row;
	int sink = -1;
	while (sink < 0) {
		int idx = -1;
		double lowest = INFINITY;
		ws->sr[i] = 1;
		const double *row = C + (size_t)i * (size_t)nc;
		for (int k = 0; k < n_rem; k++) {
			int j = ws->remaining[k];
			double r = min_val + row[j] - u[i] - v[j];
			if (r < spc[j]) {
				ws->path[j] = i;
				spc[j] = r;
			}
			/* Prefer an unassigned column on ties: ends the search early. */
			if (spc[j] < lowest || (spc[j] == lowest && ws->row4col[j] < 0)) {
				lowest = spc[j];
				idx = k;
			}
		}
		min_val = lowest;
		if (idx < 0 || !isfinite(min_val))
			return -1;
		int j = ws->remaining[idx];
		if (ws->row4col[j] < 0)
			sink = j;
		else
			i = ws->row4col[j];
		ws->sc[j] = 1;
		ws->remaining[idx] = ws->remaining[--n_rem];
	}
	*min_val_out = min_val;
	return sink;
}

int track_assign(struct track_assign_ws *ws, const double *C, int nr, int nc, int *col4row,
                 double *total)
{
	if (!ws || !C || !col4row || nr < 0 || nc < nr || nc > TRACK_ASSIGN_MAX)
		return -EINVAL;
	for (size_t k = 0; k < (size_t)nr * (size_t)nc; k++)
		if (isnan(C[k]) || C[k] == -INFINITY)
			return -EINVAL;
	if (nr == 0) {
		if (total)
			*total = 0.0;
		return 0;
	}
	int rc = ws_reserve(ws, nr, nc);
	if (rc < 0)
		return rc;
	for (int i = 0; i < nr; i++) {
		ws->u[i] = 0.0;
		ws->col4row[i] = -1;
	}
	for (int j = 0; j < nc; j++) {
		ws->v[j] = 0.0;
		ws->row4col[j] = -1;
	}

	for (int cur = 0; cur < nr; cur++) {
		double min_val = 0.0;
		int sink = augment_row(ws, C, nr, nc, cur, &min_val);
		if (sink < 0)
			return -MW_EENVELOPE;
		/* Dual update (Crouse 2016, Alg. 1, steps after the search). */
		ws->u[cur] += min_val;
		for (int i = 0; i < nr; i++)
			if (ws->sr[i] && i != cur)
				ws->u[i] += min_val - ws->spc[ws->col4row[i]];
		for (int j = 0; j < nc; j++)
			if (ws->sc[j])
				ws->v[j] -= min_val - ws->spc[j];
		/* Augment along the path back to cur. */
		int j = sink;
		for (;;) {
			int i = ws->path[j];
			ws->row4col[j] = i;
			int prev = ws->col4row[i];
			ws->col4row[i] = j;
			j = prev;
			if (i == cur)
				break;
		}
	}
	double sum = 0.0;
	for (int i = 0; i < nr; i++) {
		col4row[i] = ws->col4row[i];
		sum += C[(size_t)i * (size_t)nc + (size_t)ws->col4row[i]];
	}
	if (total)
		*total = sum;
	return 0;
}
