/*
 * test_symbolize.c: symbolization through the public API (ptm.h,
 * "Symbolization"): ptm_converter_symbols_scan/_next/_offer and
 * ptm_converter_add_symbols on a small hand-made OTLP/JSON request with one
 * native frame of zebra-sym (build ID 37ad432f..., address 0x116d, in
 * zebra_crunch_cpu).
 *
 * - the exact order of the paths asked for (symbolize.h): each directory's
 *   .build-id, debug/.build-id and name paths, the executable under the
 *   root with {pid} filled in, each debuginfod server's debuginfo and
 *   executable;
 * - a file with the right build ID ends the search and names the frame; a
 *   second scan asks nothing; a file with another build ID is not used;
 * - hostile names: a mapping file name with "..", or relative with '/', is
 *   no name candidate; an executable path with ".." gives no root candidate;
 * - a scan of JSON Lines plans the files of every request, not only the
 *   last, each with its own file name (copied: the first request's strings
 *   are reused by the second's before the paths are built);
 * - ptm_converter_add_symbols: non-ELF bytes and a file without build ID are
 *   PTM_ERR_INPUT with an "ELF:" message; ptm_converter_reset forgets the
 *   tables; cache_bytes drops the least recently used table.
 *
 * The real files are ../shared/fixtures/otlp-live/bin next to the repo
 * (argv[1] is the repo root); the parts that need them are skipped when
 * absent.
 *
 * Usage: test_symbolize REPO_ROOT
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ptm.h"

#define ZEBRA_ID "37ad432f9e2da89fe62b3b9d50ab02a7110fb3a7"
#define ZEBRA_ID_PATH "37/ad432f9e2da89fe62b3b9d50ab02a7110fb3a7.debug"

static const char config_all[] =
    "{\"symbolize\":{\"paths\":[\"/d1\",\"/d2/\"],\"root\":\"/proc/{pid}/root\",\"debuginfod\":[\"http://h:1\"]}}";

/* One OTLP/JSON request: one sample whose only frame is a native location
 * (no lines) at 0x116d of a mapping named file_name with build_id; its
 * resource has process.pid 4440 and process.executable.path executable. */
static const char *request(char *buffer, size_t size, const char *file_name, const char *build_id,
                           const char *executable)
{
    snprintf(buffer, size,
             "{\"resourceProfiles\":[{\"resource\":{\"attributes\":["
             "{\"key\":\"process.pid\",\"value\":{\"intValue\":\"4440\"}},"
             "{\"key\":\"process.executable.path\",\"value\":{\"stringValue\":\"%s\"}}]},"
             "\"scopeProfiles\":[{\"profiles\":[{\"sampleType\":{\"typeStrindex\":3,\"unitStrindex\":4},"
             "\"samples\":[{\"stackIndex\":1,\"timestampsUnixNano\":[\"1796660448131994014\"]}],"
             "\"timeUnixNano\":\"1796660445733302231\",\"durationNano\":\"5000000000\","
             "\"periodType\":{\"typeStrindex\":1,\"unitStrindex\":2},\"period\":\"50000000\"}]}]}],"
             "\"dictionary\":{"
             "\"mappingTable\":[{},{\"memoryStart\":\"4096\",\"memoryLimit\":\"8192\",\"fileOffset\":\"4096\","
             "\"filenameStrindex\":5,\"attributeIndices\":[1]}],"
             "\"locationTable\":[{},{\"mappingIndex\":1,\"address\":\"4461\",\"attributeIndices\":[2]}],"
             "\"functionTable\":[{}],"
             "\"stackTable\":[{},{\"locationIndices\":[1]}],"
             "\"stringTable\":[\"\",\"cpu\",\"nanoseconds\",\"samples\",\"count\",\"%s\","
             "\"process.executable.build_id.gnu\",\"profile.frame.type\"],"
             "\"attributeTable\":[{\"value\":{}},"
             "{\"keyStrindex\":6,\"value\":{\"stringValue\":\"%s\"}},"
             "{\"keyStrindex\":7,\"value\":{\"stringValue\":\"native\"}}]}}",
             executable, file_name, build_id);
    return buffer;
}

