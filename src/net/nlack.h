/* SPDX-License-Identifier: MIT */
/*
 * Private to src/net (tc and nft): the kernel's answer to one netlink
 * request, read from its NLMSG_ERROR message, with the extended
 * acknowledgement (NETLINK_EXT_ACK, Linux 4.12) when the kernel gave one,
 * and said once for people.
 */
#ifndef EREBUS_NET_NLACK_H
#define EREBUS_NET_NLACK_H

#include <stdint.h>

#include <linux/netlink.h>

#include "erebus/util.h"

/* Socket options (SOL_NETLINK) that ask for these answers: the kernel's
 * words with errors, and errors without the request echoed. */
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct nlack {
	int error;		/* 0 (an acknowledgement) or the kernel's -errno */
	uint32_t offset;	/* of what the kernel refused, in bytes from the start of
				 * the request's header; 0: it did not say */
	char msg[160];		/* the kernel's words, or "" */
};

/*
 * Read the NLMSG_ERROR message nlh (nlh->nlmsg_len bytes, all present) into
 * *ret: its error, and the extended-ack text and offset when the message
 * carries them (NLM_F_ACK_TLVS; the request echoed or not, NLM_F_CAPPED).
 * Returns 0, or -EBADMSG when nlh is not a whole NLMSG_ERROR (*ret zeroed).
 */
int nlack_read(const struct nlmsghdr *nlh, struct nlack *ret);

/* Append what the kernel said, if anything, to a sentence about a failed
 * request: " (kernel: TEXT)", or " (kernel: TEXT; at byte N of the
 * request)" when it also pointed at an attribute. An offset without words
 * is left out: the caller's sentence already names the object. a NULL:
 * nothing. */
void nlack_describe(const struct nlack *a, struct sbuf *out);

#endif
