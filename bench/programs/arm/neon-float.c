/* Float vector loops that gcc turns into Advanced SIMD (NEON) with -O2 -ftree-vectorize
   -funsafe-math-optimizations -mfpu=neon-vfpv4: saxpy, a dot product, clamping and a 3-tap filter
   over float arrays. Usage: neon-float [LENGTH] [ROUNDS]; prints the sums. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  unsigned length = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 4096;
  unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100;
  float *x = malloc(length * sizeof *x), *y = malloc(length * sizeof *y), *z = malloc(length * sizeof *z);
  if (x == NULL || y == NULL || z == NULL) return 1;
  unsigned seed = 12345;
  for (unsigned i = 0; i < length; i++) {
    seed = seed * 1103515245u + 12345u;
    x[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
    y[i] = (float)i / (float)length;
  }
  double total = 0.0;
  for (unsigned r = 0; r < rounds; r++) {
    float a = 0.5f + (float)r / (float)rounds;
    for (unsigned i = 0; i < length; i++) y[i] = a * x[i] + y[i];
    float dot = 0.0f;
    for (unsigned i = 0; i < length; i++) dot += x[i] * y[i];
    for (unsigned i = 0; i < length; i++) z[i] = y[i] > 1.0f ? 1.0f : y[i] < -1.0f ? -1.0f : y[i];
    for (unsigned i = 1; i + 1 < length; i++) y[i] = 0.25f * z[i - 1] + 0.5f * z[i] + 0.25f * z[i + 1];
    total += dot;
  }
  float sum = 0.0f;
  for (unsigned i = 0; i < length; i++) sum += y[i];
  printf("neon-float length=%u rounds=%u total=%.6e sum=%.6e\n", length, rounds, total, (double)sum);
  return 0;
}