static const char *zebra_request(char *buffer, size_t size)
{
    return request(buffer, size, "zebra-sym", ZEBRA_ID, "/opt/ptm-capture/bin/zebra-sym");
}

static ptm_converter *create(const char *config)
{
    ptm_converter *converter = NULL;
    char error[256] = "";
    if (ptm_converter_create(config, strlen(config), NULL, &converter, error, sizeof error) != PTM_OK)
        fprintf(stderr, "create: %s\n", error);
    return converter;
}

static ptm_result scan(ptm_converter *converter, const char *input)
{
    return ptm_converter_symbols_scan(converter, (const uint8_t *)input, strlen(input));
}

/* Answers every path the plan asks for with "no such file"; the paths asked,
 * one a line, into asked (capacity size). Their count. */
static int drain(ptm_converter *converter, char *asked, size_t size)
{
    int count = 0;
    size_t used = 0;
    asked[0] = '\0';
    const char *path;
    while (ptm_converter_symbols_next(converter, &path) == PTM_OK && path != NULL && count < 100) {
        int n = snprintf(asked + used, size - used, "%s\n", path);
        if (n > 0 && (size_t)n < size - used)
            used += (size_t)n;
        ptm_converter_symbols_offer(converter, NULL, 0);
        count++;
    }
    return count;
}

/* The next path, or "" when there is none. */
static const char *next_path(ptm_converter *converter)
{
    const char *path = NULL;
    ptm_converter_symbols_next(converter, &path);
    return path != NULL ? path : "";
}

/* Whether converting input (Prometheus text) names a function name. */
static bool names_function(ptm_converter *converter, const char *input, const char *name)
{
    const uint8_t *output = NULL;
    size_t size = 0;
    if (ptm_convert(converter, (const uint8_t *)input, strlen(input), PTM_FORMAT_PROMETHEUS, &output, &size,
                    NULL) != PTM_OK)
        return false;
    char label[256];
    snprintf(label, sizeof label, "profile_function_self_cpu_time_seconds_total{code_function_name=\"%s\"", name);
    size_t length = strlen(label);
    for (size_t i = 0; i + length <= size; i++) {
        if (memcmp(output + i, label, length) == 0)
            return true;
    }
    return false;
}

static void test_plan_order(void)
{
    char input[4096], asked[8192];
    ptm_converter *converter = create(config_all);
    CHECK(converter != NULL, "create with symbolize");
    if (converter == NULL)
        return;
    CHECK(scan(converter, zebra_request(input, sizeof input)) == PTM_OK, "scan");
    int count = drain(converter, asked, sizeof asked);
    static const char expected[] =
        "/d1/.build-id/" ZEBRA_ID_PATH "\n"
        "/d1/debug/.build-id/" ZEBRA_ID_PATH "\n"
        "/d1/zebra-sym\n"
        "/d2/.build-id/" ZEBRA_ID_PATH "\n"
        "/d2/debug/.build-id/" ZEBRA_ID_PATH "\n"
        "/d2/zebra-sym\n"
        "/proc/4440/root/opt/ptm-capture/bin/zebra-sym\n"
        "http://h:1/buildid/" ZEBRA_ID "/debuginfo\n"
        "http://h:1/buildid/" ZEBRA_ID "/executable\n";
    CHECK(count == 9 && strcmp(asked, expected) == 0, "the paths, in order");
    if (strcmp(asked, expected) != 0)
        fprintf(stderr, "asked:\n%s", asked);
    CHECK(strcmp(next_path(converter), "") == 0, "then nothing");
    /* Found nowhere: remembered as missing, so a second scan asks nothing. */
    CHECK(scan(converter, input) == PTM_OK && strcmp(next_path(converter), "") == 0,
          "a build ID found nowhere is not asked for again");
    CHECK(names_function(converter, input, "zebra-sym"), "unsymbolized: the mapping's name");
    /* reset forgets what the cache knows: asked for again. */
    CHECK(ptm_converter_reset(converter) == PTM_OK, "reset");
    CHECK(scan(converter, input) == PTM_OK && drain(converter, asked, sizeof asked) == 9,
          "after reset the same nine paths are asked for");
    ptm_converter_free(converter);
}

