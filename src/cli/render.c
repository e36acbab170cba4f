/* Small helpers to read values out of JSON responses while rendering them for people. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

const char *jnum(const json_t *v, char buf[32])
{
    if (json_is_integer(v)) snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) {
        snprintf(buf, 32, "%.3f", json_real_value(v));
        char *dot = strchr(buf, '.');
        if (dot) {
            char *end = buf + strlen(buf) - 1;
            while (end > dot && *end == '0') *end-- = '\0';
            if (end == dot) *end = '\0';
        }
    } else if (json_is_string(v)) snprintf(buf, 32, "%s", json_string_value(v));
    else snprintf(buf, 32, "?");
    return buf;
}

const char *jnumk(const json_t *o, const char *key, char buf[32])
{
    return jnum(json_object_get(o, key), buf);
}

bool jbool(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}
