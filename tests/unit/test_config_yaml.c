/*
 * test_config_yaml.c: the CLI's YAML configuration → JSON (config_yaml.c):
 * each scalar rule of the core schema and each tag, every error with its
 * exact message, the collector connector's block of
 * docs/examples/collector.yaml against a hand-written tree (and accepted by
 * the core), block and flow styles, comments, CRLF line ends, UTF-8 text,
 * and the YAML-or-JSON guess. JSON is compared as cJSON trees
 * (cJSON_Compare), and as text only where the exact digits matter.
 *
 * Usage: test_config_yaml REPO_ROOT
 */
#include <cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "../../cli/config_yaml.h"
#include "ptm.h"

/* Translates text (size bytes); the JSON (caller frees) or NULL with the
 * message in error. */
static char *translate_bytes(const char *text, size_t size, char *error, size_t error_size)
{
    char *json = NULL;
    size_t json_size = 0;
    if (config_yaml_to_json((const uint8_t *)text, size, &json, &json_size, error, error_size) != PTM_OK)
        return NULL;
    if (json_size != strlen(json)) {
        free(json);
        snprintf(error, error_size, "json_size %zu is not the text's length", json_size);
        return NULL;
    }
    return json;
}

static char *translate(const char *yaml, char *error, size_t error_size)
{
    return translate_bytes(yaml, strlen(yaml), error, error_size);
}

/* Whether the JSON texts hold equal trees. */
static bool same_json(const char *actual, const char *expected)
{
    cJSON *a = cJSON_Parse(actual), *b = cJSON_Parse(expected);
    bool same = a != NULL && b != NULL && cJSON_Compare(a, b, true);
    if (!same)
        fprintf(stderr, "  got      %s\n  expected %s\n", actual, expected);
    cJSON_Delete(a);
    cJSON_Delete(b);
    return same;
}

/* yaml (size bytes) translates to a tree equal to expected_json. */
static void expect_bytes(const char *name, const char *yaml, size_t size, const char *expected_json)
{
    char error[256] = "";
    char *json = translate_bytes(yaml, size, error, sizeof error);
    if (json == NULL)
        fprintf(stderr, "  error: %s\n", error);
    CHECK(json != NULL && same_json(json, expected_json), name);
    free(json);
}

static void expect(const char *name, const char *yaml, const char *expected_json)
{
    expect_bytes(name, yaml, strlen(yaml), expected_json);
}

/* yaml translates to exactly the JSON text expected (the digits matter). */
static void expect_text(const char *name, const char *yaml, const char *expected)
{
    char error[256] = "";
    char *json = translate(yaml, error, sizeof error);
    bool same = json != NULL && strcmp(json, expected) == 0;
    if (!same)
        fprintf(stderr, "  got %s (%s), expected %s\n", json != NULL ? json : "NULL", error, expected);
    CHECK(same, name);
    free(json);
}

/* yaml (size bytes) fails with exactly message. */
static void expect_error_bytes(const char *name, const char *yaml, size_t size, const char *message)
{
    char error[256] = "unchanged";
    char *json = translate_bytes(yaml, size, error, sizeof error);
    bool same = json == NULL && strcmp(error, message) == 0;
    if (!same)
        fprintf(stderr, "  got \"%s\" (%s)\n  expected \"%s\"\n", error, json != NULL ? json : "no JSON", message);
    CHECK(same, name);
    free(json);
}

static void expect_error(const char *name, const char *yaml, const char *message)
{
    expect_error_bytes(name, yaml, strlen(yaml), message);
}

