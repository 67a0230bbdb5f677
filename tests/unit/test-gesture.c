/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of gesture.c: one key's gestures, a source's talk and emergency
 * keys, and the driver (the timer injected, a fake clock), table-driven.
 */
#include <glib.h>
#include <string.h>

#include "gesture.h"

/* Gestures: a script of (time ms, 'd'own / 'u'p / 't'ick) and the action expected. */
struct step {
	unsigned ms;
	char what;
	enum gesture_action want;
};

static void run_gesture(const char *name, unsigned long_ms, unsigned double_ms,
			const struct step *steps, size_t n)
{
	struct gesture g;
	struct gesture_config cfg = { .long_press = long_ms * 1000ull,
				      .double_press = double_ms * 1000ull };

	gesture_init(&g, &cfg);
	for (size_t i = 0; i < n; i++) {
		uint64_t now = 1000000000ull + steps[i].ms * 1000ull;
		enum gesture_action a;

		if (steps[i].what == 't')
			a = gesture_tick(&g, now);
		else
			a = gesture_key(&g, now, steps[i].what == 'd');
		g_test_message("%s: step %zu %c@%u -> %s", name, i, steps[i].what, steps[i].ms,
			       gesture_action_to_string(a));
		g_assert_cmpstr(gesture_action_to_string(a), ==,
				gesture_action_to_string(steps[i].want));
	}
}

#define RUN(name, l, d, ...)                                                          \
	do {                                                                          \
		const struct step s_[] = { __VA_ARGS__ };                             \
		run_gesture(name, l, d, s_, G_N_ELEMENTS(s_));                        \
	} while (0)

static void test_gesture_plain(void)
{
	RUN("plain", 0, 0, { 0, 'd', GESTURE_PRESS }, { 5000, 't', GESTURE_NONE },
	    { 5000, 'd', GESTURE_NONE }, { 6000, 'u', GESTURE_RELEASE },
	    { 6001, 'u', GESTURE_NONE }, { 6100, 'd', GESTURE_PRESS },
	    { 6200, 'u', GESTURE_RELEASE });
}

static void test_gesture_long(void)
{
	struct gesture g;

	RUN("long", 2000, 0, { 0, 'd', GESTURE_PRESS }, { 1999, 't', GESTURE_NONE },
	    { 2000, 't', GESTURE_EMERGENCY }, { 2500, 't', GESTURE_NONE },
	    { 3000, 'u', GESTURE_RELEASE }, { 4000, 'd', GESTURE_PRESS },
	    { 5000, 'u', GESTURE_RELEASE }, { 9000, 't', GESTURE_NONE });
	gesture_init(&g, &(struct gesture_config){ .long_press = 2000000 });
	g_assert_cmpuint(gesture_next_deadline(&g), ==, 0);
	gesture_key(&g, 100, true);
	g_assert_cmpuint(gesture_next_deadline(&g), ==, 2000100);
	gesture_tick(&g, 2000100);
	g_assert_cmpuint(gesture_next_deadline(&g), ==, 0);
	gesture_reset(&g);
	g_assert_false(g.down);
	g_assert_cmpuint(g.cfg.long_press, ==, 2000000);
}

static void test_gesture_double(void)
{
	/* tap, tap within 400 ms: channel; the second tap's up is swallowed */
	RUN("double", 0, 400, { 0, 'd', GESTURE_PRESS }, { 100, 'u', GESTURE_RELEASE },
	    { 300, 'd', GESTURE_CHANNEL_NEXT }, { 350, 'u', GESTURE_NONE },
	    /* a third tap right after is a fresh press, not another channel step */
	    { 500, 'd', GESTURE_PRESS }, { 600, 'u', GESTURE_RELEASE });
	/* too slow between taps */
	RUN("double-slow-gap", 0, 400, { 0, 'd', GESTURE_PRESS }, { 100, 'u', GESTURE_RELEASE },
	    { 501, 'd', GESTURE_PRESS }, { 600, 'u', GESTURE_RELEASE });
	/* the first press was a talk, not a tap */
	RUN("double-long-first", 0, 400, { 0, 'd', GESTURE_PRESS },
	    { 1000, 'u', GESTURE_RELEASE }, { 1100, 'd', GESTURE_PRESS });
	/* long press and double press together; a swallowed key never escalates */
	RUN("double-and-long", 1000, 400, { 0, 'd', GESTURE_PRESS },
	    { 100, 'u', GESTURE_RELEASE }, { 200, 'd', GESTURE_CHANNEL_NEXT },
	    { 5000, 't', GESTURE_NONE }, { 5100, 'u', GESTURE_NONE },
	    { 6000, 'd', GESTURE_PRESS }, { 7000, 't', GESTURE_EMERGENCY },
	    { 7100, 'u', GESTURE_RELEASE });
}

