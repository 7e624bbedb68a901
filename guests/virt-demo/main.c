// guests/virt-demo: a bare-metal program for QEMU's 32-bit ARM `virt` board (and l4vm's). It
// prints a banner on the PL011 UART, finds the virtio-blk disk among the virtio-mmio transports,
// reads its first sectors through a virtqueue and prints the text there, then answers commands
// typed on the serial port. No MMU, no caches, no interrupt handler: interrupts stay masked, the
// program sleeps in WFI and asks the GIC what woke it. See README.md.
//
// Facts from: ARM PL011 TRM (DDI0183), PL031 TRM (DDI0224), GICv2 architecture (IHI0048B),
// virtio 1.0 (section 4.2.4, the legacy MMIO interface; 2.4 split virtqueues; 5.2 block device),
// PSCI (DEN0022), and QEMU 7.2's hw/arm/virt.c memory map and interrupt numbers.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// ---- the board (hw/arm/virt.c base_memmap, a15irqmap) ----

#define GICD 0x08000000u
#define GICC 0x08010000u
#define UART 0x09000000u
#define RTC 0x09010000u
#define VIRTIO_MMIO 0x0a000000u
#define VIRTIO_MMIO_STRIDE 0x200u
#define VIRTIO_MMIO_COUNT 32u
/** GIC interrupt IDs: SPIs start at 32; the UART is SPI 1, transport n is SPI 16 + n. */
#define UART_INTERRUPT (32u + 1u)
#define VIRTIO_INTERRUPT(n) (32u + 16u + (n))

// ---- PL011 (DDI0183 3.2) ----

#define UARTDR 0x000u
#define UARTFR 0x018u
#define UARTIBRD 0x024u
#define UARTFBRD 0x028u
#define UARTLCR_H 0x02cu
#define UARTCR 0x030u
#define UARTIFLS 0x034u
#define UARTIMSC 0x038u
#define UARTICR 0x044u
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define LCR_H_FEN (1u << 4)
#define LCR_H_WLEN_8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define IMSC_RXIM (1u << 4)
#define IMSC_RTIM (1u << 6)

// ---- PL031 (DDI0224 3.2): RTCDR counts seconds ----

#define RTCDR 0x000u

// ---- GICv2 (IHI0048B 4.1) ----

#define GICD_CTLR 0x000u
#define GICD_ISENABLER 0x100u
#define GICD_IPRIORITYR 0x400u
#define GICD_ITARGETSR 0x800u
#define GICC_CTLR 0x000u
#define GICC_PMR 0x004u
#define GICC_IAR 0x00cu
#define GICC_EOIR 0x010u
#define SPURIOUS_INTERRUPT 1023u

// ---- virtio-mmio, legacy interface (virtio 1.0 4.2.4) ----

#define MMIO_MAGIC 0x000u
#define MMIO_VERSION 0x004u
#define MMIO_DEVICE_ID 0x008u
#define MMIO_VENDOR_ID 0x00cu
#define MMIO_HOST_FEATURES 0x010u
#define MMIO_HOST_FEATURES_SEL 0x014u
#define MMIO_GUEST_FEATURES 0x020u
#define MMIO_GUEST_FEATURES_SEL 0x024u
#define MMIO_GUEST_PAGE_SIZE 0x028u
#define MMIO_QUEUE_SEL 0x030u
#define MMIO_QUEUE_NUM_MAX 0x034u
#define MMIO_QUEUE_NUM 0x038u
#define MMIO_QUEUE_ALIGN 0x03cu
#define MMIO_QUEUE_PFN 0x040u
#define MMIO_QUEUE_NOTIFY 0x050u
#define MMIO_INTERRUPT_STATUS 0x060u
#define MMIO_INTERRUPT_ACK 0x064u
#define MMIO_STATUS 0x070u
#define MMIO_CONFIG 0x100u
#define MAGIC_VIRT 0x74726976u /* "virt" */
#define DEVICE_ID_BLOCK 2u
#define STATUS_ACKNOWLEDGE 1u
#define STATUS_DRIVER 2u
#define STATUS_DRIVER_OK 4u
#define STATUS_FAILED 0x80u

