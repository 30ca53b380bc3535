// SPDX-License-Identifier: Apache-2.0
/*
 * One station: wait for a chip, give it its one profile, record, wait until it
 * leaves; again. A station whose chips keep failing is taken out.
 *
 * Per chip: EID -> EUM range -> what it holds already (GetProfilesInfo: a chip
 * with its profile is finished and skipped, one with another profile is never
 * given a second) -> download (lpa_download: ES9+ and ES10b) -> EnableProfile ->
 * every pending notification sent -> GetProfilesInfo shows exactly the one
 * profile, enabled. A chip that vanishes mid-download has its allocation put
 * back in stock at once: by ES9+.CancelSession with the eUICC's error answer
 * (no signature needed, the SM-DP+ takes it while no BPP is out), or with
 * --inventory by releasing it in the inventory directly.
 */
#include "line.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activation_code.h"
#include "download.h"
#include "es9_client.h"
#include "inventory.h"
#include "notify.h"
#include "soft_euicc.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void set_step(struct station *s, const char *step)
{
	s->step = step;
}

static void note(struct record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct record *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* An ES9+ client for @address (a notification address is the host alone: our port). */
static int client_for(struct line *l, const char *address, struct es9_client **c)
{
	struct es9_client_opts o = {
		.smdp_address = address,
		.cacert = l->cacert,
		.resolve = l->resolve,
		.timeout_s = l->timeout_s,
	};
	char mapped[300];
	size_t hl = strcspn(l->smdp, ":");

	if (!strchr(address, ':') && strlen(address) == hl && !strncasecmp(address, l->smdp, hl)) {
		snprintf(mapped, sizeof(mapped), "%s", l->smdp);
		o.smdp_address = mapped;
	}
	return es9_client_new(&o, c);
}

/* Every pending notification of the chip to its SM-DP+; 0 when none is left. */
static int send_notifications(struct line *l, struct station_chip *sc, struct record *r)
{
	struct es10_notification *list;
	size_t n;
	int left = 0;

	if (es10_list_notifications(&sc->chip, &list, &n)) {
		note(r, "ListNotification: %s", sc->chip.err);
		return -EIO;
	}
	for (size_t i = 0; i < n; i++) {
		struct es9_client *c;

		if (client_for(l, list[i].address, &c)) {
			left++;
			continue;
		}
		if (lpa_notify(&sc->chip, c, list[i].seq) != LPA_OK)
			left++;
		es9_client_free(c);
	}
	free(list);
	if (left)
		note(r, "%d notification(s) not accepted by the SM-DP+", left);
	return left ? -EAGAIN : 0;
}

struct pick {
	struct line *l;
	char *mid;
	size_t len;
	bool found;
};

static int pick_cb(const struct inv_profile *ip, void *arg)
{
	struct pick *pk = arg;

	if (plan_has_iccid(&pk->l->plan, ip->iccid))
		return 0;
	for (unsigned i = 0; i < pk->l->n_claimed; i++)
		if (!strcmp(pk->l->claimed[i], ip->matching_id))
			return 0;
	snprintf(pk->mid, pk->len, "%s", ip->matching_id);
	pk->found = true;
	return 1;
}

/* The next available profile no plan line reserves and no station took in this run. */
static int next_unplanned(struct line *l, char *mid, size_t len)
{
	struct pick p = { l, mid, len, false };
	int ret;

	pthread_mutex_lock(&l->mu);
	ret = inv_list(l->inv, INV_AVAILABLE, pick_cb, &p);
	if (p.found && l->n_claimed < sizeof(l->claimed) / sizeof(l->claimed[0]))
		snprintf(l->claimed[l->n_claimed++], sizeof(l->claimed[0]), "%s", mid);
	pthread_mutex_unlock(&l->mu);
	if (ret < 0)
		return ret;
	return p.found ? 0 : -ENOENT;
}

struct by_tid {
	const uint8_t *tid;
	size_t n;
	struct inv_profile hit;
	bool found;
};

static int tid_cb(const struct inv_profile *ip, void *arg)
{
	struct by_tid *b = arg;

	if (ip->transaction_id_len == b->n && !memcmp(ip->transaction_id, b->tid, b->n)) {
		b->hit = *ip;
		b->found = true;
		return 1;
	}
	return 0;
}

/* No inventory: the SM-DP+ is told the eUICC is gone (cancelSession, error form). */
static void cancel_lost(struct line *l, const uint8_t *tid, size_t n, struct record *r)
{
	size_t used = strlen(r->detail);
	struct es9_client *c;
	int ret = -ENOMEM;

	if (!client_for(l, l->smdp, &c)) {
		ret = lpa_cancel_session_lost(c, tid, n);
		es9_client_free(c);
	}
	snprintf(r->detail + used, sizeof(r->detail) - used, "; %s",
		 !ret		 ? "session cancelled, its profile back in stock" :
		 ret == -EPROTO ? "no allocation to release" :
				  "cancelSession not delivered: the allocation waits for its expiry");
}

/* The card left mid-download: the allocation of transaction @tid_hex goes back to stock. */
static void release_allocation(struct line *l, const char *tid_hex, struct record *r)
{
	uint8_t tid[16];
	struct by_tid b = { .tid = tid, .n = strlen(tid_hex) / 2 };
	size_t used = strlen(r->detail);
	int ret;

	if (!b.n || b.n > sizeof(tid))
		return;
	for (size_t i = 0; i < b.n; i++) {
		unsigned v;

		sscanf(tid_hex + 2 * i, "%2x", &v);
		tid[i] = (uint8_t)v;
	}
	if (!l->inv) {
		cancel_lost(l, tid, b.n, r);
		return;
	}
	pthread_mutex_lock(&l->mu);
	ret = inv_list(l->inv, INV_ALLOCATED, tid_cb, &b);
	if (ret >= 0 && b.found)
		ret = inv_release(l->inv, b.hit.id, tid, b.n, "chip removed at the station");
	pthread_mutex_unlock(&l->mu);
	if (b.found && ret >= 0)
		snprintf(r->detail + used, sizeof(r->detail) - used, "; %s back in stock",
			 b.hit.iccid);
	else
		snprintf(r->detail + used, sizeof(r->detail) - used,
			 "; no allocation to release (%s)", b.found ? "refused" : "none held");
}

/* GetProfilesInfo says: exactly @iccid, enabled. */
static int verify(struct station_chip *sc, const char *iccid, struct record *r)
{
	struct es10_profile *p;
	size_t n;
	int ret;

	if (es10_get_profiles(&sc->chip, NULL, &p, &n)) {
		note(r, "GetProfilesInfo: %s", sc->chip.err);
		return -EIO;
	}
	ret = n == 1 && !strcmp(p[0].iccid, iccid) && p[0].state == 1 ? 0 : -EPROTO;
	if (ret)
		note(r, "GetProfilesInfo: %zu profile(s), %s %s", n, n ? p[0].iccid : "-",
		     n && p[0].state ? "enabled" : "not enabled");
	free(p);
	return ret;
}

/* A failed ES10 step: the chip left (pulled), was reset under us (again), or refused. */
static enum line_result lost(struct station_chip *sc)
{
	return sc->reset ? RES_RETRY : sc->gone ? RES_PULLED : RES_FAILED;
}

/* Enable (if needed), notify, verify: what finishes a chip that holds @iccid. */
static enum line_result finish(struct line *l, struct station *s, struct station_chip *sc,
			       const char *iccid, bool enabled, struct record *r)
{
	int result = 0;

	if (!enabled) {
		set_step(s, "enable");
		if (es10_enable(&sc->chip, iccid, false, &result) || (result && result != 2)) {
			snprintf(r->step, sizeof(r->step), "enable");
			if (result)
				note(r, "EnableProfile: result %d", result);
			else
				note(r, "EnableProfile: %s", sc->chip.err);
			return lost(sc);
		}
	}
	set_step(s, "notify");
	if (send_notifications(l, sc, r)) {
		snprintf(r->step, sizeof(r->step), "notify");
		return lost(sc);
	}
	set_step(s, "verify");
	if (verify(sc, iccid, r)) {
		snprintf(r->step, sizeof(r->step), "verify");
		return lost(sc);
	}
	snprintf(r->step, sizeof(r->step), "done");
	return RES_INSTALLED;
}

static const char *lpa_result_str(enum lpa_result r)
{
	switch (r) {
	case LPA_OK: return "ok";
	case LPA_E_LOCAL: return "local error";
	case LPA_E_SMDP_REFUSED: return "the SM-DP+ refused";
	case LPA_E_EUICC_REFUSED: return "the eUICC refused";
	case LPA_E_NETWORK: return "network or malformed answer";
	case LPA_STOPPED: return "stopped";
	case LPA_CANCELLED: return "cancelled";
	case LPA_E_CHIP_GONE: return "the chip stopped answering";
	}
	return "?";
}

/* One chip, start to end. */
static enum line_result process(struct line *l, struct station *s, struct station_chip *sc,
				struct record *r)
{
	const struct plan_entry *pe;
	struct es10_profile *held;
	struct lpa_download_opts o = { 0 };
	struct es9_client *c;
	char ac[400], err[200], tid[33] = "";
	size_t n;
	enum lpa_result lr;

	set_step(s, "eid");
	snprintf(r->step, sizeof(r->step), "eid");
	if (es10_get_eid(&sc->chip, r->eid)) {
		note(r, "GetEID: %s", sc->chip.err);
		return lost(sc);
	}
	pthread_mutex_lock(&l->mu);
	snprintf(s->eid, sizeof(s->eid), "%s", r->eid);
	pthread_mutex_unlock(&l->mu);
	if (!eid_in_ranges(r->eid, l->ranges, l->n_ranges)) {
		note(r, "EID outside the configured EUM ranges");
		return RES_REFUSED;
	}
	pe = plan_find_eid(&l->plan, r->eid);
	set_step(s, "check");
	snprintf(r->step, sizeof(r->step), "check");
	if (es10_get_profiles(&sc->chip, NULL, &held, &n)) {
		note(r, "GetProfilesInfo: %s", sc->chip.err);
		return lost(sc);
	}
	if (n) {
		/* Restarted line or second pass: finish what the chip holds, never add one. */
		size_t k = 0;
		enum line_result res;

		for (size_t i = 0; i < n; i++)
			if (pe ? !strcmp(held[i].iccid, pe->iccid) : held[i].state == 1)
				k = i;
		if ((pe && strcmp(held[k].iccid, pe->iccid)) || n > 1) {
			note(r, "the chip holds %zu profile(s) (%s%s), not its planned one: not "
			     "given another", n, held[0].iccid, n > 1 ? ", ..." : "");
			free(held);
			return RES_FAILED;
		}
		snprintf(r->iccid, sizeof(r->iccid), "%s", held[k].iccid);
		res = finish(l, s, sc, held[k].iccid, held[k].state == 1, r);
		free(held);
		if (res == RES_INSTALLED) {
			note(r, "already holds %s: checked, not given another", r->iccid);
			return RES_SKIPPED;
		}
		return res;
	}
	free(held);
	if (pe && pe->matching_id[0]) {
		snprintf(r->matching_id, sizeof(r->matching_id), "%s", pe->matching_id);
	} else if (l->inv && l->plan.n) {
		int ret = next_unplanned(l, r->matching_id, sizeof(r->matching_id));

		if (ret) {
			note(r, ret == -ENOENT ? "no unplanned profile left in stock" :
						 "inventory: %s", strerror(-ret));
			return RES_FAILED;
		}
	}
	snprintf(ac, sizeof(ac), "LPA:1$%s$%s", l->smdp, r->matching_id);
	if (activation_code_parse(ac, &o.ac, err, sizeof(err))) {
		note(r, "activation code: %s", err);
		return RES_FAILED;
	}
	if (client_for(l, l->smdp, &c)) {
		note(r, "HTTP client failed");
		return RES_FAILED;
	}
	o.tid_out = tid;
	o.step_out = &s->step;
	snprintf(r->step, sizeof(r->step), "download");
	lr = lpa_download(&sc->chip, c, &o, r->iccid);
	es9_client_free(c);
	if (lr == LPA_E_CHIP_GONE || (lr != LPA_OK && (sc->gone || sc->reset))) {
		note(r, "chip %s during %s", sc->reset ? "reset" : "gone",
		     s->step ? s->step : "download");
		release_allocation(l, tid, r);
		return sc->reset ? RES_RETRY : RES_PULLED;
	}
	if (lr != LPA_OK) {
		note(r, "download: %s%s%s", lpa_result_str(lr), sc->chip.err[0] ? ": " : "",
		     sc->chip.err);
		return RES_FAILED;
	}
	return finish(l, s, sc, r->iccid, false, r);
}

/* ---- finding chips ----------------------------------------------------------- */

/* Record and count one chip's result; false when the station is taken out. */
static bool account(struct line *l, struct station *s, struct record *r, enum line_result res,
		    double t0, unsigned long apdus)
{
	bool go_on = true;

	r->result = res;
	r->seconds = now_s() - t0;
	r->apdus = apdus;
	snprintf(r->station, sizeof(r->station), "%s", s->name);
	report_add(l->report, r);
	pthread_mutex_lock(&l->mu);
	l->apdus += apdus;
	switch (res) {
	case RES_INSTALLED: s->ok++; s->consecutive = 0; break;
	case RES_SKIPPED: s->skipped++; s->consecutive = 0; break;
	case RES_REFUSED: s->refused++; break;
	case RES_PULLED: s->pulled++; break;
	case RES_RETRY: l->cards--; break; /* the same chip once more, from the start */
	case RES_FAILED:
		s->failed++;
		if (++s->consecutive >= l->max_failures) {
			s->out = true;
			snprintf(s->why_out, sizeof(s->why_out),
				 "taken out after %u failures in a row; last: %.200s", s->consecutive,
				 r->detail);
			go_on = false;
		}
		break;
	}
	s->t_card = 0;
	s->eid[0] = '\0';
	s->step = NULL;
	if (l->count && l->cards >= l->count)
		l->stop = true;
	pthread_mutex_unlock(&l->mu);
	if (!go_on)
		fprintf(stderr, "portdp-line: station %s %s\n", s->name, s->why_out);
	return go_on;
}

/* A chip was found: count it as started (false: the line is at its count). */
static bool start_card(struct line *l, struct station *s, double *t0)
{
	bool ok;

	pthread_mutex_lock(&l->mu);
	ok = !l->stop && (!l->count || l->cards < l->count);
	if (ok) {
		l->cards++;
		*t0 = now_s();
		s->t_card = *t0;
		l->last_card = *t0;
	}
	pthread_mutex_unlock(&l->mu);
	return ok;
}

/* Attempts at one chip that is still in its reader (resets, lost exchanges, failures). */
#define MAX_TRIES 3

static void run_pcsc(struct line *l, struct station *s)
{
	struct pcsc_ctx *p;
	char err[256];

	unsigned tries = 0;     /* attempts at the chip in the reader */

	if (pcsc_ctx_open(&p, err, sizeof(err))) {
		snprintf(s->why_out, sizeof(s->why_out), "%s", err);
		s->out = true;
		return;
	}
	while (!l->stop) {
		struct station_chip *sc;
		struct record r = { 0 };
		enum line_result res;
		double t0;
		int events, ret = pcsc_wait(p, s->target, true, 300);

		if (ret == -ETIMEDOUT || ret == -EINTR)
			continue;
		if (ret) {
			sleep_ms(300); /* reader not there (yet) */
			continue;
		}
		/* Taken before connecting: a swap after this moves the count. */
		events = pcsc_card_events(p, s->target);
		{
			struct chip_opts co = { .extended = l->extended, .block = l->block,
						.le_last = l->le_last };

			ret = pcsc_chip(p, s->target, &co, &sc, err, sizeof(err));
		}
		if (ret == -ENODEV) {
			sleep_ms(50); /* the card went again before we connected */
			continue;
		}
		if (!start_card(l, s, &t0)) {
			if (!ret)
				chip_close(sc);
			break;
		}
		if (ret) {
			snprintf(r.step, sizeof(r.step), "connect");
			note(&r, "%s", err);
			/* A reader whose card did not answer: again, as for a failed chip. */
			res = ++tries < MAX_TRIES && !pcsc_wait(p, s->target, true, 0) ? RES_RETRY :
										       RES_FAILED;
			if (res != RES_RETRY)
				tries = 0;
			if (!account(l, s, &r, res, t0, 0))
				break;
			if (res == RES_RETRY) {
				sleep_ms(500);
				continue;
			}
		} else {
			unsigned long apdus;

			bool go;

			if (strcmp(s->apdu_mode, sc->apdu_mode)) {
				snprintf(s->apdu_mode, sizeof(s->apdu_mode), "%s", sc->apdu_mode);
				printf("station %s: %s\n", s->name, s->apdu_mode);
			}

			res = process(l, s, sc, &r);
			apdus = sc->apdus;
			/*
			 * A chip reset under us (pcscd cleaning up after a killed runner), or
			 * one failure of a chip still in the reader: once more from the start
			 * (what it holds by then decides; it never gets a second profile).
			 */
			if (res == RES_FAILED && !sc->gone && !pcsc_wait(p, s->target, true, 0))
				res = RES_RETRY;
			if (res == RES_RETRY && ++tries >= MAX_TRIES)
				res = RES_FAILED;
			if (res != RES_RETRY)
				tries = 0;
			/* Recorded first: closing the channel tells the line the chip may go. */
			go = account(l, s, &r, res, t0, apdus);
			if (res == RES_RETRY)
				chip_abandon(sc); /* it stays: no "done" to the line */
			else
				chip_close(sc);
			if (!go)
				break;
			if (res == RES_RETRY)
				continue;
		}
		/* The next chip is another one: wait until this one left. */
		while (!l->stop && pcsc_wait_gone(p, s->target, events, 300) == -ETIMEDOUT)
			;
	}
	pcsc_ctx_close(p);
}

static void run_at(struct line *l, struct station *s)
{
	char last[33] = "", err[256];
	bool tried_again = false;

	while (!l->stop) {
		struct station_chip *sc;
		struct record r = { 0 };
		enum line_result res;
		char eid[33];
		double t0;
		int ret = at_chip(s->target, s->kind == ST_AT_CSIM, NULL, &sc, err, sizeof(err));

		if (ret) {
			sleep_ms(ret == -ENODEV ? 30 : 300); /* no SIM yet / modem not there */
			continue;
		}
		/* The same device still on the station: not a new chip. */
		if (last[0] && !es10_get_eid(&sc->chip, eid) && !strcmp(eid, last)) {
			chip_close(sc);
			sleep_ms(30);
			continue;
		}
		if (!start_card(l, s, &t0)) {
			chip_close(sc);
			break;
		}
		res = process(l, s, sc, &r);
		/* One failure of a device still answering: once more (a new channel). */
		if (res == RES_FAILED && !sc->gone && !tried_again) {
			res = RES_RETRY;
			tried_again = true;
		} else {
			tried_again = false;
			snprintf(last, sizeof(last), "%s", r.eid);
		}
		{
			bool go = account(l, s, &r, res, t0, sc->apdus);

			if (res == RES_RETRY)
				chip_abandon(sc); /* no AT+CCHC: that tells the line "done" */
			else
				chip_close(sc); /* AT+CCHC: the device may go */
			if (!go)
				break;
		}
	}
}

/* In-process kinds: the cards of a list, one after the other (benchmarks). */
static void run_inproc(struct line *l, struct station *s)
{
	for (unsigned i = 0; i < s->n_cards && !l->stop; i++) {
		struct seuicc_config cfg = { .identity_dir = s->cards_ident[i],
					     .state_dir = s->cards_state[i] };
		struct station_chip *sc;
		struct seuicc *e;
		struct record r = { 0 };
		enum line_result res;
		char err[300];
		double t0;

		if (seuicc_open(&cfg, &e, err, sizeof(err))) {
			fprintf(stderr, "portdp-line: %s: %s\n", s->cards_ident[i], err);
			continue;
		}
		if (chip_inproc(e, s->kind == ST_LOOPBACK, &sc)) {
			seuicc_close(e);
			continue;
		}
		if (!start_card(l, s, &t0)) {
			chip_close(sc);
			seuicc_close(e);
			break;
		}
		res = process(l, s, sc, &r);
		{
			bool go = account(l, s, &r, res, t0, sc->apdus);

			chip_close(sc);
			seuicc_close(e);
			if (!go)
				break;
		}
	}
}

void *station_main(void *arg)
{
	struct station *s = arg;
	struct line *l = s->line;

	switch (s->kind) {
	case ST_PCSC: run_pcsc(l, s); break;
	case ST_AT:
	case ST_AT_CSIM: run_at(l, s); break;
	default: run_inproc(l, s); break;
	}
	pthread_mutex_lock(&l->mu);
	s->finished = true;
	pthread_mutex_unlock(&l->mu);
	return NULL;
}
