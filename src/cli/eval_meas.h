/*
 * cli/eval_meas.h - mwlink eval --meas-audit: do the observations'
 * statements (sigmas, sensor position, time tag) match the simulator's
 * draws, and does the filter's innovation covariance match its
 * innovations? See eval_meas.c.
 */
#ifndef MW_CLI_EVAL_MEAS_H
#define MW_CLI_EVAL_MEAS_H

#include <stdio.h>

#include "core/obs.h"
#include "sim/sim.h"
#include "track/tracker.h"

struct meas_audit;

/* A zeroed accumulator (NULL when out of memory). */
struct meas_audit *meas_audit_new(void);
void meas_audit_free(struct meas_audit *a);

/* Account for one observation before the tracker processes it: its error
 * against the truth through track/meas.c's h at the stated sensor
 * position and sigmas, and the innovation against the prediction of the
 * track of the same object (if any, with at least 3 updates). */
void meas_audit_obs(struct meas_audit *a, const struct sim *s, const struct track_tracker *tr,
                    const struct track_config *cfg, const struct mw_obs *o);

/* Print the tables. 0, or -EIO if the write failed. */
int meas_audit_print(const struct meas_audit *a, FILE *f);

#endif
