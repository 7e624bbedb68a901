/* Table-driven CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) over a buffer filled by a
   linear congruential generator, several passes. Usage: crc32 [BYTES [PASSES]]; prints the CRC. */
#include <stdio.h>
#include <stdlib.h>

static unsigned table[256];

static void make_table(void) {
  for (unsigned n = 0; n < 256; n++) {
    unsigned c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
}

static unsigned crc32(unsigned crc, const unsigned char *bytes, unsigned length) {
  crc = ~crc;
  for (unsigned i = 0; i < length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

int main(int argc, char **argv) {
  unsigned length = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 65536;
  unsigned passes = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
  unsigned char *buffer = malloc(length);
  if (buffer == NULL) return 1;
  unsigned seed = 12345;
  for (unsigned i = 0; i < length; i++) {
    seed = seed * 1103515245u + 12345u;
    buffer[i] = (unsigned char)(seed >> 16);
  }
  make_table();
  unsigned crc = 0;
  for (unsigned pass = 0; pass < passes; pass++) crc = crc32(crc, buffer, length);
  printf("crc32 bytes=%u passes=%u crc=%08x\n", length, passes, crc);
  free(buffer);
  return 0;
}