static void test_scalars(void)
{
    expect("null spellings", "a: null\nb: Null\nc: NULL\nd: ~\ne:\n",
           "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":null}");
    expect("boolean spellings", "a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\n",
           "{\"a\":true,\"b\":true,\"c\":true,\"d\":false,\"e\":false,\"f\":false}");
    expect("YAML 1.1 booleans and odd cases are strings", "a: yes\nb: no\nc: on\nd: off\ne: tRUE\nf: nULL\n",
           "{\"a\":\"yes\",\"b\":\"no\",\"c\":\"on\",\"d\":\"off\",\"e\":\"tRUE\",\"f\":\"nULL\"}");
    expect_text("integers, exactly",
                "a: 1\nb: -2\nc: +3\nd: 007\ne: 0x1F\nf: 0o17\ng: 0xffFF\nh: 0\ni: -0\n",
                "{\"a\":1,\"b\":-2,\"c\":3,\"d\":7,\"e\":31,\"f\":15,\"g\":65535,\"h\":0,\"i\":0}");
    expect_text("int64 limits, exactly",
                "max: 9223372036854775807\nmin: -9223372036854775808\nhex: 0x7fffffffffffffff\n"
                "octal: 0o777777777777777777777\n",
                "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"hex\":9223372036854775807,"
                "\"octal\":9223372036854775807}");
    expect_text("floats, with the fewest digits that read back",
                "a: 1.5\nb: -0.25\nc: .5\nd: 1.\ne: 1e3\nf: 6.02E+23\ng: 0.1\nh: 2.5e-3\ni: +1.0\n"
                "j: 0.30000000000000004\n",
                "{\"a\":1.5,\"b\":-0.25,\"c\":0.5,\"d\":1,\"e\":1000,\"f\":6.02e+23,\"g\":0.1,\"h\":0.0025,"
                "\"i\":1,\"j\":0.30000000000000004}");
    expect("not numbers of the core schema are strings",
           "a: 0x\nb: 0o8\nc: 1_000\nd: 0b101\ne: 1.2.3\nf: 1e\ng: +.nan\nh: 12:30\ni: -0x1\nj: 1e+\nk: .\n",
           "{\"a\":\"0x\",\"b\":\"0o8\",\"c\":\"1_000\",\"d\":\"0b101\",\"e\":\"1.2.3\",\"f\":\"1e\","
           "\"g\":\"+.nan\",\"h\":\"12:30\",\"i\":\"-0x1\",\"j\":\"1e+\",\"k\":\".\"}");
    expect("quoted scalars are strings",
           "a: '1'\nb: \"true\"\nc: \"null\"\nd: ''\ne: \"~\"\nf: '0x10'\ng: \"it's\"\nh: 'say \"hi\"'\n",
           "{\"a\":\"1\",\"b\":\"true\",\"c\":\"null\",\"d\":\"\",\"e\":\"~\",\"f\":\"0x10\","
           "\"g\":\"it's\",\"h\":\"say \\\"hi\\\"\"}");
    expect("block scalars are strings",
           "a: |\n  line 1\n  42\nb: >\n  folded\n  text\nc: |-\n  123\nd: >-\n  true\n",
           "{\"a\":\"line 1\\n42\\n\",\"b\":\"folded text\\n\",\"c\":\"123\",\"d\":\"true\"}");
    expect("plain strings, multi-line folded",
           "a: hello world\nb: some\n  continued text\nc: http://x:8080/y\n",
           "{\"a\":\"hello world\",\"b\":\"some continued text\",\"c\":\"http://x:8080/y\"}");
    expect("double-quoted escapes", "a: \"tab\\there\\nnewline \\u00e9\"\n",
           "{\"a\":\"tab\\there\\nnewline \xc3\xa9\"}");
    expect("keys are their text", "1: a\nnull: b\ntrue: c\n\"q\": d\n'': e\n",
           "{\"1\":\"a\",\"null\":\"b\",\"true\":\"c\",\"q\":\"d\",\"\":\"e\"}");
}

