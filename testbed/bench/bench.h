/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdp-bench internals: the binding benchmark of Port-DP+.
 *
 * "setup" lays out a bench directory (test PKI, eUICC identities, portdpd.conf,
 * an inventory of synthetic profiles); "run" drives many concurrent full
 * downloads against portdpd over HTTPS on loopback and reports throughput,
 * CPU per binding and latency percentiles.
 *
 * Bench directory layout (what setup writes and run reads):
 *   pki/            portdp-pki output (CI, EUM, eUICCs, DPauth, DPpb, TLS)
 *   euiccs/NNNNN/   one identity dir per eUICC (symlinks: euicc.der,
 *                   euicc-key.pem, eum.der, ci.der)
 *   portdpd.conf    the daemon's config (run overrides port and workers)
 *   inventory.db    N profiles, matching IDs BENCH0000001.., ICCIDs unique
 *
 * Every function returns 0 or a negative errno unless it says otherwise.
 */
#ifndef PORTDP_BENCH_H
#define PORTDP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define BENCH_MID_FMT "BENCH%07u"
#define BENCH_MAX_THREADS 16

/* ---- upp_iccid.c ------------------------------------------------------ */

/**
 * upp_set_iccid() - rewrite the ICCID of a UPP in place: the ProfileHeader
 * (plain BCD) and EF.ICCID of the MF PE (EFiccid coding), so both agree.
 * @iccid: 19 or 20 decimal digits starting with 89.
 * The result is checked with upp_parse(). -EBADMSG when the UPP lacks either
 * place, -EINVAL for a bad ICCID.
 */
int upp_set_iccid(uint8_t *upp, size_t len, const char *iccid);

/** bench_iccid() - the @serial-th synthetic ICCID: 8999 + 14 digits + Luhn (19 digits). */
void bench_iccid(uint64_t serial, char out[21]);

/* ---- samples.c: latencies in microseconds, exact percentiles ---------- */

struct samples {
	uint32_t *v;
	size_t n, cap;
};

int samples_add(struct samples *s, uint32_t us);
/** samples_merge() - append @src to @dst. */
int samples_merge(struct samples *dst, const struct samples *src);
/** samples_pct() - the @p-th percentile (0..100) after samples_sort(); 0 if empty. */
void samples_sort(struct samples *s);
uint32_t samples_pct(const struct samples *s, double p);
void samples_free(struct samples *s);

/* ---- proc_cpu.c ------------------------------------------------------- */

/** proc_cpu_ns() - utime+stime of process @pid from /proc/PID/stat, in ns. */
int proc_cpu_ns(pid_t pid, uint64_t *ns);
/** proc_cpu_split_ns() - the same, and of it the system (kernel) time in *@sys_ns. */
int proc_cpu_split_ns(pid_t pid, uint64_t *ns, uint64_t *sys_ns);
/** self_cpu_ns() - this process's user+system CPU time, in ns. */
uint64_t self_cpu_ns(void);
/** machine_busy_ns() - busy time of all cores together (/proc/stat), in ns. */
int machine_busy_ns(uint64_t *ns);
uint64_t mono_ns(void);

/* ---- driver.c: the event-driven client ------------------------------- */

/* ES9+ functions of one binding, in order; also the latency table's rows. */
enum bench_step {
	STEP_IA = 0, /* initiateAuthentication */
	STEP_AC,     /* authenticateClient */
	STEP_GBPP,   /* getBoundProfilePackage */
	STEP_HN,     /* handleNotification */
	STEP_COUNT,
};

extern const char *const bench_step_name[STEP_COUNT];

/* How the LPA uses connections (--connection). */
enum bench_conn {
	CONN_KEEP_ALIVE = 0, /* one connection per slot for the whole run */
	CONN_PER_BINDING,    /* a new connection for each binding's four calls */
	CONN_PER_CALL,	     /* a new TCP+TLS connection per ES9+ call, no resumption */
	CONN_MODES,
};

extern const char *const bench_conn_name[CONN_MODES];

struct bench_opts {
	const char *dir;
	enum bench_conn conn_mode;
	const char *smdp_address; /* from portdpd.conf */
	char connect_host[256];	  /* where the server listens (name or address) */
	uint16_t port;
	char dial_address[300]; /* host:port, what the activation code says (Host:) */
	char cacert[1024];
	char state_root[512]; /* eUICC NVM root (tmpfs) */
	unsigned concurrency;
	unsigned threads;
	double duration_s;
	bool default_smdp;     /* no matching ID: the SM-DP+ picks any profile */
	bool keep_profiles;    /* keep installed UPP files in the eUICC NVM */
	unsigned verify_every; /* 1: every binding fully verified; N: each slot's 1st, N+1th.. */
	bool crash_ok;	       /* the server may be killed: a slot whose connection is lost stops */
	char **mids;	       /* matching IDs to use, in order */
	size_t n_mids;
	char **euicc_dirs; /* identity dirs, one eUICC per concurrent slot */
	size_t n_euiccs;
	/*
	 * ES2+ mode: mids[i] may be used once *mids_ready > i (orders placed concurrently,
	 * in index order); once *orders_done, no more will be. NULL: all are ready.
	 */
	const size_t *mids_ready;
	const bool *orders_done;
	size_t *mids_taken; /* ES2+: the driver counts the matching IDs it took (atomic) */
};