#define PAGE_SIZE 4096u
#define QUEUE_SIZE 8u
#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define BLK_T_IN 0u
#define BLK_S_OK 0u
#define SECTOR_SIZE 512u
/** Sectors read at start, whose text is printed. */
#define TEXT_SECTORS 4u

// ---- PSCI (DEN0022 5.1) ----

#define PSCI_SYSTEM_OFF 0x84000008u

extern uint32_t psci_call(uint32_t function);
extern void wait_for_interrupt(void);
extern void memory_barrier(void);

static inline uint32_t read32(uint32_t address) {
  return *(volatile uint32_t *)(uintptr_t)address;
}

static inline void write32(uint32_t address, uint32_t value) {
  *(volatile uint32_t *)(uintptr_t)address = value;
}

// ---- output ----

static void uart_init(void) {
  write32(UART + UARTCR, 0);
  // 115200 baud from the 24 MHz UARTCLK the device tree gives: 24e6 / (16 × 115200) = 13 + 1/64.
  write32(UART + UARTIBRD, 13);
  write32(UART + UARTFBRD, 1);
  // LCR_H last: it latches the divisors (DDI0183 3.3.7). 8N1, FIFOs on.
  write32(UART + UARTLCR_H, LCR_H_WLEN_8 | LCR_H_FEN);
  // Receive interrupt at 1/8 full (2 characters) and the receive timeout for a lone character.
  write32(UART + UARTIFLS, 0);
  write32(UART + UARTICR, 0x7ff);
  write32(UART + UARTIMSC, IMSC_RXIM | IMSC_RTIM);
  write32(UART + UARTCR, CR_UARTEN | CR_TXE | CR_RXE);
}

static void put_byte(char c) {
  while ((read32(UART + UARTFR) & FR_TXFF) != 0) continue;
  write32(UART + UARTDR, (uint8_t)c);
}

/** Text with "\n" sent as CR LF, as a serial terminal wants it. */
static void print(const char *text) {
  for (; *text != '\0'; text++) {
    if (*text == '\n') put_byte('\r');
    put_byte(*text);
  }
}

