/* Sieve of Eratosthenes over a byte array, repeated: byte stores with a stride, a scan, counting.
   Usage: sieve [LIMIT [ROUNDS]]; prints the prime count and a checksum of the primes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  unsigned limit = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100000;
  unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
  unsigned char *composite = malloc(limit + 1);
  if (composite == NULL) return 1;
  unsigned count = 0, sum = 0;
  for (unsigned round = 0; round < rounds; round++) {
    memset(composite, 0, limit + 1);
    count = 0;
    sum = 0;
    for (unsigned i = 2; i <= limit; i++) {
      if (composite[i]) continue;
      count++;
      sum = sum * 31 + i;
      for (unsigned j = i * 2; j <= limit; j += i) composite[j] = 1;
    }
  }
  printf("sieve limit=%u rounds=%u primes=%u checksum=%08x\n", limit, rounds, count, sum);
  free(composite);
  return 0;
}
