/* libFuzzer target: a scenario file, parsed and checked (every step's arguments included) without running it. */
#include <stdint.h>
#include <stdlib.h>

#include "clearance/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cl_scenario sc;
    struct cl_error e = {0};
    if (cl_scenario_parse((const char *)data, size, "fuzz", &sc, &e) == CL_OK) {
        /* a scenario that parses has a named action and a date on every step */
        for (size_t i = 0; i < sc.n_steps; i++) {
            if (!cl_app_action_id(sc.steps[i].req.action) || sc.steps[i].date == CL_DATE_NONE) abort();
        }
        cl_scenario_release(&sc);
    }
    return 0;
}
