/* SPDX-License-Identifier: MIT */
/*
 * The undo ledger: before each change Erebus makes, the record that undoes
 * it is appended to a file under /run/erebus/ and synced; when the record
 * has been replayed, a line marks it done. A run that ends cleanly removes
 * its ledger. If the engine dies, its guardian (or, later, `erebus
 * recover`) replays what is left, newest first (include/erebus/recovery.h).
 * This module is the file alone (src/undo/ledger.c).
 *
 * Format (text, one record per line, version 1):
 *   erebus-ledger 1 pid=PID start=STARTTIME boot=BOOT_ID experiment=NAME
 *   guardian pid=PID start=STARTTIME
 *   + SEQ sigcont pid=P start=S comm=NAME
 *   + SEQ tc-qdisc ns=DEV:INO cookie=N if=N parent=HEX handle=HEX name=KIND
 *   + SEQ tc-class ns=DEV:INO if=N parent=HEX handle=HEX
 *   + SEQ tc-filter ns=DEV:INO if=N parent=HEX handle=HEX prio=N proto=HEX name=KIND
 *   + SEQ link ns=DEV:INO if=N name=NAME
 *   + SEQ nft-table ns=DEV:INO family=N name=NAME
 *   - SEQ
 * Every network record names its namespace by ns=DEV:INO and, where the
 * kernel has SO_NETNS_COOKIE (Linux 5.14+), cookie=N; records written
 * without a cookie (older ledgers, older kernels) are read as they are.
 * A line that does not parse is reported and skipped, never guessed at,
 * and counted: a ledger with such a line is never called clean or removed
 * by a replay. BOOT_ID is /proc/sys/kernel/random/boot_id: records of
 * another boot name processes that are gone and namespaces and interfaces
 * that may now be others', so they are not replayed (recovery.h). Replay
 * touches only objects Erebus tags (reserved tc handles,
 * erebus-prefixed names), so a damaged ledger cannot make Erebus remove
 * something it did not create.
 */
#ifndef EREBUS_LEDGER_H
#define EREBUS_LEDGER_H

#include <stdio.h>

#include "erebus/rundir.h"
#include "erebus/undo.h"

/*
 * Open this run's ledger in the run directory (include/erebus/rundir.h;
 * made if needed, checked always). The ledger appears under its name
 * PID.ledger only complete with its header (written under a temporary
 * name, synced, then linked), and locked (flock on its open file
 * description, which the guardian inherits): a locked ledger is live, and
 * neither `erebus recover` nor another run touches it. Refuses with
 * -EEXIST while a ledger no live run holds is there (*ret_err names it,
 * `erebus recover` and `erebus recover --forget FILE`), and with -EPERM
 * when something in the run directory is not a file Erebus may read.
 * Returns 0 or -errno with *ret_err.
 */
int ledger_open(const char *experiment, char **ret_err);
/* Note the guardian's identity in the ledger. */
void ledger_note_guardian(pid_t pid);
/* The open ledger, for the guardian to inherit: its fd (holding the
 * ledger's lock), its directory's fd, its name and directory. -EBADF when
 * no ledger is open. The fds stay the ledger module's. */
struct ledger_at {
	int fd, dfd;
	const char *dir, *name;
};
int ledger_current(struct ledger_at *ret);
/* Append rec (setting rec->seq, and the namespace identity of network
 * records) and sync. No ledger open: does nothing. 0 or -errno. */
int ledger_append(struct undo_rec *rec);
/* Mark a record undone (seq 0: nothing). */
void ledger_done(uint32_t seq);
/* Close the ledger; remove it when remove is set. */
void ledger_close(bool remove);

/* This boot's id (/proc/sys/kernel/random/boot_id), or "" if unreadable. */
const char *ledger_boot_id(void);

/*
 * Claim ledger name in the run directory dfd (path dir) of uid: open it
 * (a regular file owned by uid, not followed) and take its lock without
 * waiting. Returns the fd (the lock is held while it is open), -EBUSY when
 * a live run holds it, or -errno with *ret_err.
 */
int ledger_claim(int dfd, const char *dir, const char *name, uid_t uid, char **ret_err);

/* What a ledger's header and guardian lines say, and how many of its lines
 * could not be read. */
struct ledger_head {
	bool header_ok;
	pid_t pid, gpid;
	uint64_t start, gstart;
	char boot[40];		/* "" when the header has none */
	unsigned unreadable;	/* lines that did not parse (a bad header counts) */
};

/*
 * Read the ledger open at fd (named path in messages) back, with the done
 * marks applied (done records stay in the list, marked). Lines that do not
 * parse are reported to log with prefix, skipped and counted in
 * head->unreadable (head may be NULL); a last line cut short (a record
 * whose write never finished, so its change was never made) is reported
 * only. Returns the number of records with *ret (free with undo_free()),
 * or -errno if fd cannot be read.
 */
int ledger_read_fd(int fd, const char *path, struct undo_list *ret, struct ledger_head *head, FILE *log,
		   const char *prefix);
/* The same over text in memory (changed in place: lines are cut at their
 * newlines); path names it in messages. Returns the number of records. */
int ledger_parse_head(char *text, const char *path, struct undo_list *ret, struct ledger_head *head, FILE *log,
		      const char *prefix);
int ledger_parse(char *text, const char *path, struct undo_list *ret, FILE *log, const char *prefix);

/* The journal that writes undo records to the open ledger: the engine
 * hands it to undo_journal_set(). */
extern const struct undo_journal ledger_journal;

#endif