static void test_tags(void)
{
    expect_text("core tags honoured",
                "a: !!str 1\nb: !!str true\nc: !!int \"42\"\nd: !!float 1\ne: !!float \"2.5\"\n"
                "f: !!bool \"true\"\ng: !!null \"\"\nh: !!null ~\ni: !!int 0x10\nj: !!str\nk: !!str null\n"
                "l: !<tag:yaml.org,2002:int> 5\n",
                "{\"a\":\"1\",\"b\":\"true\",\"c\":42,\"d\":1,\"e\":2.5,\"f\":true,\"g\":null,\"h\":null,"
                "\"i\":16,\"j\":\"\",\"k\":\"null\",\"l\":5}");
    expect_error("!!int refuses text", "a: 1\nb: !!int abc\n", "config line 2: \"abc\" is not a valid !!int");
    expect_error("!!int refuses a float", "b: !!int 1.5\n", "config line 1: \"1.5\" is not a valid !!int");
    expect_error("!!float refuses hex", "b: !!float 0x1\n", "config line 1: \"0x1\" is not a valid !!float");
    expect_error("!!bool refuses yes", "b: !!bool yes\n", "config line 1: \"yes\" is not a valid !!bool");
    expect_error("!!null refuses text", "b: !!null x\n", "config line 1: \"x\" is not a valid !!null");
    expect_error("!!int out of range", "b: !!int 99999999999999999999\n",
                 "config line 1: integer \"99999999999999999999\" is out of range (int64)");
    expect_error("!!float infinity", "b: !!float .inf\n",
                 "config line 1: \".inf\" is not a finite number (JSON has no infinity or NaN)");
    expect_error("!!map is not supported", "a:\n  b: !!map {}\n", "config line 2: unsupported tag \"!!map\"");
    expect_error("!!seq is not supported", "a: !!seq [1]\n", "config line 1: unsupported tag \"!!seq\"");
    expect_error("!!binary is not supported", "a: !!binary aGk=\n", "config line 1: unsupported tag \"!!binary\"");
    expect_error("a local tag is not supported", "a: !foo x\n", "config line 1: unsupported tag \"!foo\"");
    expect_error("the non-specific tag is not supported", "a: ! x\n", "config line 1: unsupported tag \"!\"");
    expect_error("a tag on the root", "--- !!map\na: 1\n", "config line 1: unsupported tag \"!!map\"");
    expect_error("a tag on a key", "!!binary aGk=: 1\n", "config line 1: unsupported tag \"!!binary\"");
    expect_error("a long value is cut in the message",
                 "a: !!int abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\n",
                 "config line 1: \"abcdefghijklmnopqrstuvwxyzabcdefghijklmn...\" is not a valid !!int");
    expect_error("a multi-line value stops at its line end", "a: !!int |\n  12\n  34\n",
                 "config line 1: \"12...\" is not a valid !!int");
}

static void test_number_errors(void)
{
    expect_error(".inf", "a: 1\nb: .inf\n",
                 "config line 2: \".inf\" is not a finite number (JSON has no infinity or NaN)");
    expect_error("-.Inf", "b: -.Inf\n",
                 "config line 1: \"-.Inf\" is not a finite number (JSON has no infinity or NaN)");
    expect_error("+.INF", "b: +.INF\n",
                 "config line 1: \"+.INF\" is not a finite number (JSON has no infinity or NaN)");
    expect_error(".nan", "b: [1, .nan]\n",
                 "config line 1: \".nan\" is not a finite number (JSON has no infinity or NaN)");
    expect_error(".NaN", "b: .NaN\n",
                 "config line 1: \".NaN\" is not a finite number (JSON has no infinity or NaN)");
    expect_error("past the double range", "b: 1e400\n",
                 "config line 1: \"1e400\" is not a finite number (JSON has no infinity or NaN)");
    expect_error("past int64", "a:\n  b:\n    c: 9223372036854775808\n",
                 "config line 3: integer \"9223372036854775808\" is out of range (int64)");
    expect_error("below int64", "c: -9223372036854775809\n",
                 "config line 1: integer \"-9223372036854775809\" is out of range (int64)");
    expect_error("hex past int64", "c: 0x8000000000000000\n",
                 "config line 1: integer \"0x8000000000000000\" is out of range (int64)");
    expect_text("a quoted infinity is a string", "a: \".inf\"\n", "{\"a\":\".inf\"}");
    expect_text("underflow is zero", "a: 1e-400\n", "{\"a\":0}");
}

