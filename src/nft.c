/* SPDX-License-Identifier: MIT */
/* nftables over netlink (libnftnl, libmnl). Placeholder until the
 * partition fault lands: nothing creates nft tables yet. */
#include "erebus/undo.h"

int nft_undo(const struct undo_rec *r)
{
	(void)r;
	return -ENOSYS;
}
