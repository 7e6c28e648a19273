/*
 * Test helper for t/integration/87-webhook-delivery.t: seals a webhook key
 * the way the server stores it (box_seal under the keys of the
 * environment's ROSTER_SECRET_KEY), so a test can insert a webhook row
 * whose secret it knows. Usage: webhook-seal HEXKEY; prints the sealed
 * bytes in hex.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "crypto/box.h"
#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "crypto/keys.h"
#include "util/arena.h"
#include "util/str.h"

int
main(int argc, char *argv[])
{
	struct arena *a;
	struct conf conf;
	uint8_t key[64], *box;
	size_t n, boxlen;
	int hi, lo;

	if (argc != 2 || (n = strlen(argv[1])) % 2 != 0 ||
	    n / 2 > sizeof(key) || n == 0) {
		fprintf(stderr, "usage: webhook-seal HEXKEY\n");
		return 2;
	}
	for (size_t i = 0; i < n / 2; i++) {
		if ((hi = str_hexval(argv[1][2 * i])) < 0 ||
		    (lo = str_hexval(argv[1][2 * i + 1])) < 0) {
			fprintf(stderr, "webhook-seal: not hex\n");
			return 2;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	if (crypto_init_no_passwords() == -1 || conf_load(&conf, true) == -1)
		return 1;
	a = arena_new(0);
	box_seal(a, &conf.keys, key, n / 2, &box, &boxlen);
	printf("%s\n", hex_encode(a, box, boxlen));
	arena_free(a);
	keys_wipe(&conf.keys);
	return fflush(stdout) == 0 ? 0 : 1;
}
