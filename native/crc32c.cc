// CRC-32C with runtime CPU dispatch: the hardware paths are compiled with per-function target
// attributes so the binary still runs (on the software path) on CPUs without SSE4.2.
#include "crc32c.h"

#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#include <wmmintrin.h>
#endif

namespace samsa {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

struct Tables {
  uint32_t t[8][256];
  Tables() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
      for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

// Register (non-inverted) update, slicing-by-8.
uint32_t SoftwareUpdate(uint32_t c, const uint8_t* p, size_t n) {
  const Tables& T = GetTables();
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = (c >> 8) ^ T.t[0][(c ^ *p++) & 0xFF];
    n--;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);  // little-endian host (x86-64 / aarch64)
    w ^= c;
    c = T.t[7][w & 0xFF] ^ T.t[6][(w >> 8) & 0xFF] ^ T.t[5][(w >> 16) & 0xFF] ^
        T.t[4][(w >> 24) & 0xFF] ^ T.t[3][(w >> 32) & 0xFF] ^ T.t[2][(w >> 40) & 0xFF] ^
        T.t[1][(w >> 48) & 0xFF] ^ T.t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ T.t[0][(c ^ *p++) & 0xFF];
  return c;
}

#if defined(__x86_64__)

// x^(8*len - 33) mod P in the reflected representation: multiplying a register by it with a
// carry-less multiply and reducing the 64-bit product with the crc32 instruction shifts the
// register over `len` zero bytes (the product gains one x from the bit order, the crc32
// instruction another x^32).
uint32_t ShiftConstant(size_t len) {
  uint32_t v = 0x80000000u;  // the polynomial 1
  for (size_t i = 0; i < 8 * len - 33; i++) v = (v >> 1) ^ ((v & 1) ? kPoly : 0);
  return v;
}

constexpr size_t kLongLane = 8192;
constexpr size_t kShortLane = 256;

struct ShiftConstants {
  uint32_t long_lane = ShiftConstant(kLongLane);
  uint32_t short_lane = ShiftConstant(kShortLane);
};

const ShiftConstants& GetShiftConstants() {
  static const ShiftConstants constants;
  return constants;
}

__attribute__((target("sse4.2"))) uint32_t HardwareUpdate(uint32_t c, const uint8_t* p, size_t n) {
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(c, *p++);
    n--;
  }
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c64 = _mm_crc32_u64(c64, w);
    p += 8;
    n -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (n-- > 0) c = _mm_crc32_u8(c, *p++);
  return c;
}

__attribute__((target("sse4.2,pclmul"))) inline uint32_t Shift(uint32_t c, uint32_t k) {
  __m128i product = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(c)),
                                         _mm_cvtsi32_si128(static_cast<int>(k)), 0);
  return static_cast<uint32_t>(_mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(product))));
}

// Three independent crc32 chains hide the instruction's 3-cycle latency; the lanes are then
// joined by shifting the earlier ones over the later ones' length.
__attribute__((target("sse4.2,pclmul"))) inline uint32_t ThreeLanes(uint32_t c, const uint8_t*& p,
                                                                     size_t& n, size_t lane,
                                                                     uint32_t k) {
  while (n >= 3 * lane) {
    uint64_t c0 = c, c1 = 0, c2 = 0;
    const uint8_t* end = p + lane;
    while (p < end) {
      uint64_t w0, w1, w2;
      memcpy(&w0, p, 8);
      memcpy(&w1, p + lane, 8);
      memcpy(&w2, p + 2 * lane, 8);
      c0 = _mm_crc32_u64(c0, w0);
      c1 = _mm_crc32_u64(c1, w1);
      c2 = _mm_crc32_u64(c2, w2);
      p += 8;
    }
    uint32_t joined = Shift(static_cast<uint32_t>(c0), k) ^ static_cast<uint32_t>(c1);
    c = Shift(joined, k) ^ static_cast<uint32_t>(c2);
    p += 2 * lane;
    n -= 3 * lane;
  }
  return c;
}

__attribute__((target("sse4.2,pclmul"))) uint32_t InterleavedUpdate(uint32_t c, const uint8_t* p,
                                                                     size_t n) {
  const ShiftConstants& k = GetShiftConstants();
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(c, *p++);
    n--;
  }
  c = ThreeLanes(c, p, n, kLongLane, k.long_lane);
  c = ThreeLanes(c, p, n, kShortLane, k.short_lane);
  return HardwareUpdate(c, p, n);
}

#endif

enum class Impl { kSoftware, kSse42, kSse42Pclmul };

Impl Detect() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool sse42 = __builtin_cpu_supports("sse4.2");
  bool pclmul = __builtin_cpu_supports("pclmul");
  if (sse42 && pclmul) {
    GetShiftConstants();
    return Impl::kSse42Pclmul;
  }
  if (sse42) return Impl::kSse42;
#endif
  return Impl::kSoftware;
}

Impl GetImpl() {
  static const Impl impl = Detect();
  return impl;
}

}  // namespace

uint32_t Crc32c(uint32_t crc, const uint8_t* data, size_t length) {
  uint32_t c = ~crc;
  switch (GetImpl()) {
#if defined(__x86_64__)
    case Impl::kSse42Pclmul:
      c = InterleavedUpdate(c, data, length);
      break;
    case Impl::kSse42:
      c = HardwareUpdate(c, data, length);
      break;
#endif
    default:
      c = SoftwareUpdate(c, data, length);
  }
  return ~c;
}

uint32_t Crc32cSoftware(uint32_t crc, const uint8_t* data, size_t length) {
  return ~SoftwareUpdate(~crc, data, length);
}

const char* Crc32cImplementation() {
  switch (GetImpl()) {
    case Impl::kSse42Pclmul:
      return "sse4.2+pclmul";
    case Impl::kSse42:
      return "sse4.2";
    default:
      return "software";
  }
}

}  // namespace samsa
