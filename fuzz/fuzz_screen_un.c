/* libFuzzer target: the UN consolidated XML reader, then the index and a screen over whatever was read. */
#include "fuzz_screen_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the last byte's low bit asks for bad rows to be skipped rather than refused */
    return fuzz_screen_file("UN_consolidated.xml", data, size, size > 0 && (data[size - 1] & 1));
}