static void print_decimal(uint32_t value) {
  char digits[10];
  unsigned count = 0;
  do {
    digits[count++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) put_byte(digits[--count]);
}

/** `value` as `width` hex digits (lower case). */
static void print_hex(uint32_t value, unsigned width) {
  for (unsigned shift = width * 4; shift > 0; shift -= 4) put_byte("0123456789abcdef"[(value >> (shift - 4)) & 15]);
}

/** Two decimal digits with a leading zero. */
static void print_two(uint32_t value) {
  put_byte((char)('0' + value / 10 % 10));
  put_byte((char)('0' + value % 10));
}

// ---- the GIC: interrupts are masked in the CPU; WFI still wakes on them ----

static void gic_enable(uint32_t interrupt) {
  uint32_t shift = (interrupt % 4) * 8;
  uint32_t word = interrupt / 4 * 4;
  write32(GICD + GICD_IPRIORITYR + word, (read32(GICD + GICD_IPRIORITYR + word) & ~(0xffu << shift)) | (0xa0u << shift));
  write32(GICD + GICD_ITARGETSR + word, (read32(GICD + GICD_ITARGETSR + word) & ~(0xffu << shift)) | (0x01u << shift));
  write32(GICD + GICD_ISENABLER + interrupt / 32 * 4, 1u << (interrupt % 32));
}

static void gic_init(void) {
  write32(GICD + GICD_CTLR, 1);
  write32(GICC + GICC_PMR, 0xf0);
  write32(GICC + GICC_CTLR, 1);
  gic_enable(UART_INTERRUPT);
}

/**
 * Acknowledges and ends the interrupts the GIC signals; the devices are served by polling. A
 * level-sensitive interrupt whose device still asserts it is pending again after its EOI (GICv2
 * 3.2.4), so the loop is bounded: the caller serves the device and comes back.
 */
static void gic_acknowledge(void) {
  for (unsigned count = 0; count < 8; count++) {
    uint32_t iar = read32(GICC + GICC_IAR);
    if ((iar & 0x3ff) == SPURIOUS_INTERRUPT) return;
    write32(GICC + GICC_EOIR, iar);
  }
}

// ---- virtio-blk through a legacy virtio-mmio transport ----

struct virtq_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

struct virtq_avail {
  uint16_t flags;
  uint16_t idx;
  uint16_t ring[QUEUE_SIZE];
  uint16_t used_event;
};

struct virtq_used_elem {
  uint32_t id;
  uint32_t len;
};

struct virtq_used {
  uint16_t flags;
  uint16_t idx;
  struct virtq_used_elem ring[QUEUE_SIZE];
  uint16_t avail_event;
};

struct virtio_blk_req {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

/**
 * The legacy layout (virtio 1.0 2.4.2): descriptors, then the available ring, then — at the next
 * QueueAlign boundary (one page) — the used ring; the whole queue starts on a page, whose number
 * goes to QueuePFN.
 */
static uint8_t queue_memory[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct virtio_blk_req request;
static volatile uint8_t request_status;
static uint8_t sector_buffer[TEXT_SECTORS * SECTOR_SIZE] __attribute__((aligned(8)));

static uint32_t disk_base;
static uint32_t disk_transport;
static uint32_t disk_sectors;
static uint16_t used_seen;

#define DESCRIPTORS ((volatile struct virtq_desc *)queue_memory)
#define AVAIL ((volatile struct virtq_avail *)(queue_memory + QUEUE_SIZE * sizeof(struct virtq_desc)))
#define USED ((volatile struct virtq_used *)(queue_memory + PAGE_SIZE))

/** Finds the first virtio-blk device, scanning from the last transport down (QEMU's first disk is on the last). */
static bool disk_find(void) {
  for (uint32_t n = VIRTIO_MMIO_COUNT; n-- > 0;) {
    uint32_t base = VIRTIO_MMIO + n * VIRTIO_MMIO_STRIDE;
    if (read32(base + MMIO_MAGIC) != MAGIC_VIRT || read32(base + MMIO_DEVICE_ID) != DEVICE_ID_BLOCK) continue;
    uint32_t version = read32(base + MMIO_VERSION);
    uint32_t vendor = read32(base + MMIO_VENDOR_ID);
    print("virtio-mmio: transport ");
    print_decimal(n);
    print(" at 0x");
    print_hex(base, 8);
    print(": virtio-blk, version ");
    print_decimal(version);
    print(", vendor ");
    for (unsigned shift = 0; shift < 32; shift += 8) {
      char c = (char)(vendor >> shift);
      put_byte(c >= 0x20 && c < 0x7f ? c : '?');
    }
    print(", interrupt ");
    print_decimal(VIRTIO_INTERRUPT(n));
    print("\n");
    if (version != 1) {
      print("virtio-mmio: this program drives the legacy interface (version 1) only\n");
      continue;
    }
    disk_base = base;
    disk_transport = n;
    return true;
  }
  print("virtio-mmio: no virtio-blk device (give the machine a disk)\n");
  return false;
}

/** Legacy initialisation (virtio 1.0 4.2.4 and 3.1.1): no features, one queue of QUEUE_SIZE. */
static bool disk_init(void) {
  uint32_t base = disk_base;
  write32(base + MMIO_STATUS, 0);
  write32(base + MMIO_STATUS, STATUS_ACKNOWLEDGE);
  write32(base + MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
  write32(base + MMIO_HOST_FEATURES_SEL, 0);
  (void)read32(base + MMIO_HOST_FEATURES);
  write32(base + MMIO_GUEST_FEATURES_SEL, 0);
  write32(base + MMIO_GUEST_FEATURES, 0);
  write32(base + MMIO_GUEST_PAGE_SIZE, PAGE_SIZE);
  write32(base + MMIO_QUEUE_SEL, 0);
  uint32_t maximum = read32(base + MMIO_QUEUE_NUM_MAX);
  if (maximum < QUEUE_SIZE || read32(base + MMIO_QUEUE_PFN) != 0) {
    print("virtio-blk: queue 0 is not available\n");
    write32(base + MMIO_STATUS, STATUS_FAILED);
    return false;
  }
  write32(base + MMIO_QUEUE_NUM, QUEUE_SIZE);
  write32(base + MMIO_QUEUE_ALIGN, PAGE_SIZE);
  write32(base + MMIO_QUEUE_PFN, (uint32_t)(uintptr_t)queue_memory / PAGE_SIZE);
  write32(base + MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
  // The configuration space is the guest's byte order in the legacy interface: capacity, 64 bits.
  uint32_t low = read32(base + MMIO_CONFIG);
  uint32_t high = read32(base + MMIO_CONFIG + 4);
  disk_sectors = high != 0 ? 0xffffffffu : low;
  gic_enable(VIRTIO_INTERRUPT(disk_transport));
  print("virtio-blk: ");
  print_decimal(disk_sectors);
  print(" sectors (");
  print_decimal(disk_sectors / 2);
  print(" KiB), queue of ");
  print_decimal(QUEUE_SIZE);
  print(" at 0x");
  print_hex((uint32_t)(uintptr_t)queue_memory, 8);
  print("\n");
  return true;
}

/** Reads `count` sectors from `sector` into sector_buffer: three chained descriptors, one request. */
static bool disk_read(uint32_t sector, uint32_t count) {
  volatile struct virtq_desc *desc = DESCRIPTORS;
  request.type = BLK_T_IN;
  request.reserved = 0;
  request.sector = sector;
  request_status = 0xff;
  desc[0].addr = (uint32_t)(uintptr_t)&request;
  desc[0].len = sizeof request;
  desc[0].flags = DESC_F_NEXT;
  desc[0].next = 1;
  desc[1].addr = (uint32_t)(uintptr_t)sector_buffer;
  desc[1].len = count * SECTOR_SIZE;
  desc[1].flags = DESC_F_NEXT | DESC_F_WRITE;
  desc[1].next = 2;
  desc[2].addr = (uint32_t)(uintptr_t)&request_status;
  desc[2].len = 1;
  desc[2].flags = DESC_F_WRITE;
  desc[2].next = 0;
  volatile struct virtq_avail *avail = AVAIL;
  avail->ring[avail->idx % QUEUE_SIZE] = 0;
  memory_barrier();
  avail->idx = (uint16_t)(avail->idx + 1);
  memory_barrier();
  write32(disk_base + MMIO_QUEUE_NOTIFY, 0);
  // Sleep until the used ring moves. The transport's interrupt stays raised until acknowledged,
  // so one that came before the WFI still wakes it; the device may also have finished before the
  // first look, so the interrupt is acknowledged after the loop too.
  while (USED->idx == used_seen) wait_for_interrupt();
  write32(disk_base + MMIO_INTERRUPT_ACK, read32(disk_base + MMIO_INTERRUPT_STATUS));
  gic_acknowledge();
  used_seen = (uint16_t)(used_seen + 1);
  memory_barrier();
  if (request_status != BLK_S_OK) {
    print("virtio-blk: reading sector ");
    print_decimal(sector);
    print(" failed with status ");
    print_decimal(request_status);
    print("\n");
    return false;
  }
  return true;
}

// ---- time ----

static uint32_t boot_seconds;

/** Seconds since 1970 as a UTC date and time (days to civil date: H. Hinnant's algorithm). */
static void print_date(uint32_t seconds) {
  uint32_t days = seconds / 86400;
  uint32_t rest = seconds % 86400;
  // Days since 0000-03-01 in eras of 400 years (146097 days).
  uint32_t z = days + 719468;
  uint32_t era = z / 146097;
  uint32_t day_of_era = z - era * 146097;
  uint32_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  uint32_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  uint32_t month_part = (5 * day_of_year + 2) / 153;
  uint32_t day = day_of_year - (153 * month_part + 2) / 5 + 1;
  uint32_t month = month_part < 10 ? month_part + 3 : month_part - 9;
  uint32_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  print_decimal(year);
  put_byte('-');
  print_two(month);
  put_byte('-');
  print_two(day);
  put_byte(' ');
  print_two(rest / 3600);
  put_byte(':');
  print_two(rest / 60 % 60);
  put_byte(':');
  print_two(rest % 60);
  print(" UTC");
}

// ---- commands ----

#define LINE_MAX 64

static bool same_word(const char *word, size_t length, const char *name) {
  size_t i = 0;
  for (; i < length; i++) {
    if (name[i] != word[i]) return false;
  }
  return name[i] == '\0';
}

static bool same_row(uint32_t offset) {
  for (uint32_t i = 0; i < 16; i++) {
    if (sector_buffer[offset + i] != sector_buffer[offset - 16 + i]) return false;
  }
  return true;
}

/** Rows of 16 bytes as `hexdump -C` prints them: a run of rows like the one before is one `*`. */
static void print_sector(uint32_t sector) {
  bool skipping = false;
  for (uint32_t offset = 0; offset < SECTOR_SIZE; offset += 16) {
    if (offset != 0 && offset != SECTOR_SIZE - 16 && same_row(offset)) {
      if (!skipping) print("*\n");
      skipping = true;
      continue;
    }
    skipping = false;
    print_hex(sector * SECTOR_SIZE + offset, 6);
    print(" ");
    for (uint32_t i = 0; i < 16; i++) {
      put_byte(' ');
      print_hex(sector_buffer[offset + i], 2);
    }
    print("  |");
    for (uint32_t i = 0; i < 16; i++) {
      uint8_t c = sector_buffer[offset + i];
      put_byte(c >= 0x20 && c < 0x7f ? (char)c : '.');
    }
    print("|\n");
  }
}

static void command_disk(const char *argument, size_t length) {
  if (disk_base == 0) {
    print("disk: there is no disk\n");
    return;
  }
  uint32_t sector = 0;
  if (length == 0 || length > 9) {
    print("disk: give a sector number, as in disk 1\n");
    return;
  }
  for (size_t i = 0; i < length; i++) {
    if (argument[i] < '0' || argument[i] > '9') {
      print("disk: give a sector number, as in disk 1\n");
      return;
    }
    sector = sector * 10 + (uint32_t)(argument[i] - '0');
  }
  if (sector >= disk_sectors) {
    print("disk: the disk has ");
    print_decimal(disk_sectors);
    print(" sectors, 0 to ");
    print_decimal(disk_sectors - 1);
    print("\n");
    return;
  }
  if (disk_read(sector, 1)) print_sector(sector);
}

static void command_uptime(void) {
  uint32_t now = read32(RTC + RTCDR);
  uint32_t up = now - boot_seconds;
  print("up ");
  print_decimal(up / 3600);
  put_byte(':');
  print_two(up / 60 % 60);
  put_byte(':');
  print_two(up % 60);
  print(", PL031 RTC ");
  print_date(now);
  print("\n");
}

static void run_command(const char *line, size_t length) {
  size_t start = 0;
  while (start < length && line[start] == ' ') start++;
  size_t end = start;
  while (end < length && line[end] != ' ') end++;
  size_t argument = end;
  while (argument < length && line[argument] == ' ') argument++;
  size_t argument_end = length;
  while (argument_end > argument && line[argument_end - 1] == ' ') argument_end--;
  const char *word = line + start;
  size_t word_length = end - start;
  if (word_length == 0) return;
  if (same_word(word, word_length, "help")) {
    print("help      this list\n");
    print("disk N    sector N of the disk, in hex and ASCII\n");
    print("uptime    time since start, and the RTC's date\n");
    print("poweroff  power the machine off (PSCI SYSTEM_OFF)\n");
  } else if (same_word(word, word_length, "disk")) {
    command_disk(line + argument, argument_end - argument);
  } else if (same_word(word, word_length, "uptime")) {
    command_uptime();
  } else if (same_word(word, word_length, "poweroff")) {
    print("powering off\n");
    psci_call(PSCI_SYSTEM_OFF);
    print("poweroff: PSCI SYSTEM_OFF returned\n");
  } else {
    print("unknown command: ");
    for (size_t i = 0; i < word_length; i++) put_byte(word[i]);
    print(" (type help)\n");
  }
}

static void prompt(void) {
  print("virt-demo> ");
}

/** The interactive loop: echo, a line editor (Backspace, Ctrl-C; escape sequences ignored), commands at Enter. */
static void serve_console(void) {
  char line[LINE_MAX];
  size_t length = 0;
  bool after_cr = false;
  unsigned escape = 0; /* 0: none; 1: after ESC; 2: inside a CSI or SS3 sequence */
  prompt();
  for (;;) {
    if ((read32(UART + UARTFR) & FR_RXFE) != 0) {
      gic_acknowledge();
      if ((read32(UART + UARTFR) & FR_RXFE) != 0) wait_for_interrupt();
      continue;
    }
    char c = (char)(read32(UART + UARTDR) & 0xff);
    bool was_cr = after_cr;
    after_cr = c == '\r';
    if (escape == 1) {
      escape = c == '[' || c == 'O' ? 2 : 0;
      continue;
    }
    if (escape == 2) {
      if (c >= 0x40 && c <= 0x7e) escape = 0;
      continue;
    }
    if (c == 0x1b) {
      escape = 1;
    } else if (c == '\r' || c == '\n') {
      if (c == '\n' && was_cr) continue;
      print("\n");
      run_command(line, length);
      length = 0;
      prompt();
    } else if (c == 0x7f || c == '\b') {
      if (length > 0) {
        length--;
        print("\b \b");
      }
    } else if (c == 0x03) {
      print("^C\n");
      length = 0;
      prompt();
    } else if (c >= 0x20 && c < 0x7f && length < LINE_MAX) {
      line[length++] = c;
      put_byte(c);
    }
  }
}

static void print_disk_text(uint32_t sectors) {
  for (uint32_t i = 0; i < sectors * SECTOR_SIZE && sector_buffer[i] != 0; i++) {
    char c = (char)sector_buffer[i];
    if (c == '\n') print("\n");
    else put_byte(c >= 0x20 && c < 0x7f ? c : '.');
  }
}

void unexpected_exception(uint32_t number, uint32_t link);

void unexpected_exception(uint32_t number, uint32_t link) {
  static const char *const names[] = {"reset", "undefined instruction", "supervisor call", "prefetch abort", "data abort", "", "IRQ", "FIQ"};
  print("\nvirt-demo: unexpected ");
  print(names[number & 7]);
  print(" exception, return link 0x");
  print_hex(link, 8);
  print("; stopped\n");
  for (;;) wait_for_interrupt();
}

int main(void);

int main(void) {
  uart_init();
  gic_init();
  boot_seconds = read32(RTC + RTCDR);
  print("\nl4vm virt-demo: a bare-metal program for the ARM virt board\n");
  print("PL011 UART at 0x09000000, PL031 RTC at 0x09010000, GICv2 at 0x08000000\n");
  if (disk_find() && disk_init()) {
    uint32_t sectors = disk_sectors < TEXT_SECTORS ? disk_sectors : TEXT_SECTORS;
    if (sectors > 0 && disk_read(0, sectors)) {
      print("disk sectors 0-");
      print_decimal(sectors - 1);
      print(":\n");
      print_disk_text(sectors);
    }
  }
  print("Type help and Enter.\n");
  serve_console();
  return 0;
}
