/* Every cap clearance enforces on input, in one place. Growable buffers fail with CL_ERR_LIMIT past these. */
#ifndef CLEARANCE_LIMITS_H
#define CLEARANCE_LIMITS_H

/* Largest data file (chip catalog, rule file, country groups) read into memory at once. */
#define CL_LIMIT_DATA_FILE_BYTES (8u * 1024u * 1024u)
/* Largest restricted-party list file imported (the full OFAC alt.csv is about 2 MB; the full CSL about 100 MB). */
#define CL_LIMIT_LIST_FILE_BYTES (512u * 1024u * 1024u)
/* Deepest JSON nesting accepted from outside input (rule files, HTTP bodies, scenarios). */
#define CL_LIMIT_JSON_DEPTH 32
/* Largest HTTP request body. */
#define CL_LIMIT_BODY_BYTES (1u * 1024u * 1024u)
/* Rules in one rule set, and files in one rules folder. */
#define CL_LIMIT_RULES 4096
#define CL_LIMIT_RULE_FILES 256
/* Chips in one catalog, precisions per chip. */
#define CL_LIMIT_CHIPS 4096
#define CL_LIMIT_PRECISIONS 16
/* Countries per group, groups per file, entries in one criteria list. */
#define CL_LIMIT_GROUP_MEMBERS 256
#define CL_LIMIT_GROUPS 128
#define CL_LIMIT_CRITERIA_ITEMS 256
/* Alternatives in one criteria any_of; any_of may not nest (no recursion on input depth). */
#define CL_LIMIT_ANY_OF 16
/* Conditions and charges per rule outcome. */
#define CL_LIMIT_CONDITIONS 32
#define CL_LIMIT_CHARGES 8
/* Length of identifiers (rule ids, chip names, party names) and free text fields, in bytes. */
#define CL_LIMIT_ID_BYTES 128
#define CL_LIMIT_NAME_BYTES 512
#define CL_LIMIT_TEXT_BYTES 4096
/* Names per screening query on the command line or in one HTTP request. */
#define CL_LIMIT_NAMES_PER_QUERY 1000
/* Rows in one screening batch file. */
#define CL_LIMIT_BATCH_ROWS 10000000
/* Entries across all loaded restricted-party lists (names plus aliases). */
#define CL_LIMIT_LIST_ENTRIES 5000000
/* List files in one import. */
#define CL_LIMIT_LIST_FILES 64
/* Bytes of one record of a list file (a CSV row, an XML element's text), and XML nesting depth. */
#define CL_LIMIT_LIST_RECORD_BYTES (1u * 1024u * 1024u)
#define CL_LIMIT_XML_DEPTH 32
/* Names (primary, aliases, original script) of one listed party. */
#define CL_LIMIT_ENTRY_NAMES 4096
/* Tokens of one normalised name; tokens past this are dropped (no listed name comes near). */
#define CL_LIMIT_SCREEN_TOKENS 32
/* Matches kept in a stored screening result (more means the subject is re-screened in full on import). */
#define CL_LIMIT_SCREEN_MATCHES 200
/* Steps in one scenario file. */
#define CL_LIMIT_SCENARIO_STEPS 100000
/* Bytes one arena may hand out before failing with CL_ERR_LIMIT. */
#define CL_LIMIT_ARENA_BYTES (256u * 1024u * 1024u)

#endif
