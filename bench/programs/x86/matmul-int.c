/* Integer matrix multiply, C = A x B with 32-bit wrap-around, repeated with C fed back into A.
   Usage: matmul-int [N [ROUNDS]]; prints a checksum of C. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 48;
  unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
  int *a = malloc(sizeof(int) * n * n), *b = malloc(sizeof(int) * n * n), *c = malloc(sizeof(int) * n * n);
  if (a == NULL || b == NULL || c == NULL) return 1;
  for (unsigned i = 0; i < n * n; i++) {
    a[i] = (int)(i * 7 % 13) - 6;
    b[i] = (int)(i * 5 % 11) - 5;
  }
  for (unsigned round = 0; round < rounds; round++) {
    for (unsigned i = 0; i < n; i++)
      for (unsigned j = 0; j < n; j++) {
        int sum = 0;
        for (unsigned k = 0; k < n; k++) sum += a[i * n + k] * b[k * n + j];
        c[i * n + j] = sum;
      }
    for (unsigned i = 0; i < n * n; i++) a[i] = (c[i] & 15) - 8;
  }
  unsigned checksum = 0;
  for (unsigned i = 0; i < n * n; i++) checksum = checksum * 31 + (unsigned)c[i];
  printf("matmul-int n=%u rounds=%u checksum=%08x\n", n, rounds, checksum);
  return 0;
}
