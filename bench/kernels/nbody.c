/* N-body simulation: doubles, sqrt, division. */
#include "kernel.h"

#define NB 5
struct body { double x, y, z, vx, vy, vz, m; };

u32 KERNEL_RUN(u32 n)
{
	struct body b[NB];
	u32 seed = 5, i, j, s;
	double e = 0;

	for (i = 0; i < NB; i++) {
		b[i].x = (double)(rng_next(&seed) % 1000) / 100.0;
		b[i].y = (double)(rng_next(&seed) % 1000) / 100.0;
		b[i].z = (double)(rng_next(&seed) % 1000) / 100.0;
		b[i].vx = b[i].vy = b[i].vz = 0;
		b[i].m = 1.0 + (double)(rng_next(&seed) % 100) / 10.0;
	}
	for (s = 0; s < n; s++) {
		for (i = 0; i < NB; i++)
			for (j = i + 1; j < NB; j++) {
				double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
				double d2 = dx * dx + dy * dy + dz * dz + 0.01;
				double mag = 0.001 / (d2 * __builtin_sqrt(d2));
				b[i].vx -= dx * b[j].m * mag; b[i].vy -= dy * b[j].m * mag;
				b[i].vz -= dz * b[j].m * mag;
				b[j].vx += dx * b[i].m * mag; b[j].vy += dy * b[i].m * mag;
				b[j].vz += dz * b[i].m * mag;
			}
		for (i = 0; i < NB; i++) {
			b[i].x += 0.001 * b[i].vx;
			b[i].y += 0.001 * b[i].vy;
			b[i].z += 0.001 * b[i].vz;
		}
	}
	for (i = 0; i < NB; i++)
		e += b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
	return (u32)(e * 1e6);
}
