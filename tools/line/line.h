/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdp-line: the factory line runner. Many stations at once, each a thread
 * that waits for a chip, reads its EID, gives it exactly one profile from the
 * local portdpd over ES9+ (pre-assigned in the plant's plan, or the next
 * available), enables it, checks it with GetProfilesInfo, sends the
 * notifications and records the result. The chip is the truth on a restart:
 * one that already holds its profile is checked and skipped.
 */
#ifndef PORTDP_LINE_H
#define PORTDP_LINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chip.h"

struct inventory;

/* ---- plan.c: EID pre-assignment -------------------------------------------- */
struct plan_entry {
	char eid[33];
	char iccid[21];
	char matching_id[65];
};

struct plan {
	struct plan_entry *e;
	size_t n;
};

/** plan_load() - read and check a plan CSV; every problem goes to @errs (one per line). */
int plan_load(const char *path, struct plan *p, FILE *errs);
const struct plan_entry *plan_find_eid(const struct plan *p, const char *eid);
bool plan_has_iccid(const struct plan *p, const char *iccid);
void plan_free(struct plan *p);

/* ---- EUM ranges -------------------------------------------------------- */
struct eid_range {
	char lo[33], hi[33];   /* inclusive, 32 digits each */
};

/** eid_range_parse() - "PREFIX" (digits) or "LOW-HIGH" (32 digits each). */
int eid_range_parse(const char *s, struct eid_range *r);
bool eid_in_ranges(const char *eid, const struct eid_range *r, size_t n);

/* ---- report.c ----------------------------------------------------------- */
enum line_result { RES_INSTALLED, RES_SKIPPED, RES_FAILED, RES_REFUSED, RES_PULLED, RES_RETRY };

struct record {
	char station[96];
	char eid[33];
	char iccid[21];
	char matching_id[65];
	enum line_result result;
	char step[24];
	char detail[256];
	double seconds;
	unsigned long apdus;
};

struct report;
int report_open(const char *dir, struct report **out, char *path, size_t path_len);
void report_add(struct report *r, const struct record *rec);
void report_close(struct report *r, const char *summary);
const char *result_name(enum line_result r);

/* ---- station.c ------------------------------------------------------------ */
enum station_kind { ST_PCSC, ST_AT, ST_AT_CSIM, ST_INPROC, ST_LOOPBACK };

struct line;

struct station {
	unsigned idx;
	char name[96];
	enum station_kind kind;
	char target[256];          /* reader name, tty path, cards file */
	struct line *line;
	pthread_t th;
	/* live state, under line->mu */
	char eid[33];
	const char *volatile step;  /* a string literal */
	double t_card;             /* when the current card started, 0: waiting */
	unsigned ok, skipped, failed, refused, pulled, consecutive;
	bool out;                  /* taken out */
	bool finished;             /* thread ended */
	char why_out[320];
	char apdu_mode[512];       /* PC/SC: the last short/extended choice, logged on change */
	/* in-process kinds: the cards to run through, one after the other */
	char **cards_ident, **cards_state;
	unsigned n_cards;
};

struct line {
	/* options */
	char smdp[256];            /* host:port of portdpd */
	const char *cacert, *resolve;
	struct plan plan;
	struct eid_range *ranges;
	size_t n_ranges;
	unsigned max_failures;
	unsigned idle_exit_s;
	unsigned long count;       /* stop after this many cards (0: no limit) */
	long timeout_s;
	enum apdu_force extended;  /* PC/SC: auto (card and reader decide), or forced */
	unsigned block;            /* STORE DATA block size, 0: default */
	bool le_last;              /* short APDUs: Le on the last block */
	struct inventory *inv;     /* --inventory: allocations of pulled cards go back at once */
	struct report *report;
	/* state */
	struct station *st;
	unsigned n_st;
	pthread_mutex_t mu;
	volatile bool stop;
	double t0;
	double last_card;          /* last time any station started a card */
	unsigned long cards;
	unsigned long apdus;
	char claimed[4096][65];    /* matching IDs handed out in this run (next-available picks) */
	unsigned n_claimed;
};

void *station_main(void *arg);
double now_s(void);

#endif
