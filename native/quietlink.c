/*
 * LD_PRELOAD fix for Debian's softflowd 1.1.0 on quiet links (docs/quiet-link.md).
 *
 * softflowd opens its capture with a pcap timeout of 0 and no immediate mode. With
 * libpcap 1.10 (TPACKET_V3) a 256 KiB ring block is then handed to the reader only
 * when it is full, so a quiet mirror port never yields a packet. We wrap
 * pcap_activate() and, just before the real one runs, apply the mode chosen in
 * SPANFLOW_QUIETLINK:
 *   "timeout"   - pcap_set_timeout(SPANFLOW_QUIETLINK_TIMEOUT_MS, default 100):
 *                 the kernel retires a partly filled block after that long;
 *   "immediate" - pcap_set_immediate_mode(1): TPACKET_V2, one wakeup per packet;
 *   "off" or unset - the bare binary's behaviour.
 * Offline reads (pcap_open_offline) never call pcap_activate and are untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 100

typedef int (*activate_fn)(pcap_t *);
typedef int (*setter_fn)(pcap_t *, int);

/*
 * libpcap's setters are looked up at run time, not linked: the package builds with
 * BIND_NOW, and LD_PRELOAD also reaches processes without libpcap (`ip netns exec`),
 * which would then die with "undefined symbol" at load.
 */
static int call_setter(const char *name, pcap_t *p, int value)
{
	setter_fn fn = (setter_fn)dlsym(RTLD_DEFAULT, name);

	return fn == NULL ? PCAP_ERROR : fn(p, value);
}

static int timeout_ms(void)
{
	const char *s = getenv("SPANFLOW_QUIETLINK_TIMEOUT_MS");
	long v;
	char *end;

	if (s == NULL || *s == '\0')
		return DEFAULT_TIMEOUT_MS;
	v = strtol(s, &end, 10);
	/* A zero or bad value would bring the bug back: keep the default. */
	if (*end != '\0' || v <= 0 || v > 60000)
		return DEFAULT_TIMEOUT_MS;
	return (int)v;
}

static void apply_mode(pcap_t *p)
{
	const char *mode = getenv("SPANFLOW_QUIETLINK");
	int rc;

	if (mode == NULL || strcmp(mode, "off") == 0 || *mode == '\0')
		return;
	if (strcmp(mode, "immediate") == 0) {
		rc = call_setter("pcap_set_immediate_mode", p, 1);
		fprintf(stderr, "spanflow-quietlink: immediate mode (rc %d)\n", rc);
	} else if (strcmp(mode, "timeout") == 0) {
		int ms = timeout_ms();

		rc = call_setter("pcap_set_timeout", p, ms);
		fprintf(stderr, "spanflow-quietlink: timeout %d ms (rc %d)\n", ms, rc);
	} else {
		fprintf(stderr, "spanflow-quietlink: unknown mode \"%s\", left off\n", mode);
	}
}

int pcap_activate(pcap_t *p)
{
	static activate_fn real;

	if (real == NULL)
		real = (activate_fn)dlsym(RTLD_NEXT, "pcap_activate");
	if (real == NULL) {
		fprintf(stderr, "spanflow-quietlink: no pcap_activate to wrap\n");
		return PCAP_ERROR;
	}
	apply_mode(p);
	return real(p);
}
