/* SPDX-License-Identifier: MIT */
#include <net/if.h>

#include "erebus/netfault.h"
#include "erebus/netns.h"

const char *const net_direction_choices[] = { "egress", "ingress", "both", NULL };
const char *const net_protocol_choices[] = { "tcp", "udp", "icmp", NULL };

void net_match_get(const struct section *s, struct net_match *ret)
{
	const struct opt_value *dst = section_get(s, "destination");
	const struct opt_value *proto = section_get(s, "protocol");

	*ret = (struct net_match){
		.interface = section_str(s, "interface"),
		.direction = (enum net_direction)section_int(s, "direction"),
		.destinations = dst->present ? dst->cidrs : NULL,
		.n_destinations = dst->present ? dst->n_cidrs : 0,
		.port = section_has(s, "port") ? (int)section_int(s, "port") : 0,
		.protocol = proto->present ? (enum net_protocol)(proto->i + 1) : NET_PROTO_ANY,
	};
}

int net_match_find_interface(const struct section *s, int netns_fd, const char *where, unsigned *ret_line,
			     char **ret_err)
{
	const struct opt_value *ifname = section_get(s, "interface");
	unsigned idx;
	int saved, r, e;

	*ret_err = NULL;
	*ret_line = ifname ? ifname->line : 0;
	if (!ifname || !ifname->present)
		return 0;
	r = netns_enter(netns_fd, &saved);
	if (r < 0) {
		*ret_err = xasprintf("cannot enter %s: %s", where, strerror(-r));
		return r;
	}
	idx = if_nametoindex(ifname->raw);
	e = errno;
	netns_leave(saved);
	if (idx)
		return 0;
	if (e != ENODEV && e != ENXIO) {
		*ret_err = xasprintf("cannot look up interface %s in %s: %s", ifname->raw, where, strerror(e));
		return -e;
	}
	*ret_err = xasprintf("no interface %s in %s", ifname->raw, where);
	return -ENODEV;
}

void net_match_check(const struct section *s, struct diag *d)
{
	const struct opt_value *port = section_get(s, "port");
	const struct opt_value *proto = section_get(s, "protocol");
	const struct opt_value *ifname = section_get(s, "interface");

	if (port->present && proto->present && proto->i == NET_PROTO_ICMP - 1)
		diag_error(d, port->line, s->label, "port", "icmp has no ports; remove port or use tcp or udp");
	if (ifname->present && (strlen(ifname->raw) >= 16 || strpbrk(ifname->raw, " /")))
		diag_error(d, ifname->line, s->label, "interface",
			   "\"%s\" is not an interface name (at most 15 characters, no spaces or /)", ifname->raw);
}

void net_match_describe(const struct net_match *m, struct sbuf *out)
{
	char buf[64];

	sbuf_addf(out, " on %s %s", m->interface ? m->interface : "?",
		  net_direction_choices[m->direction]);
	for (unsigned i = 0; i < m->n_destinations; i++)
		sbuf_addf(out, "%s%s", i ? ", " : (m->direction == NET_INGRESS ? " from " : " with "),
			  format_cidr(&m->destinations[i], buf, sizeof(buf)));
	if (m->port)
		sbuf_addf(out, " port %d", m->port);
	if (m->protocol != NET_PROTO_ANY)
		sbuf_addf(out, " %s", net_protocol_choices[m->protocol - 1]);
	if (!net_match_targeted(m))
		sbuf_add(out, " (all traffic)");
}
