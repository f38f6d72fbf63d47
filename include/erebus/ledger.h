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
 *   erebus-ledger 1 pid=PID start=STARTTIME experiment=NAME
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
 * A line that does not parse is reported and skipped, never guessed at;
 * and replay touches only objects Erebus tags (reserved tc handles,
 * erebus-prefixed names), so a damaged ledger cannot make Erebus remove
 * something it did not create.
 */
#ifndef EREBUS_LEDGER_H
#define EREBUS_LEDGER_H

#include <stdio.h>

#include "erebus/undo.h"

/* Where ledgers live: $EREBUS_RUN_DIR, else /run/erebus (as root), else
 * $XDG_RUNTIME_DIR/erebus, else /tmp/erebus-UID. */
const char *ledger_dir(void);

/*
 * Open this run's ledger (the directory is made if needed). Refuses with
 * -EEXIST while a ledger of a run that is over is still there: *ret_err
 * then says to run `erebus recover`. Returns 0 or -errno with *ret_err.
 */
int ledger_open(const char *experiment, char **ret_err);
/* Note the guardian's identity in the ledger. */
void ledger_note_guardian(pid_t pid);
/* The open ledger's path, or NULL. */
const char *ledger_path(void);
/* Append rec (setting rec->seq, and the namespace identity of network
 * records) and sync. No ledger open: does nothing. 0 or -errno. */
int ledger_append(struct undo_rec *rec);
/* Mark a record undone (seq 0: nothing). */
void ledger_done(uint32_t seq);
/* Close the ledger; remove it when remove is set. */
void ledger_close(bool remove);

/* Ledgers whose engine and guardian are both gone. Returns how many, with
 * their paths in *ret (strv, caller frees), or -errno. */
int ledger_find_stale(char ***ret);
/* Is the run that wrote this ledger over (engine and guardian gone)? */
bool ledger_is_stale(const char *path);

/*
 * Read the records of path back, with the done marks applied (done records
 * stay in the list, marked). Lines that do not parse are reported to log
 * with prefix and skipped. Returns the number of records with *ret (free
 * with undo_free()), or -errno if path cannot be read.
 */
int ledger_read(const char *path, struct undo_list *ret, FILE *log, const char *prefix);
/* The same over text in memory (changed in place: lines are cut at their
 * newlines); path names it in messages. Returns the number of records. */
int ledger_parse(char *text, const char *path, struct undo_list *ret, FILE *log, const char *prefix);

/* The journal that writes undo records to the open ledger: the engine
 * hands it to undo_journal_set(). */
extern const struct undo_journal ledger_journal;

#endif