static void test_structure(void)
{
    expect("empty input", "", "{}");
    expect("white space only", "  \n\n", "{}");
    expect("only comments", "# a comment\n  # another\n", "{}");
    expect("a bare document start", "---\n", "{}");
    expect("an empty explicit document", "--- # nothing\n...\n", "{}");
    expect("an empty flow mapping", "{}", "{}");
    expect("directives", "%YAML 1.2\n---\na: 1\n...\n", "{\"a\":1}");
    expect_error("a second document", "a: 1\n---\nb: 2\n",
                 "config line 2: a second YAML document; the configuration must be one document");
    expect_error("a second, empty document", "a: 1\n...\n---\n",
                 "config line 3: a second YAML document; the configuration must be one document");
    expect_error("a bare second document after ... (libyaml wants ---)", "a: 1\n...\nb: 2\n",
                 "config line 3, column 1: did not find expected <document start>");
    expect_error("a scalar root", "# comment\n\nhello\n",
                 "config line 3: the configuration must be a mapping, not a scalar");
    expect_error("a null root", "~\n", "config line 1: the configuration must be a mapping, not a scalar");
    expect_error("a quoted empty root", "''\n", "config line 1: the configuration must be a mapping, not a scalar");
    expect_error("a sequence root", "- a\n- b\n",
                 "config line 1: the configuration must be a mapping, not a sequence");
    expect_error("a flow sequence root", "\n[1, 2]\n",
                 "config line 2: the configuration must be a mapping, not a sequence");
    expect_error("a sequence key", "? [a, b]\n: c\n",
                 "config line 1: a mapping key must be a scalar, not a sequence");
    expect_error("a mapping key", "x: 1\n? {a: 1}\n: c\n",
                 "config line 2: a mapping key must be a scalar, not a mapping");
    expect_error("a duplicate key", "a: 1\nb: 2\na: 3\n", "config line 3: duplicate key \"a\"");
    expect_error("a nested duplicate key", "process_filter:\n  enabled: true\n  patterns: []\n\n  enabled: false\n",
                 "config line 5: duplicate key \"enabled\"");
    expect_error("a flow duplicate key", "x: {filters: 1,\n  filters: 2}\n",
                 "config line 2: duplicate key \"filters\"");
    expect_error("a duplicate quoted key", "\"a b\": 1\n'a b': 2\n", "config line 2: duplicate key \"a b\"");
    expect_error("a duplicate dropped key", "engine: wasm\nengine: native\n",
                 "config line 2: duplicate key \"engine\"");
    expect("the same key in two mappings", "a: {k: 1}\nb: {k: 2}\n", "{\"a\":{\"k\":1},\"b\":{\"k\":2}}");
    /* Many keys: the duplicate check's set grows. */
    char many[8192] = "";
    for (int i = 0; i < 300; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "k%d: %d\n", i, i);
    char *json = translate(many, (char[64]){0}, 64);
    cJSON *tree = json != NULL ? cJSON_Parse(json) : NULL;
    CHECK(tree != NULL && cJSON_GetArraySize(tree) == 300 &&
              cJSON_GetObjectItemCaseSensitive(tree, "k299")->valuedouble == 299,
          "300 keys");
    cJSON_Delete(tree);
    free(json);
    snprintf(many + strlen(many), sizeof many - strlen(many), "k150: again\n");
    expect_error("a duplicate among 300 keys", many, "config line 301: duplicate key \"k150\"");
    expect("sequences, block and flow", "a:\n  - 1\n  - x\n  -\n  - [true, {b: c}]\nb: []\n",
           "{\"a\":[1,\"x\",null,[true,{\"b\":\"c\"}]],\"b\":[]}");
    expect("sequences of mappings", "rules:\n  - metric_name: a\n    functions: [f]\n  - metric_name: b\n",
           "{\"rules\":[{\"metric_name\":\"a\",\"functions\":[\"f\"]},{\"metric_name\":\"b\"}]}");
    expect("engine, module_path and flush_interval dropped at the root only",
           "engine: wasm\nmodule_path: /x/ptm.wasm\nflush_interval: 15s\ntemporality: delta\n"
           "metrics: {engine: 1, module_path: 2, flush_interval: 3}\n",
           "{\"temporality\":\"delta\",\"metrics\":{\"engine\":1,\"module_path\":2,\"flush_interval\":3}}");
    expect("only dropped keys", "engine: auto\n", "{}");
    expect_error("a NUL character", "a: 1\nb: \"x\\0y\"\n", "config line 2: strings cannot hold NUL characters");
    expect_error("a NUL character in a key", "\"k\\0\": 1\n", "config line 1: strings cannot hold NUL characters");
}