/* A path next handed out but not answered counts as "no such file". */
static void test_unanswered(void)
{
    char input[4096];
    ptm_converter *converter = create(config_all);
    scan(converter, zebra_request(input, sizeof input));
    int count = 0;
    while (next_path(converter)[0] != '\0' && count < 100)
        count++;
    CHECK(count == 9, "next without offer moves on");
    ptm_converter_free(converter);
}

static void test_hostile_names(void)
{
    char input[4096], asked[8192];
    ptm_converter *converter = create(config_all);
    /* "../../etc/passwd": no name candidate (nor its base name), and no
     * executable has that base name: the build-ID paths and debuginfod only. */
    CHECK(scan(converter, request(input, sizeof input, "../../etc/passwd", ZEBRA_ID,
                                  "/opt/ptm-capture/bin/zebra-sym")) == PTM_OK, "scan");
    drain(converter, asked, sizeof asked);
    static const char by_id_only[] =
        "/d1/.build-id/" ZEBRA_ID_PATH "\n"
        "/d1/debug/.build-id/" ZEBRA_ID_PATH "\n"
        "/d2/.build-id/" ZEBRA_ID_PATH "\n"
        "/d2/debug/.build-id/" ZEBRA_ID_PATH "\n"
        "http://h:1/buildid/" ZEBRA_ID "/debuginfo\n"
        "http://h:1/buildid/" ZEBRA_ID "/executable\n";
    CHECK(strcmp(asked, by_id_only) == 0, "a file name with \"..\": build-ID paths only");
    if (strcmp(asked, by_id_only) != 0)
        fprintf(stderr, "asked:\n%s", asked);
    CHECK(strstr(asked, "passwd") == NULL, "passwd never asked for");
    ptm_converter_reset(converter);
    CHECK(scan(converter, request(input, sizeof input, "bin/zebra-sym", ZEBRA_ID,
                                  "/opt/ptm-capture/bin/zebra-sym")) == PTM_OK, "scan");
    drain(converter, asked, sizeof asked);
    CHECK(strcmp(asked, by_id_only) == 0, "a relative file name with '/': build-ID paths only");
    ptm_converter_reset(converter);
    static const char *const dots[] = {".", ".."};
    for (int i = 0; i < 2; i++) {
        CHECK(scan(converter, request(input, sizeof input, dots[i], ZEBRA_ID, "/opt/ptm-capture/bin/zebra-sym")) ==
                  PTM_OK, "scan");
        drain(converter, asked, sizeof asked);
        CHECK(strcmp(asked, by_id_only) == 0, "\".\" or \"..\" as a file name: build-ID paths only");
        ptm_converter_reset(converter);
    }
    /* An executable path with "..": no root candidate (the name still is one). */
    CHECK(scan(converter, request(input, sizeof input, "zebra-sym", ZEBRA_ID,
                                  "/opt/ptm-capture/../../etc/zebra-sym")) == PTM_OK, "scan");
    drain(converter, asked, sizeof asked);
    CHECK(strstr(asked, "/proc/") == NULL && strstr(asked, "/d1/zebra-sym\n") != NULL,
          "an executable path with \"..\": no root candidate");
    ptm_converter_reset(converter);
    CHECK(scan(converter, request(input, sizeof input, "zebra-sym", ZEBRA_ID, "opt/zebra-sym")) == PTM_OK, "scan");
    drain(converter, asked, sizeof asked);
    CHECK(strstr(asked, "/proc/") == NULL, "a relative executable path: no root candidate");
    ptm_converter_free(converter);
}

/* The fixture's files: zebra-sym (37ad432f...), zebra-nopie (another build ID). */
typedef struct real_files {
    unsigned char *sym, *nopie, *go, *stripped, *debug;
    size_t sym_size, nopie_size, go_size, stripped_size, debug_size;
} real_files;

