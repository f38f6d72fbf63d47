/* SPDX-License-Identifier: MIT */
/*
 * nftables over netlink, with libnftnl (message building) and libmnl (the
 * socket): what the partition fault puts in the kernel, and how it takes
 * it out. No nft process, no shell.
 *
 * One partition is one `inet` table named erebus_<pid>_<fault> with the
 * owner flag (NFT_TABLE_F_OWNER): the kernel removes the table when the
 * netlink socket that created it is closed, so a SIGKILLed Erebus leaves
 * nothing behind. The socket (struct nft_sock) must therefore stay open
 * for as long as the table should exist; while it does, no other socket
 * (not even `nft` run by root) may change or delete the table.
 *
 * The table holds up to two base chains, `output` (hook output) and
 * `input` (hook input), both `type filter priority raw` (-300): after
 * defragmentation, before conntrack, NAT and every filter chain, so a
 * dropped packet creates no conntrack entry and the address matched is the
 * one the application used. Each rule drops one (peer, protocol) case and
 * counts what it dropped:
 *
 *   oifname "eth0" ip daddr 10.0.0.0/8 tcp dport 80 counter drop     (output)
 *   iifname "eth0" ip saddr 10.0.0.0/8 tcp sport 80 counter drop     (input)
 *
 * Creating the table with its chains and rules is one batched netlink
 * transaction, and so is deleting it; every message is acknowledged.
 */
#ifndef EREBUS_NFT_H
#define EREBUS_NFT_H

#include <sys/types.h>

#include "erebus/netfault.h"
#include "erebus/undo.h"
#include "erebus/util.h"

#define NFT_TABLE_PREFIX "erebus_"
#define NFT_NAME_MAX	 64		/* with the NUL; = sizeof(struct undo_net.name) */
#define NFT_PRIORITY	 (-300)		/* NF_IP_PRI_RAW: nft prints it as "raw" */

/* What one drop table contains. Pointers are borrowed. */
struct nft_drop {
	const char *table;		/* from nft_table_name() */
	const char *ifname;		/* oifname/iifname; NULL: any interface */
	bool egress, ingress;		/* chain output, chain input */
	const struct cidr *peers;	/* the remote side; none: every peer */
	unsigned n_peers;
	uint16_t port;			/* the peer's port (tcp/udp); 0: any */
	enum net_protocol protocol;	/* NET_PROTO_ANY with a port: tcp and udp */
};

/* One rule of a drop table, as nft_drop_rules() expands it. */
struct nft_rule {
	bool input;			/* chain input (else output) */
	const struct cidr *peer;	/* NULL: any peer */
	uint8_t l4proto;		/* IPPROTO_*; 0: any */
	uint16_t port;			/* 0: any */
};

/*
 * "erebus_<pid>_<fault>" into buf (NFT_NAME_MAX bytes): every character of
 * the fault name outside [A-Za-z0-9_] becomes '_', and the result is cut
 * to NFT_NAME_MAX - 1 characters. Returns buf.
 */
const char *nft_table_name(pid_t pid, const char *fault, char buf[static NFT_NAME_MAX]);

/* The first prefix bits set, the rest clear, over len bytes. */
void nft_prefix_mask(unsigned prefix, size_t len, uint8_t *mask);

/* Expand d into rules: output chain first, then input; per chain, per
 * peer, per protocol. Returns the count; *ret (caller frees) may be NULL
 * when it is 0. */
size_t nft_drop_rules(const struct nft_drop *d, struct nft_rule **ret);

/* One rule as `nft list table` prints it, without counter values:
 * `oifname "eth0" ip daddr 10.0.0.0/8 tcp dport 80 counter drop`. */
void nft_rule_describe(const struct nft_drop *d, const struct nft_rule *r, struct sbuf *out);

/* The expressions of the rule as nft_drop_create() sends them, one per
 * line, as `nft --debug=netlink` prints them: "[ meta load oifname => reg 1 ]". */
void nft_rule_expressions(const struct nft_drop *d, const struct nft_rule *r, struct sbuf *out);

/* The whole table, one object per line, each line starting with indent:
 * "table inet NAME (flags owner)", each chain line as nft prints it, then
 * its rules indented by a tab. Exactly what nft_drop_create() sends. */
void nft_drop_describe(const struct nft_drop *d, const char *indent, struct sbuf *out);

struct nft_sock;

/*
 * Open an nfnetlink socket inside netns_fd (-1: Erebus' own namespace).
 * The socket stays in that namespace for its whole life. Returns 0 and
 * *ret (close with nft_close()), or -errno and *ret_err (caller frees).
 */
int nft_open(int netns_fd, struct nft_sock **ret, char **ret_err);

/*
 * Create the table of d, with the owner flag, its chains and rules, in one
 * transaction, and check every acknowledgement. On a kernel error nothing
 * was created (the transaction is atomic) and *ret_created is false; when
 * the outcome is unknown (an acknowledgement lost) it is true, so that the
 * caller still deletes. Returns 0, or -errno with *ret_err.
 * *ret_usec: from sending to the last acknowledgement.
 * Blocks until the kernel has answered: it answers inside the request's
 * sendmsg(), and is given 5 s at most after it (then the outcome is
 * unknown, -ETIMEDOUT). nft_table_delete(), nft_undo() and nft_exists()
 * wait the same way.
 */
int nft_drop_create(struct nft_sock *s, const struct nft_drop *d, bool *ret_created,
		    int64_t *ret_usec, char **ret_err);

/* Delete table name (family inet) in one acknowledged transaction.
 * A table already gone is success. Returns 0 or -errno with *ret_err. */
int nft_table_delete(struct nft_sock *s, const char *name, int64_t *ret_usec, char **ret_err);

/* Close the socket: the kernel then removes every table it owns. NULL ok. */
void nft_close(struct nft_sock *s);

struct undo_rec;

/*
 * Undo an UNDO_NFT_TABLE record, from a socket of its own in the record's
 * namespace. It verifies rather than deletes: Erebus creates its tables
 * only with the owner flag, so its table went when the owning socket
 * closed, or is still held by that socket, which the kernel lets nobody
 * else delete. Absent (or a table of that name without the owner flag,
 * which is not Erebus') is success; owned is -EBUSY. Returns 0 or -errno.
 */
int nft_undo(const struct undo_rec *r);

/*
 * Is the table r names (UNDO_NFT_TABLE) still in the kernel? A question,
 * never a change: queries the table, and counts it only when it carries
 * the owner flag, as nft_undo() does. Returns 1 (there), 0 (gone) or
 * -errno (cannot tell).
 */
int nft_exists(const struct undo_rec *r);

/*
 * Can this kernel run a partition? A child process, in a network namespace
 * of its own (the host's ruleset is never touched), creates and deletes a
 * drop table using every expression a partition uses. The answer is
 * cached. Returns 0, or -errno with *reason (static text saying what to do).
 */
int nft_supported(const char **reason);


#endif
