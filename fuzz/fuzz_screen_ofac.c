/* libFuzzer target: the OFAC CSV reader (primary, alias, address and comment files), then the index and a screen
 * over whatever was read. */
#include "fuzz_screen_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte picks the file the bytes pretend to be */
    static const char *const names[] = {"sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv", "cons_prim.csv"};
    if (size < 1) return 0;
    return fuzz_screen_file(names[data[0] % 5], data + 1, size - 1, (data[0] & 0x80) != 0);
}