/* What one driver thread measured; merged by run.c. */
struct bench_result {
	uint64_t started, completed, failed;
	uint64_t cut;	       /* crash_ok: bindings whose connection was lost (not in failed) */
	uint64_t failed_sgp22; /* of failed: the SM-DP+ answered with an SGP.22 failure status */
	uint64_t verified;     /* completed with every eUICC check (the rest: sign-only) */
	uint64_t handshakes;   /* full TLS handshakes the client completed */
	uint64_t resumed;      /* of them, resumed sessions (never, the client caches none) */
	uint64_t failed_at[STEP_COUNT + 1]; /* + 1: eUICC refused the BPP */
	struct samples total;
	struct samples step[STEP_COUNT]; /* HTTP round trip of each function */
	struct samples euicc;		 /* eUICC compute of one binding (wall) */
	char (*iccids)[21];		 /* installed ICCIDs */
	char (*eids)[33];		 /* and the eUICC that took each */
	size_t n_iccids, cap_iccids;
	uint64_t first_start_ns, last_done_ns;
	bool exhausted; /* ran out of matching IDs */
	char first_error[512];
};

/**
 * bench_drive() - run the benchmark: @o->concurrency downloads in flight over
 * @o->threads threads until @o->duration_s has passed, then let the ones in
 * flight finish. @res gets the merged results. @csv: per-binding rows or NULL.
 */
int bench_drive(const struct bench_opts *o, struct bench_result *res, FILE *csv);
void bench_result_free(struct bench_result *r);

/* ---- es2.c: the ES2+ mode (orders + progress reports) ------------------ */

struct bench_es2 {
	const char *smdp_address;
	uint16_t es2_port;
	char cacert[1024];      /* the DP TLS chain's CI */
	char client_cert[1024]; /* benchop's client certificate and key */
	char client_key[1024];
	unsigned mid_base;      /* ES2B matching IDs already used */
	unsigned clients;       /* concurrent ES2+ clients */
};

struct order_job;
/**
 * bench_es2_order_start() - ES2+ clients start placing downloadOrder + confirmOrder
 * (released) for up to @want of benchop's unordered profiles, in index order; *@mids gets
 * their matching IDs (malloc'd list), usable by the driver as bench_es2_ready() says.
 */
int bench_es2_order_start(struct bench_es2 *e, const char *db, size_t want,
			  struct order_job **j, char ***mids, size_t *n_mids);
const size_t *bench_es2_ready(struct order_job *j);
const bool *bench_es2_done(struct order_job *j);
size_t *bench_es2_taken(struct order_job *j);
/** No new orders from now on (the ones in flight finish). */
void bench_es2_order_stop(struct order_job *j);
/** Wait for the clients; *@ordered: orders placed. Frees @j. -EIO if any order failed. */
int bench_es2_order_finish(struct order_job *j, size_t *ordered, double *seconds);
/** Wait until benchop has no report queued (or @timeout_s); *@left: still queued. */
int bench_es2_wait_queue(const char *db, double timeout_s, unsigned *left);
/** Start portdp-test-operator on @port and make it benchop's callback URL. */
int bench_es2_start_endpoint(const char *dir, const char *db, uint16_t port, pid_t *pid);
void bench_es2_stop_endpoint(pid_t pid);

/* ---- floor.c: the crypto floor of one binding ------------------------- */

/* Microseconds of CPU, each the fastest of a few rounds on this machine. */
struct bench_floor {
	size_t upp_len;	     /* UPP bytes sealed (the mean of the bench's profiles) */
	double ia_sign_us;   /* InitiateAuthentication: 2 randoms + DPauth signature */
	double chain_us;     /* CERT.EUICC parse + check under the cached EUM */
	double verify_us;    /* one eUICC signature check (3 per binding) */
	double sign_us;	     /* one DPpb signature (2 per binding) */
	double session_us;   /* one-time key + ECDH + KDF */
	double bsp_us;	     /* ReplaceSessionKeys + every BSP segment of the BPP */
	double binding_us;   /* all of the above: one binding's server crypto */
	bool have_tls;	     /* the TLS key is a file (a card key is not timed) */
	double tls_us;	     /* one TLS 1.3 full handshake's server crypto */
};

struct portdpd_config;
/**
 * bench_floor_measure() - time one binding's server crypto with the backend and
 * keys of @cfg, the eUICC of @euicc_dir, a UPP of @upp_len bytes (see floor.c).
 */
int bench_floor_measure(const struct portdpd_config *cfg, const char *euicc_dir, size_t upp_len,
			struct bench_floor *f);

/* ---- commands --------------------------------------------------------- */

int bench_setup(int argc, char **argv);
int bench_run(int argc, char **argv);

/** bench_bin_path() - a sibling program of this executable (portdpd, portdp-pki). */
int bench_bin_path(const char *name, char *buf, size_t len);

/**
 * bench_path() - snprintf for file names: -ENAMETOOLONG instead of a cut name.
 * Directory arguments are limited to BENCH_DIR_MAX at the command line, so
 * the names built from them fit PATH_MAX.
 */
int bench_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define BENCH_DIR_MAX 2048

#endif
