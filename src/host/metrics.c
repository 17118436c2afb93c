/* SPDX-License-Identifier: Apache-2.0 */
/* Metrics of pvf-host.md §8 and their Prometheus text exposition. */
#include <stdio.h>
#include <string.h>

#include "host.h"

static const double prep_time_b[] = {0.1, 0.5, 1, 2, 3, 10, 20, 30, 60, 120, 240, 360, 480};
static const double exec_time_b[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2,
				     3, 4, 5, 6, 8, 10, 12};
static const double queued_b[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2,
				  3, 4, 5, 6, 12, 24, 48};
static double mem_b[10];   /* exponential(8192, 2, 10) KiB */
static double size_b[10];  /* exponential(16384, 2, 10) bytes */

static void hist_init(struct host_hist *h, const double *b, size_t n)
{
	memset(h, 0, sizeof(*h));
	PVF_ASSERT(n <= HOST_HIST_MAX_BUCKETS);
	h->bounds = b;
	h->n = n;
}

void host_metrics_init(struct host_metrics *m)
{
	size_t i;

	for (i = 0; i < 10; i++) {
		mem_b[i] = 8192.0 * (double)(1u << i);
		size_b[i] = 16384.0 * (double)(1u << i);
	}
	memset(m, 0, sizeof(*m));
	hist_init(&m->preparation_time, prep_time_b, BASE_ARRAY_SIZE(prep_time_b));
	hist_init(&m->execution_time, exec_time_b, BASE_ARRAY_SIZE(exec_time_b));
	hist_init(&m->execution_queued_time, queued_b, BASE_ARRAY_SIZE(queued_b));
	hist_init(&m->prep_max_rss, mem_b, 10);
	hist_init(&m->prep_max_resident, mem_b, 10);
	hist_init(&m->prep_max_allocated, mem_b, 10);
	hist_init(&m->prep_peak_tracked, mem_b, 10);
	hist_init(&m->pov_size[0], size_b, 10);
	hist_init(&m->pov_size[1], size_b, 10);
	hist_init(&m->code_size, size_b, 10);
}

void host_hist_observe(struct host_hist *h, double v)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (v <= h->bounds[i])
			break;
	if (i < h->n)
		h->counts[i]++;
	h->count++;
	h->sum += v;
}