static void test_found(const real_files *files)
{
    char input[4096];
    ptm_converter *converter = create(config_all);
    CHECK(scan(converter, zebra_request(input, sizeof input)) == PTM_OK, "scan");
    CHECK(strcmp(next_path(converter), "/d1/.build-id/" ZEBRA_ID_PATH) == 0, "first path");
    CHECK(ptm_converter_symbols_offer(converter, files->sym, files->sym_size) == PTM_OK, "offer zebra-sym");
    CHECK(strcmp(next_path(converter), "") == 0, "the file with the build ID ends the plan");
    CHECK(names_function(converter, input, "zebra_crunch_cpu"), "the frame is named zebra_crunch_cpu");
    CHECK(!names_function(converter, input, "zebra-sym"), "and no longer zebra-sym");
    CHECK(scan(converter, input) == PTM_OK && strcmp(next_path(converter), "") == 0,
          "a second scan asks nothing (the table is kept)");
    CHECK(ptm_converter_reset(converter) == PTM_OK && names_function(converter, input, "zebra-sym"),
          "reset forgets the table: the mapping's name again");
    CHECK(scan(converter, input) == PTM_OK && strcmp(next_path(converter), "") != 0,
          "after reset the scan asks again");
    ptm_converter_free(converter);

    /* Another build of the file (zebra-nopie) at the first path: not used. */
    converter = create(config_all);
    scan(converter, input);
    next_path(converter);
    CHECK(ptm_converter_symbols_offer(converter, files->nopie, files->nopie_size) == PTM_OK, "offer zebra-nopie");
    CHECK(strcmp(next_path(converter), "/d1/debug/.build-id/" ZEBRA_ID_PATH) == 0,
          "a file with another build ID is not used: the search goes on");
    char asked[8192];
    ptm_converter_symbols_offer(converter, NULL, 0);
    CHECK(drain(converter, asked, sizeof asked) == 7, "the rest of the paths");
    CHECK(names_function(converter, input, "zebra-sym") && !names_function(converter, input, "zebra_crunch_cpu"),
          "the frame keeps the mapping's name");
    ptm_converter_free(converter);

    /* Handed in unasked: named without a scan. */
    converter = create(config_all);
    CHECK(ptm_converter_add_symbols(converter, files->sym, files->sym_size) == PTM_OK, "add_symbols zebra-sym");
    CHECK(names_function(converter, input, "zebra_crunch_cpu"), "added: the frame is named");
    CHECK(scan(converter, input) == PTM_OK && strcmp(next_path(converter), "") == 0, "added: nothing asked");
    ptm_converter_free(converter);
}

/* zebra-debuglink (stripped: no function symbols) and its debug file, both
 * with build ID 6b87b1dc...: handed in in either order, the debug file's
 * table names the frame; the plan reads the debug file by build ID. */
static void test_stripped_and_debug(const real_files *files)
{
    char input[4096];
    request(input, sizeof input, "zebra-debuglink", "6b87b1dc405471dab9ed1047962753816a8d7091",
            "/opt/ptm-capture/bin/zebra-debuglink");
    for (int order = 0; order < 2; order++) {
        ptm_converter *converter = create(config_all);
        const unsigned char *first = order == 0 ? files->debug : files->stripped;
        const unsigned char *second = order == 0 ? files->stripped : files->debug;
        size_t first_size = order == 0 ? files->debug_size : files->stripped_size;
        size_t second_size = order == 0 ? files->stripped_size : files->debug_size;
        CHECK(ptm_converter_add_symbols(converter, first, first_size) == PTM_OK &&
                  ptm_converter_add_symbols(converter, second, second_size) == PTM_OK, "add both");
        CHECK(names_function(converter, input, "zebra_crunch_cpu"),
              order == 0 ? "the stripped file after the debug file does not replace its table"
                         : "the debug file after the stripped file replaces its table");
        ptm_converter_free(converter);
    }
    /* The plan: the stripped file at the name path, then its debug link. */
    ptm_converter *converter = create("{\"symbolize\":{\"paths\":[\"/d\"]}}");
    scan(converter, input);
    const char *path;
    int asked = 0;
    while ((path = next_path(converter))[0] != '\0' && asked++ < 20) {
        if (strcmp(path, "/d/zebra-debuglink") == 0)
            ptm_converter_symbols_offer(converter, files->stripped, files->stripped_size);
        else if (strcmp(path, "/d/87b1dc405471dab9ed1047962753816a8d7091.debug") == 0)
            ptm_converter_symbols_offer(converter, files->debug, files->debug_size);
        else
            ptm_converter_symbols_offer(converter, NULL, 0);
    }
    CHECK(names_function(converter, input, "zebra_crunch_cpu"), "the stripped file's .gnu_debuglink is followed");
    ptm_converter_free(converter);
}

