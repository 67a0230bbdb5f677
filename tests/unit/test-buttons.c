/* SPDX-License-Identifier: MIT */
/* Unit tests: button profiles, LED colours, key names, [buttons]/[evdev] config. */
#include <errno.h>
#include <glib.h>
#include <linux/input.h>

#include "button-profiles.h"
#include "buttons.h"
#include "evdev.h"

#define T BUTTON_ACTION_TALK
#define E BUTTON_ACTION_EMERGENCY

static const struct decode_case {
	const char *profile;
	const char *hex; /* the value; "" for empty */
	int ret;
	uint32_t actions;
} decode_cases[] = {
	{ "zello", "00", 0, 0 },
	{ "zello", "01", 0, T },
	{ "zello", "02", -EBADMSG, 0 },
	{ "zello", "ff", -EBADMSG, 0 },
	{ "zello", "", -EMSGSIZE, 0 },
	{ "zello", "0100", -EMSGSIZE, 0 },
	{ "pryme", "00", 0, 0 },
	{ "pryme", "01", 0, T },
	{ "pryme", "80", -EBADMSG, 0 },
	{ "pryme", "0101", -EMSGSIZE, 0 },
	{ "blu-ptt", "00", 0, 0 },
	{ "blu-ptt", "01", 0, T },
	{ "blu-ptt", "03", -EBADMSG, 0 },
	{ "blu-ptt", "", -EMSGSIZE, 0 },
	{ "aina", "00", 0, 0 },
	{ "aina", "01", 0, T },         /* PTT1 */
	{ "aina", "02", 0, E },         /* emergency (talks too) */
	{ "aina", "04", 0, T },         /* PTT2 */
	{ "aina", "05", 0, T },
	{ "aina", "07", 0, T | E },
	{ "aina", "06", 0, T | E },
	{ "aina", "08", -EBADMSG, 0 },  /* unknown bit */
	{ "aina", "81", -EBADMSG, 0 },  /* known and unknown bits: ignored as a whole */
	{ "aina", "0100", -EMSGSIZE, 0 },
	{ "aina", "", -EMSGSIZE, 0 },
};

static void test_decode(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		const struct button_profile *p = button_profile_by_name(c->profile);
		uint8_t buf[8];
		size_t len = strlen(c->hex) / 2;
		uint32_t actions = 0xdead;
		int r;

		g_assert_nonnull(p);
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)g_ascii_strtoull((char[]){ c->hex[2 * j], c->hex[2 * j + 1], 0 },
							   NULL, 16);
		r = button_profile_decode(p, buf, len, &actions);
		g_test_message("%s %s -> %d 0x%x", c->profile, c->hex, r, actions);
		g_assert_cmpint(r, ==, c->ret);
		g_assert_cmpuint(actions, ==, c->ret == 0 ? c->actions : 0xdead);
	}
	g_assert_cmpint(button_profile_decode(NULL, (uint8_t[]){ 1 }, 1, &(uint32_t){ 0 }), ==,
			-EMSGSIZE);
}

static void test_table(void)
{
	g_assert_cmpuint(button_profiles_count(), ==, 4);
	for (size_t i = 0; i < button_profiles_count(); i++) {
		const struct button_profile *p = button_profile_at(i);
		char n[37];

		g_assert_true(button_uuid_normalise(p->service_uuid, n));
		g_assert_cmpstr(n, ==, p->service_uuid); /* stored normalised */
		g_assert_true(button_uuid_normalise(p->button_uuid, n));
		g_assert_cmpstr(n, ==, p->button_uuid);
		g_assert_true(p->n_map > 0 && p->n_map <= BUTTON_PROFILE_MAX_MAP);
		g_assert_true(button_profile_by_name(p->name) == p);
		g_assert_true(button_profile_by_service(p->service_uuid) == p);
	}
	g_assert_null(button_profile_at(4));
	g_assert_true(button_profile_by_service("FFE0") == button_profile_by_name("zello"));
	g_assert_true(button_profile_by_service("127FACE1-CB21-11E5-93D0-0002A5D5C51B") ==
		      button_profile_by_name("AINA"));
	g_assert_true(button_profile_by_name("blu-ptt")->advertised == false);
	g_assert_nonnull(button_profile_by_name("aina")->led_uuid);
	g_assert_null(button_profile_by_name("zello")->led_uuid);
	g_assert_null(button_profile_by_name("nope"));
	g_assert_null(button_profile_by_service("180f"));
	g_assert_null(button_profile_by_service("not-a-uuid"));
}