/* "a: " and depth flow sequences, then their ends. */
static void nested(char *out, size_t out_size, int depth)
{
    size_t n = (size_t)snprintf(out, out_size, "a: ");
    for (int i = 0; i < depth && n + 2 < out_size; i++)
        out[n++] = '[';
    for (int i = 0; i < depth && n + 2 < out_size; i++)
        out[n++] = ']';
    out[n] = '\0';
}

static void test_depth(void)
{
    char text[512];
    nested(text, sizeof text, 63); /* the root and 63 sequences: 64 levels */
    char error[128] = "";
    char *json = translate(text, error, sizeof error);
    CHECK(json != NULL, "64 levels");
    free(json);
    nested(text, sizeof text, 64);
    expect_error("65 levels", text, "config line 1: nesting deeper than 64 levels");
    nested(text, sizeof text, 200);
    expect_error("200 levels", text, "config line 1: nesting deeper than 64 levels");
    char block[4096] = "";
    for (int i = 0; i < 65; i++)
        snprintf(block + strlen(block), sizeof block - strlen(block), "%*sk:\n", i, "");
    expect_error("65 levels of block mappings", block, "config line 65: nesting deeper than 64 levels");
}

static void test_aliases(void)
{
    const char *message = "config line 2: YAML aliases are not supported";
    expect_error("an anchor on a scalar", "a: 1\nb: &x 1\n", message);
    expect_error("an anchor on a mapping", "a: 1\nb: &x {c: 1}\n", message);
    expect_error("an anchor on a sequence", "a: 1\nb: &x\n  - 1\n", message);
    expect_error("an alias", "a: 1\nb: *x\n", message);
    expect_error("an anchor and an alias", "a: &x 1\nb: *x\n", "config line 1: YAML aliases are not supported");
    expect_error("a merge key", "a: 1\n<<: {c: 1}\n",
                 "config line 2: a YAML merge key (<<) is not supported: write the keys it would merge in the "
                 "mapping itself");
    expect_error("an anchored key", "a: 1\n&k b: 2\n", message);
    expect_error("an anchored root", "--- &r\na: 1\n", "config line 1: YAML aliases are not supported");
    expect_error("an anchored empty document", "--- &r\n", "config line 1: YAML aliases are not supported");
    expect("a quoted << is a key", "'<<': 1\n", "{\"<<\":1}");
}

