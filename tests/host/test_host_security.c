/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's start-up security check with fake workers (scripted reports,
 * tests/host/fake_worker.c "Check mode"): each worker program runs once with
 * --check-security; a layer works only if both programs say so; the status
 * reaches pvf_host_security, HELLO, the log and the metrics; programs that
 * cannot be run or print no report stop the start; secure validator mode
 * refuses with the layer, what provides it and the option that accepts the
 * risk. tests/host/test_workers.c does the same against the real workers
 * with the sandbox's test-only layer breaks.
 */
#include <poll.h>

#include "harness.h"

#define RUN(fn)                                                                \
	do {                                                                   \
		uint64_t t_ = t_now_ms();                                      \
		fn();                                                          \
		printf("# %s: %llu ms\n", #fn, (unsigned long long)(t_now_ms() - t_)); \
	} while (0)

/* pvf_host_new with env as worker_env; returns the host or NULL with err. */
static struct pvf_host *start(const char *const *env, bool secure, char *err, size_t len,
			      int *ret)
{
	struct pvf_config c;
	struct pvf_host *h = NULL;

	t_setup_root();
	t_config(&c, env);
	c.secure_validator_mode = secure;
	c.security_check_timeout_ms = 1500;
	err[0] = 0;
	*ret = pvf_host_new(&c, &h, err, len);
	return h;
}

static int count_lines(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Every program runs once, in a fresh worker dir that is gone afterwards;
 * with good reports the status says every layer works. */
static void test_each_program_once(void)
{
	const char *env[] = {NULL, NULL};
	struct pvf_security sec;
	struct pvf_host *h;
	char err[512];
	int ret, l, all = 1;

	/* start() makes a new test root: the log lives outside of it */
	env[0] = t_fmt("FAKE_CHECK_LOG=/tmp/pvf-sec-checks-%d", (int)getpid());
	unlink(env[0] + strlen("FAKE_CHECK_LOG="));
	h = start(env, false, err, sizeof(err), &ret);
	ok(ret == 0 && h, "host starts with passing checks (%s)", err);
	{
		char path[128], text[256] = "";
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "/tmp/pvf-sec-checks-%d", (int)getpid());
		f = fopen(path, "r");
		n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
		text[n] = 0;
		if (f)
			fclose(f);
		unlink(path);
		ok(count_lines(text, "check prepare dir=yes\n") == 1 &&
		   count_lines(text, "check execute dir=yes\n") == 1 && count_lines(text, "check ") == 2,
		   "each worker program ran its check once, in an existing worker dir");
	}
	ok(t_cache_count("worker-dir-") == 0, "the check's worker dirs are removed");
	pvf_host_security(h, &sec);
	for (l = 0; l < PVF_LAYER_COUNT; l++)
		all &= sec.layer[l].works && !sec.layer[l].reason[0];
	ok(all && sec.secure && !sec.why[0] && sec.landlock_abi == 7 && sec.can_enable_landlock &&
	   sec.can_enable_seccomp && sec.can_do_secure_clone &&
	   sec.can_unshare_user_namespace_and_change_root && !sec.secure_validator_mode,
	   "every layer works, secure, landlock ABI from the reports");
	ok(sec.layer[PVF_LAYER_SECCOMP].required && sec.layer[PVF_LAYER_NO_NEW_PRIVS].required &&
	   !sec.layer[PVF_LAYER_LANDLOCK].required && !sec.layer[PVF_LAYER_CHANGE_ROOT].required &&
	   !sec.layer[PVF_LAYER_SECURE_CLONE].required,
	   "required: seccomp and no-new-privs; landlock/change-root cover each other");
	ok(t_logged("security check of the prepare worker `") &&
	   t_logged("security check of the execute worker `") && t_logged("12 of 12 sandbox layers"),
	   "the start-up log names both checks");
	pvf_host_free(h);
}

/* A layer works only if it works for both programs. */
static void test_combine(void)
{
	const char *env[] = {"FAKE_CHECK_EXECUTE=missing:landlock,secure-clone",
			     "FAKE_CHECK_PREPARE=missing:secure-clone,rlimits", "FAKE_HELLO_LOG=1",
			     NULL};
	struct pvf_code code = t_code("ok");
	struct t_res r = {0};
	struct pvf_security sec;
	struct pvf_host *h;
	char err[512];
	int ret;

	h = start(env, false, err, sizeof(err), &ret);
	ok(ret == 0 && h, "starts with optional layers missing (%s)", err);
	pvf_host_security(h, &sec);
	ok(!sec.layer[PVF_LAYER_LANDLOCK].works && !sec.can_enable_landlock &&
	   strstr(sec.layer[PVF_LAYER_LANDLOCK].reason, "execute worker: fake: landlock broken") &&
	   !strstr(sec.layer[PVF_LAYER_LANDLOCK].reason, "prepare worker"),
	   "landlock missing for the execute worker only -> missing: %s",
	   sec.layer[PVF_LAYER_LANDLOCK].reason);
	ok(!sec.layer[PVF_LAYER_RLIMITS].works &&
	   strstr(sec.layer[PVF_LAYER_RLIMITS].reason, "prepare worker: fake: rlimits broken"),
	   "rlimits missing for the prepare worker only -> missing");
	ok(!sec.layer[PVF_LAYER_SECURE_CLONE].works && !sec.can_do_secure_clone &&
	   strstr(sec.layer[PVF_LAYER_SECURE_CLONE].reason, "prepare worker: ") &&
	   strstr(sec.layer[PVF_LAYER_SECURE_CLONE].reason, "; execute worker: "),
	   "missing for both: both reasons: %s", sec.layer[PVF_LAYER_SECURE_CLONE].reason);
	ok(sec.layer[PVF_LAYER_SECCOMP].works && sec.can_enable_seccomp &&
	   sec.can_unshare_user_namespace_and_change_root && sec.secure,
	   "the rest works; still secure (change-root covers landlock)");
	ok(sec.layer[PVF_LAYER_CHANGE_ROOT].required, "change-root required now landlock is gone");
	ok(t_logged("optional sandbox layer landlock not available: execute worker: fake: "
		    "landlock broken (needs Landlock: Linux >= 5.13"),
	   "the log names the layer, the program, the reason and what provides it");
	ok(t_logged("worker sandbox: working: user-namespace change-root ") &&
	   t_logged("; missing: rlimits landlock secure-clone\n"), "the log sums the layers up");
	/* HELLO carries the combined flags. */
	pvf_precheck(h, &code, t_precheck_cb, &r, NULL);
	ok(t_wait(h, &r, 1, 5 * 1000) && r.status == 0, "a pre-check runs");
	ok(t_logged("hello security: svm=0 landlock=0 seccomp=1 userns-chroot=1 clone=0"),
	   "the worker's HELLO has the combined flags");
	/* Metrics */
	ok(t_metric(h, "pvf_security_layer{layer=\"landlock\"}") == 0 &&
	   t_metric(h, "pvf_security_layer{layer=\"rlimits\"}") == 0 &&
	   t_metric(h, "pvf_security_layer{layer=\"secure-clone\"}") == 0 &&
	   t_metric(h, "pvf_security_layer{layer=\"seccomp\"}") == 1 &&
	   t_metric(h, "pvf_security_layer{layer=\"change-root\"}") == 1 &&
	   t_metric(h, "pvf_security_layer{layer=\"user-namespace\"}") == 1,
	   "pvf_security_layer per layer");
	ok(t_metric(h, "pvf_security_secure") == 1 &&
	   t_metric(h, "pvf_security_secure_validator_mode") == 0 &&
	   t_metric(h, "pvf_security_landlock_abi") == 7, "pvf_security_secure, mode, ABI");
	pvf_host_free(h);
}

/* Reports that stop the start in either mode, and one that does not. */
static void test_bad_programs(void)
{
	static const struct {
		const char *env;
		int ret;
		const char *needle;
	} cases[] = {
		{"FAKE_CHECK=exit:2", -EIO, "--check-security exited with status 2: fake: check failed"},
		{"FAKE_CHECK=garbage", -EBADMSG, "printed no security report"},
		{"FAKE_CHECK=hang", -ETIMEDOUT, "did not finish its security check within 1500 ms"},
		{"FAKE_CHECK=signal", -EIO, "was killed by signal 9 during its security check"},
		{"FAKE_CHECK_EXECUTE=exit:127", -EIO, "the execute worker program `"},
	};
	struct pvf_security sec;
	struct pvf_host *h;
	char err[512];
	int ret;
	size_t i;

	for (i = 0; i < T_ARRAY_SIZE(cases); i++) {
		const char *env[] = {cases[i].env, NULL};

		for (int secure = 0; secure < 2; secure++) {
			uint64_t t0 = t_now_ms();

			h = start(env, secure, err, sizeof(err), &ret);
			ok(!h && ret == cases[i].ret && strstr(err, cases[i].needle),
			   "%s%s: refused (%d): %s", cases[i].env, secure ? " (secure)" : "", ret,
			   err);
			if (i == 2)
				ok(t_now_ms() - t0 < 5000, "the hanging check was killed in time");
			pvf_host_free(h);
		}
	}
	ok(t_signal_children(0) == 0, "no check process left behind");

	/* A check whose child keeps its stdout open after it exits. */
	{
		const char *env[] = {"FAKE_CHECK=orphan", NULL};
		uint64_t t0 = t_now_ms();

		h = start(env, true, err, sizeof(err), &ret);
		ok(h && ret == 0 && t_now_ms() - t0 < 2500,
		   "a descendant holding the report pipe does not stall the start (%llu ms)",
		   (unsigned long long)(t_now_ms() - t0));
		pvf_host_free(h);
	}

	/* Not executable. */
	{
		struct pvf_config c;

		t_setup_root();
		t_touch("not-a-program");
		t_config(&c, NULL);
		c.execute_worker_path = T("not-a-program");
		h = NULL;
		ret = pvf_host_new(&c, &h, err, sizeof(err));
		ok(!h && ret == -EACCES && strstr(err, "cannot run the execute worker program `") &&
		   strstr(err, "Permission denied"), "a file that is not executable: %s", err);
	}

	/* The check ran but could not probe (exit 3 with an error line):
	 * every layer counts as missing, with that reason. */
	{
		const char *env[] = {"FAKE_CHECK_PREPARE=error:fork probe: Resource temporarily "
				     "unavailable", NULL};

		h = start(env, false, err, sizeof(err), &ret);
		ok(h && ret == 0, "a check that could not probe: starts when not secure (%s)", err);
		if (h) {
			pvf_host_security(h, &sec);
			ok(!sec.secure && !sec.layer[PVF_LAYER_SECCOMP].works &&
			   strstr(sec.layer[PVF_LAYER_SECCOMP].reason,
				  "prepare worker: the check could not run: fork probe"),
			   "every layer missing with the check's error: %s",
			   sec.layer[PVF_LAYER_SECCOMP].reason);
			ok(t_logged("this system cannot securely run a validator"),
			   "warned that it is not secure");
		}
		pvf_host_free(h);
		h = start(env, true, err, sizeof(err), &ret);
		ok(!h && ret == -ENOTSUP && strstr(err, "seccomp") && strstr(err, "no-new-privs"),
		   "and refused in secure validator mode: %s", err);
	}
}

/* Secure validator mode: refused naming each missing required layer, what
 * provides it and the option that accepts the risk; started otherwise. */
static void test_secure_mode(void)
{
	static const struct {
		const char *missing;
		const char *names;       /* in the message */
		const char *hint;
		bool secure;             /* still secure */
	} cases[] = {
		{"seccomp", " seccomp missing", "seccomp: kernel CONFIG_SECCOMP_FILTER", false},
		{"no-new-privs", " no-new-privs missing", "prctl(PR_SET_NO_NEW_PRIVS)", false},
		{"landlock,change-root", " change-root, landlock missing (one of landlock and "
		 "change-root is needed)", "kernel.unprivileged_userns_clone=1", false},
		{"landlock", NULL, NULL, true},
		{"change-root", NULL, NULL, true},
		/* the fake says change-root works even so (the real workers
		 * cannot: test_workers.c) */
		{"secure-clone,landlock-net,user-namespace", NULL, NULL, true},
	};
	struct pvf_security sec;
	struct pvf_host *h;
	char err[512];
	int ret;
	size_t i;

	for (i = 0; i < T_ARRAY_SIZE(cases); i++) {
		const char *env[] = {t_fmt("FAKE_CHECK=missing:%s", cases[i].missing), NULL};

		h = start(env, true, err, sizeof(err), &ret);
		if (cases[i].secure) {
			ok(h && ret == 0, "secure mode with %s missing: starts (%s)", cases[i].missing,
			   err);
			if (h) {
				pvf_host_security(h, &sec);
				ok(sec.secure && sec.secure_validator_mode &&
				   t_metric(h, "pvf_security_secure_validator_mode") == 1,
				   "secure validator mode on");
			}
			pvf_host_free(h);
			continue;
		}
		ok(!h && ret == -ENOTSUP && strstr(err, "secure validator mode refused: required "
						   "sandbox layer") &&
		   strstr(err, cases[i].names) && strstr(err, cases[i].hint) &&
		   strstr(err, "; to accept the risk, set secure_validator_mode = false in struct "
			  "pvf_config (pvf commands: --insecure); what "
			  "provides it: "),
		   "secure mode with %s missing: refused: %s", cases[i].missing, err);
		ok(t_logged("required sandbox layer ") && t_logged("fake: "),
		   "the log has the layer's reason");
		/* The same without secure validator mode: starts, with a warning. */
		h = start(env, false, err, sizeof(err), &ret);
		ok(h && ret == 0 && t_logged("this system cannot securely run a validator"),
		   "without secure validator mode: starts with a warning (%s)", err);
		if (h) {
			pvf_host_security(h, &sec);
			ok(!sec.secure && sec.why[0] && !sec.secure_validator_mode &&
			   t_metric(h, "pvf_security_secure") == 0,
			   "status says not secure: %s", sec.why);
		}
		pvf_host_free(h);
	}
	/* A short errbuf still gets a terminated prefix. */
	{
		const char *env[] = {"FAKE_CHECK=missing:seccomp", NULL};
		char small[40];

		memset(small, 'x', sizeof(small));
		h = start(env, true, small, sizeof(small), &ret);
		ok(!h && ret == -ENOTSUP && strlen(small) == sizeof(small) - 1,
		   "a short errbuf is filled and terminated");
	}
}

static void test_names(void)
{
	ok(!strcmp(pvf_sandbox_layer_name(PVF_LAYER_SECCOMP), "seccomp") &&
	   !strcmp(pvf_sandbox_layer_name(PVF_LAYER_USER_NAMESPACE), "user-namespace") &&
	   !strcmp(pvf_sandbox_layer_name(PVF_LAYER_SECURE_CLONE), "secure-clone") &&
	   pvf_sandbox_layer_name(PVF_LAYER_COUNT) == NULL, "layer names");
	ok(strstr(pvf_sandbox_layer_hint(PVF_LAYER_LANDLOCK), "lsm=") &&
	   strstr(pvf_sandbox_layer_hint(PVF_LAYER_USER_NAMESPACE),
		  "kernel.unprivileged_userns_clone=1") &&
	   pvf_sandbox_layer_hint(PVF_LAYER_COUNT) == NULL, "layer hints");
}

int main(void)
{
	uint64_t t0 = t_now_ms();

	RUN(test_names);
	RUN(test_each_program_once);
	RUN(test_combine);
	RUN(test_bad_programs);
	RUN(test_secure_mode);
	t_cleanup_root();
	printf("# %llu ms\n", (unsigned long long)(t_now_ms() - t0));
	tap_done();
	return 0;
}
