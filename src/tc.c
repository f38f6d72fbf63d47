/* SPDX-License-Identifier: MIT */
/* Traffic control over netlink (libnl-route-3). Placeholder until the
 * network faults land: nothing creates tc objects yet. */
#include "erebus/undo.h"

int tc_undo(const struct undo_rec *r)
{
	(void)r;
	return -ENOSYS;
}