static void test_libyaml_errors(void)
{
    expect_error("mapping values in a plain scalar", "a: 1\nb: c: d\n",
                 "config line 2, column 5: mapping values are not allowed in this context");
    expect_error("an unterminated quote", "a: 1\nb: \"abc\n",
                 "config line 3, column 1: found unexpected end of stream "
                 "(while scanning a quoted scalar at line 2, column 4)");
    expect_error("a tab for indentation", "a:\n\tb: 1\n",
                 "config line 2, column 1: found character that cannot start any token "
                 "(while scanning for the next token at line 2, column 1)");
    expect_error("bad indentation", "a:\n    b: 1\n  c: 2\n",
                 "config line 3, column 3: did not find expected key (while parsing a block mapping at line 1, column 1)");
    expect_error("an unclosed flow mapping", "a: {b: 1\n",
                 "config line 2, column 1: did not find expected ',' or '}' (while parsing a flow mapping at line 1, column 4)");
    static const char bad_utf8[] = "a: ok\nb: \xff\n";
    expect_error_bytes("invalid UTF-8", bad_utf8, sizeof bad_utf8 - 1,
                       "config line 2: invalid leading UTF-8 octet (0xFF at byte offset 9)");
    static const char bad_trail[] = "a: \xc3(\n";
    expect_error_bytes("a bad continuation byte", bad_trail, sizeof bad_trail - 1,
                       "config line 1: invalid trailing UTF-8 octet (0x28 at byte offset 4)");
    static const char truncated[] = "a: \xe2\x82";
    expect_error_bytes("truncated UTF-8", truncated, sizeof truncated - 1,
                       "config line 1: incomplete UTF-8 octet sequence (at byte offset 3)");
    static const char crlf_utf8[] = "a: 1\r\nb: 2\r\n\r\nc: \xc0\xaf\r\n";
    expect_error_bytes("invalid UTF-8 after CRLF lines", crlf_utf8, sizeof crlf_utf8 - 1,
                       "config line 4: invalid length of a UTF-8 sequence (at byte offset 17)");
    static const char control[] = "a: 1\nb: x\x01y\n";
    expect_error_bytes("a control character", control, sizeof control - 1,
                       "config line 2: control characters are not allowed (0x1 at byte offset 9)");
    static const char nul[] = "a: 1\0\n";
    expect_error_bytes("a raw NUL byte", nul, sizeof nul - 1,
                       "config line 1: control characters are not allowed (0x0 at byte offset 4)");
}

static void test_messages(void)
{
    char small[16];
    char *json = translate("a: 1\na: 2\n", small, sizeof small);
    CHECK(json == NULL && strcmp(small, "config line 2: ") == 0, "a small error buffer: cut, NUL-terminated");
    json = translate("a: 1\na: 2\n", NULL, 0);
    CHECK(json == NULL, "no error buffer");
    char error[64] = "old";
    char *out = (char *)"untouched";
    size_t out_size = 9;
    CHECK(config_yaml_to_json((const uint8_t *)"[", 1, &out, &out_size, error, sizeof error) == PTM_ERR_CONFIG &&
              strcmp(out, "untouched") == 0 && out_size == 9,
          "outputs untouched on failure");
    CHECK(config_yaml_to_json(NULL, 0, &out, &out_size, error, sizeof error) == PTM_OK && strcmp(out, "{}") == 0 &&
              out_size == 2 && error[0] == '\0',
          "NULL, 0: {}");
    free(out);
}

/* The same configuration in block style, flow style, and with comments,
 * CRLF line ends and a byte order mark. */
