/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark kernels: built natively (with main.c) and for wasm32 (see run.sh). */
typedef unsigned int u32; typedef unsigned long long u64; typedef unsigned char u8;
#define EXPORT(n) __attribute__((export_name(n)))
#ifndef __wasm__
#undef EXPORT
#define EXPORT(n)
#endif
static int fib_(int n) { return n < 2 ? n : fib_(n - 1) + fib_(n - 2); }
EXPORT("fib") int fib(int n) { return fib_(n); }

#define N 160
static int A[N*N], B[N*N], C[N*N];
EXPORT("matmul") int matmul(int reps) {
	int s = 0;
	for (int i = 0; i < N*N; i++) { A[i] = i * 7 + 1; B[i] = i ^ 0x55; }
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) {
			int acc = 0;
			for (int k = 0; k < N; k++) acc += A[i*N+k] * B[k*N+j];
			C[i*N+j] = acc;
		}
		s += C[r % (N*N)];
	}
	return s;
}
static double D1[N*N], D2[N*N], D3[N*N];
EXPORT("matmulf") int matmulf(int reps) {
	double s = 0;
	for (int i = 0; i < N*N; i++) { D1[i] = i * 0.5; D2[i] = 1.0 / (i + 1); }
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) {
			double acc = 0;
			for (int k = 0; k < N; k++) acc += D1[i*N+k] * D2[k*N+j];
			D3[i*N+j] = acc;
		}
		s += D3[r % (N*N)];
	}
	return (int)s;
}

static const u32 K[64] = {
0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2};
#define ROR(x,n) (((x)>>(n))|((x)<<(32-(n))))
static u8 buf[1<<20];
static void sha_block(u32 *h, const u8 *p) {
	u32 w[64], a,b,c,d,e,f,g,hh;
	for (int i = 0; i < 16; i++) w[i] = (u32)p[4*i]<<24|(u32)p[4*i+1]<<16|(u32)p[4*i+2]<<8|p[4*i+3];
	for (int i = 16; i < 64; i++) {
		u32 s0 = ROR(w[i-15],7)^ROR(w[i-15],18)^(w[i-15]>>3);
		u32 s1 = ROR(w[i-2],17)^ROR(w[i-2],19)^(w[i-2]>>10);
		w[i] = w[i-16]+s0+w[i-7]+s1;
	}
	a=h[0];b=h[1];c=h[2];d=h[3];e=h[4];f=h[5];g=h[6];hh=h[7];
	for (int i = 0; i < 64; i++) {
		u32 t1 = hh + (ROR(e,6)^ROR(e,11)^ROR(e,25)) + ((e&f)^(~e&g)) + K[i] + w[i];
		u32 t2 = (ROR(a,2)^ROR(a,13)^ROR(a,22)) + ((a&b)^(a&c)^(b&c));
		hh=g; g=f; f=e; e=d+t1; d=c; c=b; b=a; a=t1+t2;
	}
	h[0]+=a;h[1]+=b;h[2]+=c;h[3]+=d;h[4]+=e;h[5]+=f;h[6]+=g;h[7]+=hh;
}
EXPORT("sha256") int sha256(int n) {
	u32 h[8] = {0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19};
	for (int i = 0; i < (1<<20); i++) buf[i] = (u8)(i * 31);
	for (int r = 0; r < n; r++) for (int off = 0; off < (1<<20); off += 64) sha_block(h, buf + off);
	return (int)h[0];
}