/* symbolize.cache_bytes: adding a table past the bound drops the least
 * recently used one, whose build ID a scan asks for again. gospin's table
 * (a Go binary: thousands of functions) is larger than 64 KiB by itself. */
static void test_cache_bound(const real_files *files)
{
    char input[4096];
    zebra_request(input, sizeof input);
    static const char *const configs[] = {
        "{\"symbolize\":{\"paths\":[\"/d1\"],\"cache_bytes\":65536}}",
        "{\"symbolize\":{\"paths\":[\"/d1\"]}}",
    };
    for (int bounded = 1; bounded >= 0; bounded--) {
        ptm_converter *converter = create(configs[bounded ? 0 : 1]);
        CHECK(ptm_converter_add_symbols(converter, files->sym, files->sym_size) == PTM_OK, "add zebra-sym");
        CHECK(scan(converter, input) == PTM_OK && strcmp(next_path(converter), "") == 0, "kept: nothing asked");
        CHECK(ptm_converter_add_symbols(converter, files->go, files->go_size) == PTM_OK, "add gospin");
        CHECK(scan(converter, input) == PTM_OK, "scan");
        bool asked = strcmp(next_path(converter), "") != 0;
        if (bounded)
            CHECK(asked, "past cache_bytes the older table is dropped: its build ID is asked for again");
        else
            CHECK(!asked, "within the default cache_bytes both tables are kept");
        CHECK(names_function(converter, input, bounded ? "zebra-sym" : "zebra_crunch_cpu"),
              "the frame is named from what the cache holds");
        ptm_converter_free(converter);
    }
}

static void test_add_symbols_errors(void)
{
    ptm_converter *converter = create(config_all);
    static const uint8_t not_elf[] = "definitely not an ELF file";
    CHECK(ptm_converter_add_symbols(converter, not_elf, sizeof not_elf - 1) == PTM_ERR_INPUT, "non-ELF: input");
    CHECK(strncmp(ptm_converter_last_error(converter), "ELF:", 4) == 0, ptm_converter_last_error(converter));
    CHECK(ptm_converter_add_symbols(converter, NULL, 0) == PTM_ERR_ARGUMENT, "NULL data: argument");
    CHECK(ptm_converter_add_symbols(NULL, not_elf, 1) == PTM_ERR_ARGUMENT, "NULL converter: argument");
    ptm_converter_free(converter);
}

/* A minimal ELF64 little-endian file with one function symbol in .symtab
 * and no build-ID note. */
static size_t elf_without_build_id(uint8_t *out)
{
    memset(out, 0, 512);
    /* layout: header 64, .strtab at 64 (16 bytes), .symtab at 80 (2 x 24),
     * .shstrtab at 128 (32), section headers at 192 (4 x 64) */
    static const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    memcpy(out, ident, 16);
    out[16] = 3;                     /* e_type ET_DYN */
    out[18] = 62;                    /* e_machine x86_64 */
    out[20] = 1;                     /* e_version */
    out[40] = 192;                   /* e_shoff */
    out[52] = 64;                    /* e_ehsize */
    out[58] = 64;                    /* e_shentsize */
    out[60] = 4;                     /* e_shnum */
    out[62] = 3;                     /* e_shstrndx */
    memcpy(out + 64, "\0busy\0", 6);  /* .strtab */
    uint8_t *sym = out + 80 + 24;    /* symbol 1: busy, FUNC GLOBAL, 0x1000, size 16, shndx 1 */
    sym[0] = 1;
    sym[4] = 0x12;
    sym[6] = 1;
    sym[9] = 0x10;
    sym[16] = 16;
    memcpy(out + 128, "\0.strtab\0.symtab\0.shstrtab\0", 27);
    uint8_t *sh = out + 192;
    /* [1] .strtab */
    sh[64 + 0] = 1; sh[64 + 4] = 3; sh[64 + 24] = 64; sh[64 + 32] = 6;
    /* [2] .symtab: link 1, info 1, entsize 24 */
    sh[128 + 0] = 9; sh[128 + 4] = 2; sh[128 + 24] = 80; sh[128 + 32] = 48; sh[128 + 40] = 1; sh[128 + 44] = 1;
    sh[128 + 56] = 24;
    /* [3] .shstrtab */
    sh[192 + 0] = 17; sh[192 + 4] = 3; sh[192 + 24] = 128; sh[192 + 32] = 27;
    return 192 + 4 * 64;
}