static void test_styles(void)
{
    const char *expected =
        "{\"temporality\":\"cumulative\",\"cardinality_limit\":500,"
        "\"metrics\":{\"cpu\":{\"enabled\":true,\"unit\":\"ms\"},"
        "\"function\":{\"top_n\":10,\"measures\":[\"cpu\",\"wall\"]}},"
        "\"attributes\":[{\"key\":\"env\",\"value\":\"prod\",\"type\":\"literal\"},"
        "{\"key\":\"python.version\",\"value\":\"python(\\\\d+\\\\.\\\\d+)\",\"type\":\"regex\"}],"
        "\"process_filter\":{\"exclude_patterns\":[\"^idle\"]}}";
    expect("block style",
           "temporality: cumulative\n"
           "cardinality_limit: 500\n"
           "metrics:\n"
           "  cpu:\n"
           "    enabled: true\n"
           "    unit: ms\n"
           "  function:\n"
           "    top_n: 10\n"
           "    measures:\n"
           "      - cpu\n"
           "      - wall\n"
           "attributes:\n"
           "  - key: env\n"
           "    value: prod\n"
           "    type: literal\n"
           "  - key: python.version\n"
           "    value: 'python(\\d+\\.\\d+)'\n"
           "    type: regex\n"
           "process_filter:\n"
           "  exclude_patterns: [\"^idle\"]\n",
           expected);
    expect("flow style",
           "{temporality: cumulative, cardinality_limit: 500,\n"
           " metrics: {cpu: {enabled: true, unit: ms}, function: {top_n: 10, measures: [cpu, wall]}},\n"
           " attributes: [{key: env, value: prod, type: literal},\n"
           "              {key: python.version, value: \"python(\\\\d+\\\\.\\\\d+)\", type: regex}],\n"
           " process_filter: {exclude_patterns: ['^idle']}}\n",
           expected);
    expect("JSON itself", expected, expected);
    static const char commented[] =
        "\xef\xbb\xbf# the core's configuration\r\n"
        "temporality: cumulative   # across conversions\r\n"
        "cardinality_limit: 500\r\n"
        "\r\n"
        "metrics:   # the base metrics\r\n"
        "  cpu: {enabled: true,   # a comment inside a flow mapping\r\n"
        "        unit: ms}\r\n"
        "  # a comment between keys\r\n"
        "  function:\r\n"
        "    top_n: 10\r\n"
        "    measures: [cpu, wall]\r\n"
        "attributes:\r\n"
        "- {key: env, value: prod, type: literal}\r\n"
        "- key: python.version\r\n"
        "  value: python(\\d+\\.\\d+)   # a plain scalar: the backslashes stay\r\n"
        "  type: regex\r\n"
        "process_filter:\r\n"
        "  exclude_patterns:\r\n"
        "  - \"^idle\"\r\n"
        "# the end\r\n";
    expect_bytes("comments, CRLF, a byte order mark", commented, sizeof commented - 1, expected);
    expect_error("CRLF: lines counted", "a: 1\r\nb: 2\r\n\r\na: 3\r\n", "config line 4: duplicate key \"a\"");
    expect_error("CR alone ends lines too", "a: 1\rb: 2\ra: 3\r", "config line 3: duplicate key \"a\"");
    static const char utf8[] =
        "description: \"Temps CPU \xc3\xa9" "chantillonn\xc3\xa9 \xe2\x8f\xb1 \xf0\x9f\x94\xa5\"\n"
        "\xc3\xa9t\xc3\xa9: plain \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n";
    char error[128] = "";
    char *json = translate(utf8, error, sizeof error);
    cJSON *tree = json != NULL ? cJSON_Parse(json) : NULL;
    const cJSON *description = cJSON_GetObjectItemCaseSensitive(tree, "description");
    const cJSON *plain = cJSON_GetObjectItemCaseSensitive(tree, "\xc3\xa9t\xc3\xa9");
    CHECK(cJSON_IsString(description) &&
              strcmp(description->valuestring,
                     "Temps CPU \xc3\xa9" "chantillonn\xc3\xa9 \xe2\x8f\xb1 \xf0\x9f\x94\xa5") == 0 &&
              cJSON_IsString(plain) && strcmp(plain->valuestring, "plain \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e") == 0,
          "UTF-8 strings and keys keep their bytes");
    CHECK(json != NULL && strstr(json, "\xf0\x9f\x94\xa5") != NULL, "UTF-8 written as is, not escaped");
    CHECK(json != NULL && strchr(json, '\n') == NULL && strncmp(json, "{\"description\":\"", 16) == 0 &&
              strstr(json, "\",\"\xc3\xa9t\xc3\xa9\":\"") != NULL,
          "unformatted");
    cJSON_Delete(tree);
    free(json);
}

/* The lines of the `profiletometrics:` block under `connectors:` in text,
 * dedented to a root mapping (malloc'd), or NULL. */
static char *connector_block(const char *text)
{
    const char *connectors = strstr(text, "\nconnectors:\n");
    const char *start = connectors != NULL ? strstr(connectors, "\n  profiletometrics:\n") : NULL;
    if (start == NULL)
        return NULL;
    start += strlen("\n  profiletometrics:\n");
    char *block = malloc(strlen(start) + 1);
    size_t n = 0;
    for (const char *line = start; block != NULL && strncmp(line, "    ", 4) == 0;) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) + 1 : strlen(line);
        memcpy(block + n, line + 4, length - 4);
        n += length - 4;
        line += length;
    }
    if (block != NULL)
        block[n] = '\0';
    return block;
}