static int arr[1<<20];
static void isort(int *a, int lo, int hi) { for (int i = lo+1; i <= hi; i++) { int v = a[i], j = i-1; while (j >= lo && a[j] > v) { a[j+1] = a[j]; j--; } a[j+1] = v; } }
static void qs(int *a, int lo, int hi) {
	while (hi - lo > 16) {
		int mid = lo + (hi-lo)/2;
		int x = a[lo], y = a[mid], z = a[hi];
		int p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		int i = lo, j = hi;
		while (i <= j) { while (a[i] < p) i++; while (a[j] > p) j--; if (i <= j) { int t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; } }
		if (j - lo < hi - i) { qs(a, lo, j); lo = i; } else { qs(a, i, hi); hi = j; }
	}
	isort(a, lo, hi);
}
EXPORT("qsort") int qsort_(int n) {
	u32 s = 12345; int cnt = n * 1024; if (cnt > (1<<20)) cnt = 1<<20;
	for (int i = 0; i < cnt; i++) { s = s * 1103515245 + 12345; arr[i] = (int)(s >> 1); }
	qs(arr, 0, cnt - 1);
	return arr[cnt/2] ^ arr[0];
}

#define LIMBS 1024
static u32 X[LIMBS], Y[LIMBS], Z[2*LIMBS];
EXPORT("bignum") int bignum(int reps) {
	for (int i = 0; i < LIMBS; i++) { X[i] = i * 2654435761u; Y[i] = ~(i * 40503u); }
	u32 s = 0;
	for (int r = 0; r < reps; r++) {
		for (int i = 0; i < 2*LIMBS; i++) Z[i] = 0;
		for (int i = 0; i < LIMBS; i++) {
			u64 carry = 0;
			for (int j = 0; j < LIMBS; j++) {
				u64 t = (u64)X[i] * Y[j] + Z[i+j] + carry;
				Z[i+j] = (u32)t; carry = t >> 32;
			}
			Z[i+LIMBS] = (u32)carry;
		}
		s += Z[r % (2*LIMBS)];
		X[0] += 1;
	}
	return (int)s;
}

static const u64 RC[24] = {0x0000000000000001ULL,0x0000000000008082ULL,0x800000000000808aULL,0x8000000080008000ULL,0x000000000000808bULL,0x0000000080000001ULL,0x8000000080008081ULL,0x8000000000008009ULL,0x000000000000008aULL,0x0000000000000088ULL,0x0000000080008009ULL,0x000000008000000aULL,0x000000008000808bULL,0x800000000000008bULL,0x8000000000008089ULL,0x8000000000008003ULL,0x8000000000008002ULL,0x8000000000000080ULL,0x000000000000800aULL,0x800000008000000aULL,0x8000000080008081ULL,0x8000000000008080ULL,0x0000000080000001ULL,0x8000000080008008ULL};
static const int rotc[24] = {1,3,6,10,15,21,28,36,45,55,2,14,27,41,56,8,25,43,62,18,39,61,20,44};
static const int piln[24] = {10,7,11,17,18,3,5,16,8,21,24,4,15,23,19,13,12,2,20,14,22,9,6,1};
static void keccakf(u64 st[25]) {
	u64 bc[5], t;
	for (int r = 0; r < 24; r++) {
		for (int i = 0; i < 5; i++) bc[i] = st[i]^st[i+5]^st[i+10]^st[i+15]^st[i+20];
		for (int i = 0; i < 5; i++) { t = bc[(i+4)%5] ^ ((bc[(i+1)%5] << 1) | (bc[(i+1)%5] >> 63)); for (int j = 0; j < 25; j += 5) st[j+i] ^= t; }
		t = st[1];
		for (int i = 0; i < 24; i++) { int j = piln[i]; bc[0] = st[j]; st[j] = (t << rotc[i]) | (t >> (64 - rotc[i])); t = bc[0]; }
		for (int j = 0; j < 25; j += 5) { for (int i = 0; i < 5; i++) bc[i] = st[j+i]; for (int i = 0; i < 5; i++) st[j+i] ^= (~bc[(i+1)%5]) & bc[(i+2)%5]; }
		st[0] ^= RC[r];
	}
}
EXPORT("keccak") int keccak(int n) {
	u64 st[25]; for (int i = 0; i < 25; i++) st[i] = i;
	for (int r = 0; r < n; r++) keccakf(st);
	return (int)st[0];
}
