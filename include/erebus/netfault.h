/* SPDX-License-Identifier: MIT */
/*
 * What every network fault shares: where it acts (interface, direction)
 * and which traffic it touches (destination, port, protocol). A fault's
 * option table starts with NET_MATCH_OPTIONS; net_match_get() reads the
 * parsed values back as one struct.
 */
#ifndef EREBUS_NETFAULT_H
#define EREBUS_NETFAULT_H

#include "erebus/experiment.h"
#include "erebus/options.h"

enum net_direction { NET_EGRESS, NET_INGRESS, NET_BOTH };
enum net_protocol { NET_PROTO_ANY, NET_PROTO_TCP, NET_PROTO_UDP, NET_PROTO_ICMP };

extern const char *const net_direction_choices[];	/* egress, ingress, both */
extern const char *const net_protocol_choices[];	/* tcp, udp, icmp */

#define NET_MATCH_OPTIONS(directions)                                                          \
	{ "interface", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,                             \
	  "Network interface in the target's namespace, e.g. eth0" },                          \
	{ "direction", OPT_ENUM, 0, "egress", 0, 0, directions,                                \
	  "egress (leaving the interface) or ingress (arriving)" },                            \
	{ "destination", OPT_CIDR, OPT_MULTI, NULL, 0, 0, NULL,                                \
	  "Only traffic with this peer (IPv4/IPv6 address or network)" },                       \
	{ "port", OPT_INT, 0, NULL, 1, 65535, NULL, "Only traffic with this peer port" },      \
	{ "protocol", OPT_ENUM, 0, NULL, 0, 0, net_protocol_choices,                           \
	  "Only this protocol: tcp, udp or icmp" }

struct net_match {
	const char *interface;
	enum net_direction direction;
	const struct cidr *destinations;	/* borrowed from the section */
	unsigned n_destinations;
	int port;				/* 0: any */
	enum net_protocol protocol;
};

/* True when the fault touches only some traffic (and so needs a filter). */
static inline bool net_match_targeted(const struct net_match *m)
{
	return m->n_destinations || m->port || m->protocol != NET_PROTO_ANY;
}

/* Read the NET_MATCH_OPTIONS values of s. */
void net_match_get(const struct section *s, struct net_match *ret);
/* Is the interface s names (if any) in the network namespace netns_fd
 * (-1: Erebus' own)? 0 (also when s names none), -ENODEV with *ret_err
 * ("no interface eth9 in WHERE"), or another -errno with *ret_err when
 * the namespace cannot be entered. *ret_line: the interface key's line. */
int net_match_find_interface(const struct section *s, int netns_fd, const char *where, unsigned *ret_line,
			     char **ret_err);
/* Cross-field checks shared by network faults (port needs tcp or udp...). */
void net_match_check(const struct section *s, struct diag *d);
/* " on eth0 egress to 10.0.0.0/8 port 80 tcp" for describe(). */
void net_match_describe(const struct net_match *m, struct sbuf *out);

#endif
