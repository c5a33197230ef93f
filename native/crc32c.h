// CRC-32C (Castagnoli), as used by Kafka record batches v2.
#pragma once

#include <cstddef>
#include <cstdint>

namespace samsa {

// `crc` is a previous result (0 to start); returns the CRC of the concatenation.
uint32_t Crc32c(uint32_t crc, const uint8_t* data, size_t length);
// Always the portable slicing-by-8 path (for tests and benchmarks).
uint32_t Crc32cSoftware(uint32_t crc, const uint8_t* data, size_t length);
// Which implementation Crc32c() dispatches to: "sse4.2+pclmul", "sse4.2" or "software".
const char* Crc32cImplementation();

}  // namespace samsa
