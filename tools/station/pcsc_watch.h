/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One watcher for every blocking card wait of a process (pcsc_wait(),
 * pcsc_wait_gone() with a timeout). pcscd wakes each client that waits in
 * SCardGetStatusChange() whenever any reader changes (a card in, powered, out),
 * and each woken client fetches every reader's state again: a station per reader,
 * each waiting on its own, makes that stations x stations wake-ups per card, in
 * portdp-line and in pcscd. Here one thread waits for all the readers asked about
 * (and pcscd's reader list), keeps their last state, and the stations wait on a
 * condition variable for theirs.
 *
 * PORTDP_PCSC_WATCH=0 in the environment: no watcher, each station asks pcscd
 * itself (for comparisons).
 */
#ifndef PORTDP_PCSC_WATCH_H
#define PORTDP_PCSC_WATCH_H

#include <stdbool.h>

enum pcsc_watch_for { WATCH_PRESENT, WATCH_GONE };

/**
 * pcsc_watch_wait() - wait until @reader holds a card (WATCH_PRESENT: present, not
 * mute) or the card seen at event count @events left (WATCH_GONE: empty, or the
 * count moved). 0, -ETIMEDOUT, -ENODEV (no such reader, or pcscd is gone), or 1:
 * no watcher (disabled, could not start, too many readers): ask pcscd directly.
 */
int pcsc_watch_wait(const char *reader, enum pcsc_watch_for what, int events,
		    unsigned timeout_ms);

/**
 * pcsc_watch_events() - @reader's card event count as the watcher last saw it (what
 * SCardGetStatusChange() puts in dwEventState's upper 16 bits), without asking
 * pcscd; -1 when the watcher does not know it (no watcher, reader not watched yet).
 */
int pcsc_watch_events(const char *reader);

#endif
