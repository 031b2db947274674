// CCRC32C — CRC-32C (Castagnoli), as used by the log store's record framing (Protocol/store.md).
// Hardware (SSE4.2 crc32 instruction) when the CPU has it, a table-driven fallback otherwise.
#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Continues a CRC-32C: pass 0 to start; the result of one call may be passed as `crc` of the next.
uint32_t CCRC32C_update(uint32_t crc, const void *data, size_t length);

/// 1 when the hardware path is in use (for the benchmark harness to report).
int CCRC32C_isHardware(void);

#endif
