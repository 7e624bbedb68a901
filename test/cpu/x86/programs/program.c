/* A freestanding C program, compiled by i686-linux-gnu-gcc -O2 -march=pentium3: the instruction
 * mix a compiler emits (addressing modes, SETcc/CMOVcc, 64-bit arithmetic through libgcc, loops,
 * calls, x87 for doubles). No libc: _start calls main and makes the exit system call. */

typedef unsigned int u32;
typedef unsigned long long u64;

static u32 table[64];

static u32 crc32(const unsigned char *data, int length) {
  u32 crc = 0xffffffffu;
  for (int i = 0; i < length; i++) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static void insertion_sort(u32 *values, int count) {
  for (int i = 1; i < count; i++) {
    u32 value = values[i];
    int j = i - 1;
    while (j >= 0 && values[j] > value) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = value;
  }
}

static u64 mix64(u64 x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x / 1000003u + x % 97u;
}

static double polynomial(double x) {
  return ((0.5 * x - 1.25) * x + 3.0) * x - 7.0 / (x + 1.5);
}

int main(void) {
  u32 seed = 12345;
  for (int i = 0; i < 64; i++) {
    seed = seed * 1103515245u + 12345u;
    table[i] = seed >> 7;
  }
  insertion_sort(table, 64);
  u32 checksum = crc32((const unsigned char *)table, sizeof table);
  u64 mixed = mix64(((u64)checksum << 32) | table[5]);
  int scaled = (int)(polynomial((double)(checksum & 0xff) / 16.0) * 1000.0);
  short narrow = (short)(mixed >> 17);
  signed char tiny = (signed char)scaled;
  return (int)((u32)mixed ^ checksum ^ (u32)scaled ^ (u32)narrow ^ (u32)tiny) & 0x7f;
}

void _start(void) __attribute__((noreturn));
void _start(void) {
  int status = main();
  __asm__ volatile("int $0x80" : : "a"(1), "b"(status));
  __builtin_unreachable();
}