static void test_uuid(void)
{
	char n[37];

	g_assert_true(button_uuid_normalise("2A19", n));
	g_assert_cmpstr(n, ==, "00002a19-0000-1000-8000-00805f9b34fb");
	g_assert_true(button_uuid_normalise("0000180F", n));
	g_assert_cmpstr(n, ==, "0000180f-0000-1000-8000-00805f9b34fb");
	g_assert_false(button_uuid_normalise("2A1", n));
	g_assert_false(button_uuid_normalise("zz19", n));
	g_assert_false(button_uuid_normalise("127FACE1xCB21-11E5-93D0-0002A5D5C51B", n));
	g_assert_false(button_uuid_normalise(NULL, n));
	g_assert_true(button_uuid_equal("ffe1", "0000FFE1-0000-1000-8000-00805F9B34FB"));
	g_assert_false(button_uuid_equal("ffe1", "ffe0"));
}

static void test_led(void)
{
	static const struct {
		enum floor_state floor;
		enum svc_status svc;
		enum button_led led;
	} cases[] = {
		{ FLOOR_IDLE, SVC_READY, BUTTON_LED_GREEN },
		{ FLOOR_IDLE, SVC_CONNECTING, BUTTON_LED_OFF },
		{ FLOOR_IDLE, SVC_UNAVAILABLE, BUTTON_LED_OFF },
		{ FLOOR_REQUESTING, SVC_CONNECTING, BUTTON_LED_RED },
		{ FLOOR_TRANSMITTING, SVC_READY, BUTTON_LED_RED },
		{ FLOOR_RELEASING, SVC_READY, BUTTON_LED_RED },
		{ FLOOR_RECEIVING, SVC_READY, BUTTON_LED_AMBER },
		{ FLOOR_QUEUED, SVC_READY, BUTTON_LED_AMBER },
		{ _FLOOR_STATE_INVALID, SVC_READY, BUTTON_LED_OFF },
		{ _FLOOR_STATE_MAX, SVC_READY, BUTTON_LED_OFF },
		{ FLOOR_IDLE, _SVC_STATUS_MAX, BUTTON_LED_OFF },
	};
	const struct button_profile *aina = button_profile_by_name("aina");

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpstr(button_led_to_string(button_led_for_state(cases[i].floor,
									 cases[i].svc)),
				==, button_led_to_string(cases[i].led));
	g_assert_cmpuint(aina->led_values[BUTTON_LED_RED], ==, 0x01);
	g_assert_cmpuint(aina->led_values[BUTTON_LED_GREEN], ==, 0x02);
	g_assert_cmpuint(aina->led_values[BUTTON_LED_AMBER], ==, 0x04);
	g_assert_cmpuint(aina->led_values[BUTTON_LED_OFF], ==, 0x00);
}

static void test_keys_parse(void)
{
	static const struct {
		const char *in;
		bool ok;
		unsigned n;
		uint16_t first, last;
	} cases[] = {
		{ "KEY_F13,BTN_0", true, 2, KEY_F13, BTN_0 },
		{ " KEY_VOLUMEUP , 183 ,0x2c0 ", true, 3, KEY_VOLUMEUP, 0x2c0 },
		{ "", true, 0, 0, 0 },
		{ ",,", true, 0, 0, 0 },
		{ "KEY_NOPE", false, 0, 0, 0 },
		{ "F13", false, 0, 0, 0 },
		{ "REL_X", false, 0, 0, 0 },
		{ "99999", false, 0, 0, 0 },
		{ "12abc", false, 0, 0, 0 },
		{ "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", true, 16, 1, 16 },
		{ "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", false, 0, 0, 0 },
	};
	char buf[16];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct evdev_keys k = { .n = 99 };
		g_autoptr(GError) err = NULL;
		gboolean ok = evdev_keys_parse(cases[i].in, &k, &err);

		g_test_message("'%s' -> %d %s", cases[i].in, ok, err ? err->message : "");
		g_assert_cmpint(ok, ==, cases[i].ok);
		if (!ok) {
			g_assert_nonnull(err);
			g_assert_cmpuint(k.n, ==, 99); /* untouched */
			continue;
		}
		g_assert_cmpuint(k.n, ==, cases[i].n);
		if (k.n) {
			g_assert_cmpuint(k.codes[0], ==, cases[i].first);
			g_assert_cmpuint(k.codes[k.n - 1], ==, cases[i].last);
		}
	}
	g_assert_cmpstr(evdev_key_name(KEY_F13, buf), ==, "KEY_F13");
	g_assert_cmpstr(evdev_key_name(BTN_0, buf), ==, "BTN_0");
	g_assert_cmpstr(evdev_key_name(0x2fa, buf), ==, "762");
}

static struct conf conf_from(const char *text)
{
	struct conf c = { .kf = g_key_file_new(), .path = "test.conf" };

	g_assert_true(g_key_file_load_from_data(c.kf, text, -1, G_KEY_FILE_NONE, NULL));
	return c;
}

