// SPDX-License-Identifier: Apache-2.0
/* The "portdp:" URI parser: every accepted form and the rejected ones, each with its reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "uri.h"

static void accepts(const char *text, enum portdp_uri_accel accel, const char *dev,
		    const char *key_uri)
{
	struct portdp_uri u;
	char why[160] = "";

	if (portdp_uri_parse(text, &u, why, sizeof(why)))
		fail_msg("rejected '%s': %s", text, why);
	assert_int_equal(u.accel, accel);
	assert_string_equal(u.dev, dev);
	assert_string_equal(u.key_uri, key_uri);
}

static void rejects(const char *text, const char *reason)
{
	struct portdp_uri u;
	char why[160] = "";

	assert_int_equal(portdp_uri_parse(text, &u, why, sizeof(why)), -EINVAL);
	if (!strstr(why, reason))
		fail_msg("'%s': reason '%s' lacks '%s'", text, why, reason);
}

static void test_accepted_forms(void **state)
{
	(void)state;
	accepts("portdp:dev=/dev/portdp-accel0;slot=3", PORTDP_ACCEL_DEV, "/dev/portdp-accel0",
		"slot:3");
	accepts("portdp:slot=255;dev=/dev/portdp-accel1", PORTDP_ACCEL_DEV, "/dev/portdp-accel1",
		"slot:255");
	accepts("portdp:dev;slot=0", PORTDP_ACCEL_DEV, "", "slot:0");
	accepts("portdp:slot=7", PORTDP_ACCEL_DEFAULT, "", "slot:7");
	accepts("portdp:soft;file=/tmp/k.pem", PORTDP_ACCEL_SOFT, "", "file:/tmp/k.pem");
	accepts("PORTDP:file=/tmp/a%3Bb.pem", PORTDP_ACCEL_SOFT, "", "file:/tmp/a;b.pem");
	accepts("portdp:file=rel/key.pem;soft", PORTDP_ACCEL_SOFT, "", "file:rel/key.pem");
}

static void test_rejected_forms(void **state)
{
	(void)state;
	rejects(NULL, "no URI");
	rejects("pkcs11:token=x", "not a 'portdp:' URI");
	rejects("portdp:", "empty URI");
	rejects("portdp:slot=3;", "empty attribute");
	rejects("portdp:;slot=3", "empty attribute");
	rejects("portdp:slot=256", "slot= needs a number");
	rejects("portdp:slot=-1", "slot= needs a number");
	rejects("portdp:slot=0x3", "slot= needs a number");
	rejects("portdp:slot=", "slot= needs a number");
	rejects("portdp:slot", "slot= needs a number");
	rejects("portdp:slot=1;slot=2", "'slot' given twice");
	rejects("portdp:dev=dev/portdp-accel0;slot=1", "absolute device path");
	rejects("portdp:dev;soft;slot=1", "exclude each other");
	rejects("portdp:soft;slot=1", "not on the soft backend");
	rejects("portdp:dev;file=/k.pem", "not on a card");
	rejects("portdp:slot=1;file=/k.pem", "exactly one key");
	rejects("portdp:dev=/dev/portdp-accel0", "exactly one key");
	rejects("portdp:soft=1;file=/k", "takes no value");
	rejects("portdp:file=", "file= needs a path");
	rejects("portdp:file=/a%00b", "bad value");
	rejects("portdp:file=/a%4", "bad value");
	rejects("portdp:file=/a%zz", "bad value");
	rejects("portdp:token=x;slot=1", "unknown attribute 'token'");
}

static void test_long_path(void **state)
{
	char text[PATH_MAX + 64];

	(void)state;
	memcpy(text, "portdp:file=/", 13);
	memset(text + 13, 'a', PATH_MAX + 10);
	text[13 + PATH_MAX + 10] = 0;
	rejects(text, "bad value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepted_forms),
	    cmocka_unit_test(test_rejected_forms),
	    cmocka_unit_test(test_long_path),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
