/* Double matrix multiply on the x87 (built with -march=i686: no SSE), C = A x B, repeated with C
   scaled back into A. Usage: matmul-double [N [ROUNDS]]; prints the trace and a sum of C. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 48;
  unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
  double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n);
  if (a == NULL || b == NULL || c == NULL) return 1;
  for (unsigned i = 0; i < n * n; i++) {
    a[i] = (double)(i % 17) / 16.0 - 0.5;
    b[i] = (double)(i % 23) / 11.0 - 1.0;
  }
  for (unsigned round = 0; round < rounds; round++) {
    for (unsigned i = 0; i < n; i++)
      for (unsigned j = 0; j < n; j++) {
        double sum = 0.0;
        for (unsigned k = 0; k < n; k++) sum += a[i * n + k] * b[k * n + j];
        c[i * n + j] = sum;
      }
    for (unsigned i = 0; i < n * n; i++) a[i] = c[i] / (double)n;
  }
  double trace = 0.0, total = 0.0;
  for (unsigned i = 0; i < n; i++) trace += c[i * n + i];
  for (unsigned i = 0; i < n * n; i++) total += c[i];
  printf("matmul-double n=%u rounds=%u trace=%.17g sum=%.17g\n", n, rounds, trace, total);
  return 0;
}