static void test_config_evdev(void)
{
	static const struct {
		const char *text;
		const char *error; /* substring; NULL: loads */
	} cases[] = {
		{ "", NULL },
		{ "[evdev]\nptt-keys = KEY_A\nemergency-keys = KEY_B\nlong-press-emergency = 2.5\n",
		  NULL },
		{ "[evdev]\nptt-keys = KEY_A\nchannel-next-keys = KEY_A\n",
		  "test.conf: [evdev] channel-next-keys: a key is also in ptt-keys" },
		{ "[evdev]\nptt-keys = KEY_F13,KEY_BOGUS\n",
		  "test.conf: [evdev] ptt-keys: 'KEY_BOGUS' is not a key name" },
		{ "[evdev]\ngrab = maybe\n", "test.conf: [evdev] grab:" },
		{ "[evdev]\ndouble-press-channel = 9\n", "[evdev] double-press-channel" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct conf c = conf_from(cases[i].text);
		struct evdev_config cfg = { 0 };
		g_autoptr(GError) err = NULL;
		gboolean ok = evdev_config_load(&c, &cfg, &err);

		g_test_message("case %zu: %s", i, err ? err->message : "ok");
		if (cases[i].error) {
			g_assert_false(ok);
			g_assert_nonnull(strstr(err->message, cases[i].error));
		} else {
			g_assert_true(ok);
		}
		if (i == 0) { /* defaults */
			g_assert_true(cfg.enable);
			g_assert_cmpuint(cfg.ptt.n, ==, 2);
			g_assert_cmpuint(cfg.ptt.codes[0], ==, KEY_F13);
			g_assert_cmpuint(cfg.emergency.n, ==, 0);
			g_assert_cmpuint(cfg.long_press, ==, 0);
			g_assert_false(cfg.grab);
		} else if (i == 1) {
			g_assert_cmpuint(cfg.long_press, ==, 2500000);
			g_assert_cmpuint(cfg.emergency.codes[0], ==, KEY_B);
		}
		g_key_file_free(c.kf);
	}
}

static void test_config_buttons(void)
{
	static const struct {
		const char *text;
		const char *error;
		unsigned n_devices;
	} cases[] = {
		{ "", NULL, 0 },
		{ "[buttons]\ndevices = AA:BB:CC:DD:EE:FF, 11:22:33:44:55:66=aina\n"
		  "adapter = hci1\npairing-profiles = zello\nstate-dir = /tmp/st\n", NULL, 2 },
		{ "[buttons]\ndevices = AA:BB:CC:DD:EE\n", "is not a Bluetooth address", 0 },
		{ "[buttons]\ndevices = AA:BB:CC:DD:EE:FF=nokia\n", "unknown profile 'nokia'", 0 },
		{ "[buttons]\npairing-profiles = zello,foo\n",
		  "test.conf: [buttons] pairing-profiles: unknown profile 'foo'", 0 },
		{ "[buttons]\nreconnect-interval = 0\n", "[buttons] reconnect-interval", 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct conf c = conf_from(cases[i].text);
		struct buttons_config cfg = { 0 };
		g_autoptr(GError) err = NULL;
		gboolean ok = buttons_config_load(&c, &cfg, &err);

		g_test_message("case %zu: %s", i, err ? err->message : "ok");
		if (cases[i].error) {
			g_assert_false(ok);
			g_assert_nonnull(strstr(err->message, cases[i].error));
		} else {
			g_assert_true(ok);
			g_assert_cmpuint(g_strv_length(cfg.devices), ==, cases[i].n_devices);
		}
		if (i == 0) {
			g_assert_null(cfg.adapter);
			g_assert_cmpuint(g_strv_length(cfg.pairing_profiles), ==, 4);
			g_assert_cmpuint(cfg.reconnect_interval, ==, 5000000);
			g_assert_true(cfg.led);
			g_assert_cmpstr(cfg.state_dir, ==, "/var/lib/pttgw");
		} else if (i == 1) {
			g_assert_cmpstr(cfg.adapter, ==, "hci1");
			g_assert_cmpstr(cfg.state_dir, ==, "/tmp/st");
			g_assert_cmpstr(cfg.devices[1], ==, "11:22:33:44:55:66=aina");
		}
		buttons_config_clear(&cfg);
		buttons_config_clear(&cfg); /* twice is fine */
		g_key_file_free(c.kf);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/buttons/profile/decode", test_decode);
	g_test_add_func("/buttons/profile/table", test_table);
	g_test_add_func("/buttons/profile/uuid", test_uuid);
	g_test_add_func("/buttons/led/state", test_led);
	g_test_add_func("/buttons/keys/parse", test_keys_parse);
	g_test_add_func("/buttons/config/evdev", test_config_evdev);
	g_test_add_func("/buttons/config/buttons", test_config_buttons);
	return g_test_run();
}
