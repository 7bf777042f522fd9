/*
 * track/assign.h - optimal 2-D (rectangular) assignment.
 *
 * Minimise sum_i C[i][col4row[i]] over one-to-one maps of the nr rows
 * into the nc columns (nr <= nc), by the shortest-augmenting-path
 * Jonker-Volgenant method without initialisation, as described in
 * D. F. Crouse, "On implementing 2D rectangular assignment algorithms",
 * IEEE Trans. Aerospace and Electronic Systems 52(4):1679-1696, 2016.
 * Re-implemented here from the paper's description.
 *
 * Forbidden pairs have cost INFINITY. If no assignment of finite cost
 * exists the function returns -MW_EENVELOPE ("infeasible").
 */
#ifndef MW_TRACK_ASSIGN_H
#define MW_TRACK_ASSIGN_H

#include <stddef.h>

#define TRACK_ASSIGN_MAX 8192 /* rows and columns */

/* Scratch space for one problem size; reusable, caller-owned. */
struct track_assign_ws {
	int cap_r, cap_c;
	double *u, *v, *spc;
	int *path, *col4row, *row4col, *remaining;
	unsigned char *sr, *sc;
};

void track_assign_ws_init(struct track_assign_ws *ws);
void track_assign_ws_finish(struct track_assign_ws *ws);

/*
 * Solve. C is nr x nc row-major (finite or +INFINITY; NaN or -inf is
 * -EINVAL), nr <= nc <= TRACK_ASSIGN_MAX. On success col4row[i] is the
 * column of row i and *total the minimal cost; returns 0.
 * Errors: -EINVAL, -ENOMEM, -MW_EENVELOPE (infeasible).
 */
int track_assign(struct track_assign_ws *ws, const double *C, int nr, int nc, int *col4row,
                 double *total);

#endif