/* gesture_source: (ms, talk, emergency or 't' tick / 'l' lost) -> outputs */
struct src_step {
	unsigned ms;
	char what; /* 'k' keys, 't' tick, 'l' lost */
	bool talk, emergency;
	unsigned want;
};

#define CH GESTURE_OUT_CHANNEL_NEXT
#define PR GESTURE_OUT_PRESS
#define EM GESTURE_OUT_EMERGENCY
#define RE GESTURE_OUT_RELEASE

static void test_gesture_source(void)
{
	static const struct src_step steps[] = {
		{ 0, 'k', true, false, PR },       /* talk */
		{ 100, 'k', true, true, EM },      /* escalate while talking */
		{ 200, 'k', true, false, 0 },      /* emergency up, talk still held */
		{ 300, 'k', false, false, RE },
		{ 1000, 'k', false, true, EM },    /* emergency alone talks */
		{ 1100, 'k', true, true, 0 },      /* talk joins: no second press */
		{ 1200, 'k', true, false, 0 },
		{ 1300, 'k', false, false, RE },
		{ 2000, 'k', false, true, EM },
		{ 2100, 'k', false, false, RE },   /* emergency up, nothing else: release */
		{ 3000, 'k', true, false, PR },
		{ 3500, 't', false, false, 0 },
		{ 5000, 't', false, false, EM },   /* long press (2 s) */
		{ 5100, 'l', false, false, RE },   /* device lost while held */
		{ 5200, 'k', false, false, 0 },    /* nothing left to release */
		{ 6000, 'k', true, false, PR },
		{ 6050, 'k', false, false, RE },   /* tap */
		{ 6100, 'k', true, false, CH },    /* double press */
		{ 6150, 'k', false, false, 0 },
		{ 7000, 'l', false, false, 0 },
	};
	struct gesture_source s;

	gesture_source_init(&s, &(struct gesture_config){ .long_press = 2000000,
							  .double_press = 300000 });
	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
		uint64_t now = 5000000ull + steps[i].ms * 1000ull;
		unsigned out;

		if (steps[i].what == 't')
			out = gesture_source_tick(&s, now);
		else if (steps[i].what == 'l')
			out = gesture_source_lost(&s);
		else
			out = gesture_source_update(&s, now, steps[i].talk, steps[i].emergency);
		g_test_message("step %zu @%u -> 0x%x", i, steps[i].ms, out);
		g_assert_cmpuint(out, ==, steps[i].want);
	}
}

/*
 * The driver against a fake timer: a script of key levels, clock advances
 * (the armed timer fires when its time comes) and losses; after each step the
 * outputs emitted (or returned, for a loss) and whether a timer is armed.
 */
static struct fake {
	uint64_t now;
	unsigned next_id;
	unsigned id; /* the armed timer; 0: none */
	uint64_t at;
	void (*fire)(void *data);
	void *data;
	unsigned added, removed;
	unsigned out; /* emitted since the last step */
} fake;

static unsigned fake_add(uint64_t delay, void (*fire)(void *data), void *data)
{
	g_assert_cmpuint(fake.id, ==, 0); /* one timer per driver at most */
	fake.id = ++fake.next_id;
	fake.at = fake.now + delay;
	fake.fire = fire;
	fake.data = data;
	fake.added++;
	return fake.id;
}

static void fake_remove(unsigned id)
{
	g_assert_cmpuint(id, !=, 0);
	g_assert_cmpuint(id, ==, fake.id);
	fake.id = 0;
	fake.removed++;
}

static uint64_t fake_now(void)
{
	return fake.now;
}

static const struct gesture_timeout_ops fake_timeout = {
	.add = fake_add, .remove = fake_remove, .now = fake_now,
};

static void fake_emit(void *data, unsigned out)
{
	g_assert_true(data == &fake);
	g_assert_cmpuint(out, !=, 0);
	fake.out |= out;
}

/* Advance the clock to ms, firing the timer when it is due (as a main loop). */
static void fake_advance(unsigned ms)
{
	uint64_t to = ms * 1000ull;

	while (fake.id && fake.at <= to) {
		fake.now = fake.at;
		fake.id = 0; /* a one-shot timer is gone when it fires */
		fake.fire(fake.data);
	}
	fake.now = to;
}

