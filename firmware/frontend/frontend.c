// SPDX-License-Identifier: Apache-2.0
/* What the card's front ends share: see frontend.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "frontend.h"

static const char *fe_prog = "portdp-card";
static bool fe_quiet;

void fe_init(const char *prog, bool quiet)
{
	fe_prog = prog;
	fe_quiet = quiet;
}

void fe_log(const char *fmt, ...)
{
	va_list ap;

	if (fe_quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", fe_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

bool fe_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && end != s && !*end && *s != '-' && *out <= max;
}

int fe_card_open(const char *keystore, const char *device_key, unsigned int max_sessions,
		 struct card **out)
{
	struct card_config cfg = {
	    .keystore_path = keystore,
	    .device_key_path = device_key,
	    .max_sessions = max_sessions,
	};
	int ret = card_open(&cfg, out);

	if (ret) {
		fprintf(stderr, "%s: key store %s: %s%s\n", fe_prog, keystore, strerror(-ret),
			ret == -EBADMSG ? " (tampered or wrong device key)" : "");
		return ret;
	}
	if (card_state(*out) == PDC_STATE_FAILED)
		fe_log("self-test FAILED: crypto commands will be refused");
	return 0;
}