static void test_collector_block(const char *root)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/examples/collector.yaml", root);
    size_t size = 0;
    char *file = (char *)check_read_file(path, &size);
    CHECK(file != NULL, "docs/examples/collector.yaml read");
    if (file == NULL)
        return;
    char *text = realloc(file, size + 1);
    text[size] = '\0';
    char *block = connector_block(text);
    CHECK(block != NULL && strncmp(block, "engine: auto\n", 13) == 0, "the connector's block found");
    const char *expected =
        "{\"temporality\":\"cumulative\",\"metrics_expiration\":\"5m\",\"cardinality_limit\":10000,"
        "\"metrics\":{\"function\":{\"top_n\":0}}}";
    char error[256] = "";
    char *json = block != NULL ? translate(block, error, sizeof error) : NULL;
    CHECK(json != NULL && same_json(json, expected), "the connector's block as the core's JSON");
    ptm_converter *converter = NULL;
    char core_error[256] = "";
    CHECK(json != NULL &&
              ptm_converter_create(json, strlen(json), NULL, &converter, core_error, sizeof core_error) == PTM_OK,
          "the core accepts it");
    if (core_error[0] != '\0')
        fprintf(stderr, "  core: %s\n", core_error);
    ptm_converter_free(converter);
    free(json);
    /* The whole file is one YAML document too; its connector block comes
     * through nested (only root-level engine keys are dropped). */
    json = translate(text, error, sizeof error);
    cJSON *tree = json != NULL ? cJSON_Parse(json) : NULL;
    cJSON *connector = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tree, "connectors"),
                                                        "profiletometrics");
    cJSON *want = cJSON_Parse(
        "{\"engine\":\"auto\",\"flush_interval\":\"15s\",\"temporality\":\"cumulative\",\"metrics_expiration\":\"5m\","
        "\"cardinality_limit\":10000,\"metrics\":{\"function\":{\"top_n\":0}}}");
    CHECK(connector != NULL && cJSON_Compare(connector, want, true), "the whole collector file translates");
    cJSON_Delete(want);
    cJSON_Delete(tree);
    free(json);
    free(block);
    free(text);
}

static void test_is_yaml(void)
{
#define IS_YAML(text) config_is_yaml((const uint8_t *)(text), sizeof(text) - 1)
    CHECK(!IS_YAML("{}"), "JSON object");
    CHECK(!IS_YAML("  \r\n\t{\"a\": 1}"), "JSON after white space");
    CHECK(IS_YAML("# comment\n{a: 1}"), "a comment line, then a flow mapping: JSON has no comments");
    CHECK(IS_YAML("  # indented comment\r\n\n{"), "an indented comment line, CRLF, then '{'");
    CHECK(IS_YAML(" \n\t"), "white space alone: the empty document");
    CHECK(IS_YAML("a: 1"), "a mapping");
    CHECK(IS_YAML(""), "empty");
    CHECK(IS_YAML("# only a comment"), "only a comment");
    CHECK(IS_YAML("\n# x {\n"), "a '{' inside a comment");
    CHECK(!IS_YAML("[1]"), "a JSON array (the core refuses it)");
    CHECK(IS_YAML("---\n{}"), "a document marker");
    CHECK(IS_YAML("\xef\xbb\xbf{}"), "a byte order mark");
    CHECK(config_is_yaml(NULL, 0), "NULL, 0");
#undef IS_YAML
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_config_yaml REPO_ROOT\n");
        return 2;
    }
    test_scalars();
    test_tags();
    test_number_errors();
    test_structure();
    test_depth();
    test_aliases();
    test_libyaml_errors();
    test_messages();
    test_styles();
    test_collector_block(argv[1]);
    test_is_yaml();
    return check_report();
}