static void test_no_build_id(void)
{
    uint8_t elf[512];
    size_t size = elf_without_build_id(elf);
    ptm_converter *converter = create(config_all);
    CHECK(ptm_converter_add_symbols(converter, elf, size) == PTM_ERR_INPUT, "no build ID: input");
    CHECK(strncmp(ptm_converter_last_error(converter), "ELF:", 4) == 0 &&
              strstr(ptm_converter_last_error(converter), "build ID") != NULL,
          ptm_converter_last_error(converter));
    ptm_converter_free(converter);
}

/* JSON Lines: two requests, the first with zebra-sym's build ID, the second
 * with another; the scan plans both. */
static void test_json_lines_scan(void)
{
    char first[4096], second[4096], both[8400];
    zebra_request(first, sizeof first);
    request(second, sizeof second, "yak-main", "a3fc33ed00759f1bcb9d850d3dfb200f7555eae7", "/opt/ptm-capture/bin/yak-main");
    snprintf(both, sizeof both, "%s\n%s\n", first, second);
    ptm_converter *converter = create("{\"symbolize\":{\"paths\":[\"/d\"]}}");
    CHECK(scan(converter, both) == PTM_OK, "scan JSON Lines");
    char asked[8192];
    drain(converter, asked, sizeof asked);
    CHECK(strcmp(asked, "/d/.build-id/" ZEBRA_ID_PATH "\n/d/debug/.build-id/" ZEBRA_ID_PATH "\n/d/zebra-sym\n"
                        "/d/.build-id/a3/fc33ed00759f1bcb9d850d3dfb200f7555eae7.debug\n"
                        "/d/debug/.build-id/a3/fc33ed00759f1bcb9d850d3dfb200f7555eae7.debug\n/d/yak-main\n") == 0,
          "every request's files, in order");
    if (strstr(asked, "zebra-sym") == NULL)
        fprintf(stderr, "asked:\n%s", asked);
    ptm_converter_free(converter);
}

/* Without "symbolize" nothing is asked for. */
static void test_disabled(void)
{
    char input[4096];
    ptm_converter *converter = create("{}");
    CHECK(scan(converter, zebra_request(input, sizeof input)) == PTM_OK && strcmp(next_path(converter), "") == 0,
          "no symbolize: nothing asked");
    ptm_converter_free(converter);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : ".";
    test_plan_order();
    test_unanswered();
    test_hostile_names();
    test_add_symbols_errors();
    test_no_build_id();
    test_json_lines_scan();
    test_disabled();
    char path[4096];
    real_files files = {0};
    snprintf(path, sizeof path, "%s/../shared/fixtures/otlp-live/bin/zebra-sym", root);
    files.sym = check_read_file(path, &files.sym_size);
    snprintf(path, sizeof path, "%s/../shared/fixtures/otlp-live/bin/zebra-nopie", root);
    files.nopie = check_read_file(path, &files.nopie_size);
    snprintf(path, sizeof path, "%s/../shared/fixtures/otlp-live/bin/gospin", root);
    files.go = check_read_file(path, &files.go_size);
    snprintf(path, sizeof path, "%s/../shared/fixtures/otlp-live/bin/zebra-debuglink", root);
    files.stripped = check_read_file(path, &files.stripped_size);
    snprintf(path, sizeof path,
             "%s/../shared/fixtures/otlp-live/bin/debug/.build-id/6b/87b1dc405471dab9ed1047962753816a8d7091.debug", root);
    files.debug = check_read_file(path, &files.debug_size);
    if (files.sym != NULL && files.nopie != NULL && files.go != NULL && files.stripped != NULL && files.debug != NULL) {
        test_found(&files);
        test_stripped_and_debug(&files);
        test_cache_bound(&files);
    } else {
        printf("real ELF files: skipped (no %s/../shared/fixtures/otlp-live/bin)\n", root);
    }
    free(files.sym);
    free(files.nopie);
    free(files.go);
    free(files.stripped);
    free(files.debug);
    return check_report();
}