static int header(struct buf *o, const char *name, const char *help, const char *type)
{
	return buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int counter(struct buf *o, const char *name, const char *help, uint64_t v)
{
	int ret = header(o, name, help, "counter");

	return ret ? ret : buf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

static int counter_vec(struct buf *o, const char *name, const char *help, const char *label,
		       const char *const *values, const uint64_t *v, size_t n)
{
	int ret = header(o, name, help, "counter");
	size_t i;

	for (i = 0; i < n && !ret; i++)
		ret = buf_printf(o, "%s{%s=\"%s\"} %llu\n", name, label, values[i],
				 (unsigned long long)v[i]);
	return ret;
}

/* Bucket bounds as Prometheus clients print them: integers without an
 * exponent, fractions in the shortest form. */
static void fmt_bound(double v, char *out, size_t len)
{
	if (v == (double)(long long)v && v < 1e15)
		snprintf(out, len, "%lld", (long long)v);
	else
		snprintf(out, len, "%g", v);
}

/* One histogram series; labels is "" or `key="value"`. */
static int hist_series(struct buf *o, const char *name, const char *labels,
		       const struct host_hist *h)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0;
	size_t i;
	int ret = 0;

	for (i = 0; i < h->n && !ret; i++) {
		char le[32];

		cum += h->counts[i];
		fmt_bound(h->bounds[i], le, sizeof(le));
		ret = buf_printf(o, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep, le,
				 (unsigned long long)cum);
	}
	if (!ret)
		ret = buf_printf(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
				 (unsigned long long)h->count);
	if (!ret)
		ret = buf_printf(o, "%s_sum%s%s%s %.17g\n", name, labels[0] ? "{" : "", labels,
				 labels[0] ? "}" : "", h->sum);
	if (!ret)
		ret = buf_printf(o, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
				 labels[0] ? "}" : "", (unsigned long long)h->count);
	return ret;
}

static int hist(struct buf *o, const char *name, const char *help, const struct host_hist *h)
{
	int ret = header(o, name, help, "histogram");

	return ret ? ret : hist_series(o, name, "", h);
}

int host_metrics_render(const struct host_metrics *m, struct buf *o)
{
	static const char *const flavors[] = {"prepare", "execute"};
	static const char *const kinds[] = {"dispute", "approval", "backing_system_paras",
					    "backing"};
	int ret = 0;

	ret = ret ? ret : counter_vec(o, "polkadot_pvf_worker_spawning",
				      "The total number of workers began to spawn", "flavor",
				      flavors, m->worker_spawning, 2);
	ret = ret ? ret : counter_vec(o, "polkadot_pvf_worker_spawned",
				      "The total number of workers spawned successfully", "flavor",
				      flavors, m->worker_spawned, 2);
	ret = ret ? ret : counter_vec(o, "polkadot_pvf_worker_retired",
				      "The total number of workers retired, either killed by the "
				      "host or died on duty", "flavor", flavors,
				      m->worker_retired, 2);
	ret = ret ? ret : counter(o, "polkadot_pvf_prepare_enqueued",
				  "The total number of jobs enqueued into the preparation pipeline",
				  m->prepare_enqueued);
	ret = ret ? ret : counter(o, "polkadot_pvf_prepare_concluded",
				  "The total number of jobs concluded in the preparation pipeline",
				  m->prepare_concluded);
	ret = ret ? ret : counter(o, "polkadot_pvf_execute_enqueued",
				  "The total number of jobs enqueued into the execution pipeline",
				  m->execute_enqueued);
	ret = ret ? ret : counter(o, "polkadot_pvf_execute_finished",
				  "The total number of jobs done in the execution pipeline",
				  m->execute_finished);
	ret = ret ? ret : hist(o, "polkadot_pvf_preparation_time",
			       "Time spent in preparing PVF artifacts in seconds",
			       &m->preparation_time);
	ret = ret ? ret : hist(o, "polkadot_pvf_execution_time",
			       "Time spent in executing PVFs", &m->execution_time);
	ret = ret ? ret : hist(o, "polkadot_pvf_execution_queued_time",
			       "Time spent in queue waiting for PVFs execution job to be assigned",
			       &m->execution_queued_time);
	ret = ret ? ret : hist(o, "polkadot_pvf_preparation_max_rss",
			       "ru_maxrss (maximum resident set size) observed for preparation "
			       "(in kilobytes)", &m->prep_max_rss);
	ret = ret ? ret : hist(o, "polkadot_pvf_preparation_max_resident",
			       "max resident memory observed for preparation (in kilobytes)",
			       &m->prep_max_resident);
	ret = ret ? ret : hist(o, "polkadot_pvf_preparation_max_allocated",
			       "max allocated memory observed for preparation (in kilobytes)",
			       &m->prep_max_allocated);
	ret = ret ? ret : hist(o, "polkadot_pvf_preparation_peak_tracked_allocation",
			       "peak allocation observed for preparation (in kilobytes)",
			       &m->prep_peak_tracked);
	ret = ret ? ret : header(o, "polkadot_parachain_candidate_validation_pov_size",
				 "The compressed and decompressed size of the proof of validity "
				 "of a candidate", "histogram");
	ret = ret ? ret : hist_series(o, "polkadot_parachain_candidate_validation_pov_size",
				      "compressed=\"true\"", &m->pov_size[1]);
	ret = ret ? ret : hist_series(o, "polkadot_parachain_candidate_validation_pov_size",
				      "compressed=\"false\"", &m->pov_size[0]);
	ret = ret ? ret : hist(o, "polkadot_parachain_candidate_validation_code_size",
			       "The size of the decompressed WASM validation blob used for checking "
			       "a candidate", &m->code_size);
	ret = ret ? ret : counter_vec(o, "polkadot_pvf_exec_kind_selected",
				      "The total number of selected execute jobs by their kind",
				      "priority", kinds, m->exec_kind_selected, 4);
	return ret;
}
