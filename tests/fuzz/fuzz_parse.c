/*
 * fuzz_parse: the parsers of option values and dates on arbitrary text:
 * jn_date_parse (with a date that parses, formatting it must give it back),
 * jn_uuid_parse, cli_parse_u64, cli_parse_date and cli_parse_fy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz.h"
#include "journal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	char *s = malloc(len + 1), out[11], uu[37];
	uint8_t id[JN_ID_LEN];
	uint64_t u;
	int32_t day, day2;
	int fy, rc;
	static int devnull = -1;
	int saved;

	if (devnull < 0 && (devnull = open("/dev/null", O_WRONLY)) < 0)
		abort();
	if (s == NULL)
		return 0;
	memcpy(s, in, len);
	s[len] = '\0';
	if (jn_date_parse((jn_str){ s, len }, &day) == 0) {
		jn_date_format(day, out);
		if (jn_date_parse(jn_str_c(out), &day2) != 0 || day2 != day)
			FUZZ_FAIL("a parsed date does not format and parse back");
		if (len >= 10 && memcmp(out, s, 10) != 0)
			FUZZ_FAIL("a parsed date formats differently");
	}
	if (jn_uuid_parse((jn_str){ s, len }, id) == 0) {
		jn_uuid_format(id, uu);
		if (len != 36 || strncasecmp(uu, s, 36) != 0)
			FUZZ_FAIL("a parsed uuid formats differently");
	}
	/* The cli_parse_* functions print their errors: not into the
	 * fuzzer's own output. */
	fflush(stderr);
	saved = dup(2);
	dup2(devnull, 2);
	rc = cli_parse_u64("-n", s, UINT32_MAX, &u);
	cli_parse_date("--from", s, &day);
	cli_parse_fy("--fy", s, &fy);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (rc == 0 && u > UINT32_MAX)
		FUZZ_FAIL("cli_parse_u64 gave a number above its maximum");
	free(s);
	return 0;
}