struct drv_step {
	unsigned ms;
	char what; /* 'k' keys, 't' time only, 'l' lost, 'c' clear */
	bool talk, emergency;
	unsigned want;
	bool armed;
	bool held;
};

static const struct drv_case {
	const char *name;
	unsigned long_ms, double_ms;
	struct drv_step steps[8];
	unsigned n;
} drv_cases[] = {
	{ "/gesture/driver/plain", 0, 0,
	  { { 10, 'k', true, false, PR, false, true }, { 500, 'k', false, false, RE, false, false },
	    { 9000, 't', false, false, 0, false, false } }, 3 },
	{ "/gesture/driver/long-press", 2000, 0,
	  { { 10, 'k', true, false, PR, true, true }, { 2009, 't', false, false, 0, true, true },
	    { 2010, 't', false, false, EM, false, true },
	    { 3000, 'k', false, false, RE, false, false } }, 4 },
	{ "/gesture/driver/released-before-long", 2000, 0,
	  { { 10, 'k', true, false, PR, true, true }, { 1000, 'k', false, false, RE, false, false },
	    { 5000, 't', false, false, 0, false, false } }, 3 },
	{ "/gesture/driver/double-press", 0, 300,
	  { { 10, 'k', true, false, PR, false, true }, { 50, 'k', false, false, RE, false, false },
	    { 100, 'k', true, false, CH, false, false },
	    { 150, 'k', false, false, 0, false, false } }, 4 },
	{ "/gesture/driver/lost-held", 2000, 0,
	  { { 10, 'k', true, false, PR, true, true }, { 100, 'l', false, false, RE, false, false },
	    { 5000, 't', false, false, 0, false, false } }, 3 },
	{ "/gesture/driver/lost-idle", 2000, 0,
	  { { 10, 'l', false, false, 0, false, false } }, 1 },
	{ "/gesture/driver/emergency-key", 2000, 0,
	  { { 10, 'k', false, true, EM, false, true }, { 5000, 't', false, false, 0, false, true },
	    { 5100, 'k', false, false, RE, false, false } }, 3 },
	{ "/gesture/driver/clear", 2000, 0,
	  { { 10, 'k', true, false, PR, true, true }, { 20, 'c', false, false, 0, false, true },
	    { 5000, 't', false, false, 0, false, true } }, 3 },
};

static void test_driver(gconstpointer p)
{
	const struct drv_case *c = p;
	struct gesture_driver d;

	memset(&fake, 0, sizeof(fake));
	gesture_driver_init(&d, &(struct gesture_config){ .long_press = c->long_ms * 1000ull,
							  .double_press = c->double_ms * 1000ull },
			    &fake_timeout, fake_emit, &fake);
	for (unsigned i = 0; i < c->n; i++) {
		const struct drv_step *s = &c->steps[i];
		unsigned out;

		fake.out = 0;
		fake_advance(s->ms);
		if (s->what == 'k') {
			gesture_driver_update(&d, fake.now, s->talk, s->emergency);
		} else if (s->what == 'l') {
			out = gesture_driver_lost(&d);
			g_assert_cmpuint(fake.out, ==, 0); /* the caller emits a loss's outputs */
			fake.out = out;
		} else if (s->what == 'c') {
			gesture_driver_clear(&d);
		}
		g_test_message("step %u %c@%u -> 0x%x armed %d", i, s->what, s->ms, fake.out,
			       d.timer != 0);
		g_assert_cmpuint(fake.out, ==, s->want);
		g_assert_cmpuint(d.timer != 0, ==, s->armed);
		g_assert_cmpuint(d.timer, ==, fake.id);
		g_assert_cmpuint(gesture_driver_held(&d), ==, s->held);
	}
	/* every timer added was removed or fired: none left behind */
	gesture_driver_clear(&d);
	g_assert_cmpuint(fake.id, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/gesture/key/plain", test_gesture_plain);
	g_test_add_func("/gesture/key/long-press", test_gesture_long);
	g_test_add_func("/gesture/key/double-press", test_gesture_double);
	g_test_add_func("/gesture/source/script", test_gesture_source);
	for (size_t i = 0; i < G_N_ELEMENTS(drv_cases); i++)
		g_test_add_data_func(drv_cases[i].name, &drv_cases[i], test_driver);
	return g_test_run();
}
