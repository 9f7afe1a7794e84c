/*
 * test_number_text.c: double_text() against the C library loop it
 * replaces (snprintf "%.*g" at precision 15, 16, 17 until strtod reads the
 * text back as the value), byte for byte, on about five million doubles:
 *   - edge cases: zeros, infinities, NaNs, the least and greatest subnormal
 *     and normal values, every power of two and of ten in range and their
 *     neighbours, exponent-notation thresholds (1e-5, 1e15, 1e16, 1e17);
 *   - random bit patterns (every sign, exponent, NaN payload);
 *   - random integers (of random bit length) over 1e9, 1e6, 1e3 and 1, as
 *     the metrics write nanoseconds as seconds;
 *   - every binary exponent with random significands;
 *   - decimal ties (integers over small powers of two: their last digit is a
 *     5, so one of the precisions rounds half to even) and their neighbours;
 *   - texts exactly on a half gap: doubles next to a midpoint that has 15 or
 *     16 significant digits, where strtod's tie to the even significand
 *     decides whether the text reads back.
 * Each text must also read back (strtod) as the value, bit for bit. The
 * first mismatch stops the test with the value's bits and both texts. The
 * random values come from a fixed seed: a failure repeats.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "base/number_text.h"

static uint64_t random_state = 0x9e3779b97f4a7c15u;

/* splitmix64 */
static uint64_t random_bits(void)
{
    uint64_t z = (random_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t bits)
{
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static uint64_t to_bits(double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

/* The loop double_text replaces, as encode_text.c had it. */
static void reference_text(double value, char text[40])
{
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, 40, "%.*g", precision, value);
        if (strtod(text, NULL) == value)
            break;
    }
}

static long values_checked;

/* Compares one value; exits at the first mismatch. */
static void check_value(double value)
{
    char expected[40], got[DOUBLE_TEXT_MAX + 8];
    reference_text(value, expected);
    memset(got, '#', sizeof got);
    size_t length = double_text(value, got);
    bool canary = got[DOUBLE_TEXT_MAX] == '#';
    got[length < DOUBLE_TEXT_MAX ? length : DOUBLE_TEXT_MAX - 1] = '\0';
    bool same = length < DOUBLE_TEXT_MAX && canary && strcmp(got, expected) == 0;
    bool reads_back = isnan(value) || to_bits(strtod(got, NULL)) == to_bits(value);
    values_checked++;
    if (same && reads_back)
        return;
    fprintf(stderr, "FAIL double_text(%a) bits 0x%016" PRIx64 ": \"%s\" (length %zu), printf loop \"%s\"%s\n",
            value, to_bits(value), got, length, expected, reads_back ? "" : ", does not read back");
    CHECK(false, "double_text matches the printf loop");
    exit(check_report());
}

/* Ends a group of cases: it must have checked values (all matched). */
static void group_done(const char *name)
{
    static long checked_before;
    CHECK(values_checked > checked_before, name);
    printf("%-40s %ld values\n", name, values_checked - checked_before);
    checked_before = values_checked;
}

static void check_neighbours(double value)
{
    check_value(value);
    check_value(nextafter(value, INFINITY));
    check_value(nextafter(value, -INFINITY));
    check_value(-value);
}

static void test_edge_cases(void)
{
    static const double values[] = {
        0.0, 1.0, 0.1, 0.2, 0.3, 0.5, 1.5, 2.5, 100, 168.75, 1e-4, 1e-5, 0.0001234, 0.00001234,
        123456789012345.0, 1234567890123456.0, 12345678901234567.0, 999999999999999.0,
        999999999999999.4, 999999999999999.5, 9999999999999998.0, 99999999999999984.0,
        1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 9007199254740992.0, 9007199254740994.0,
        18446744073709551616.0, 123456789012345.5, 123456789012344.5, 0.30000000000000004,
        DBL_MAX, DBL_MIN, DBL_TRUE_MIN, DBL_MIN - DBL_TRUE_MIN, DBL_EPSILON, 5e-324, 1.7976931348623157e308,
        2.2250738585072014e-308, 4.9406564584124654e-324, 1.0 / 3, 2.0 / 3, 1e-9, 1e-300, 1e300, 3.141592653589793, 2.718281828459045,
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        check_neighbours(values[i]);
    check_value(-0.0);
    check_value(INFINITY);
    check_value(-INFINITY);
    check_value(NAN);
    check_value(-NAN);
    check_value(from_bits(0x7ff0000000000001u)); /* a signalling NaN's bits */
    check_value(from_bits(0xfff8000000000123u));
    for (int exponent = -1074; exponent <= 1023; exponent++)
        check_neighbours(ldexp(1.0, exponent));
    for (int exponent = -323; exponent <= 308; exponent++) {
        char text[16];
        snprintf(text, sizeof text, "1e%d", exponent);
        check_neighbours(strtod(text, NULL));
        snprintf(text, sizeof text, "9.5e%d", exponent);
        check_neighbours(strtod(text, NULL));
    }
    group_done("edge cases");
}

static void test_random_bits(long count)
{
    for (long i = 0; i < count; i++)
        check_value(from_bits(random_bits()));
    group_done("random bit patterns");
}

static void test_quotients(long count)
{
    static const double divisors[] = {1e9, 1e6, 1e3, 1};
    for (long i = 0; i < count; i++) {
        int length = (int)(random_bits() % 64);
        int64_t numerator = (int64_t)(random_bits() >> (63 - length));
        if (random_bits() & 1)
            numerator = numerator / 1000 * 1000; /* whole microseconds */
        check_value((double)numerator / divisors[i % 4]);
    }
    group_done("integers over 1e9, 1e6, 1e3, 1");
}

static void test_every_exponent(int per_exponent)
{
    for (uint64_t biased = 0; biased < 2047; biased++) {
        for (int i = 0; i < per_exponent; i++) {
            uint64_t fraction = random_bits() >> 12;
            if (i < 4) /* the ends of the binade, and a short significand */
                fraction = (uint64_t[]){0, 1, (1ull << 52) - 1, fraction & ~0xffffffffull}[i];
            check_value(from_bits(biased << 52 | fraction));
        }
    }
    group_done("every binary exponent");
}

/* a / 2^j for a of 14 to 17 digits: exact, ending in 5 (a tie at some
 * precision), and the neighbours (one ulp off a tie). */
static void test_ties(long count)
{
    for (long i = 0; i < count; i++) {
        uint64_t low = 100000000000000u, high = 1ull << 53;
        uint64_t a = low + random_bits() % (high - low);
        int j = 1 + (int)(random_bits() % 12);
        double value = ldexp((double)(a | 1), -j);
        check_neighbours(value);
        check_value(ldexp((double)(a | 1), (int)(random_bits() % 20))); /* odd integers, 16-22 digits */
    }
    group_done("decimal ties and their neighbours");
}

/*
 * The doubles on either side of a midpoint M = d × 10^z of 15 or 16
 * significant digits: "%.15g" or "%.16g" of either gives M's digits, which
 * read back as the one of even significand. Built from M's odd part
 * o × 5^z in [2^53, 2^54): M = (2m + 1) × 2^k for k = a + z with d = o × 2^a.
 */
static void test_half_gaps(long count)
{
    for (long i = 0; i < count; i++) {
        int z = (int)(random_bits() % 23);
        uint64_t five = 1;
        for (int n = 0; n < z; n++)
            five *= 5;
        uint64_t least = ((1ull << 53) + five - 1) / five, range = (1ull << 54) / five - least;
        uint64_t odd = (least + random_bits() % range) | 1;
        if (odd * five >= 1ull << 54)
            continue;
        int digits = 15 + (int)(random_bits() % 2);
        int a = 0;
        for (double d = (double)odd; d * 2 < pow(10, digits); d *= 2)
            a++;
        a -= (int)(random_bits() % 3);
        if (a < 0)
            continue;
        uint64_t midpoint_odd = odd * five; /* 2m + 1 */
        check_value(ldexp((double)(midpoint_odd - 1), a + z));
        check_value(ldexp((double)(midpoint_odd + 1), a + z));
    }
    group_done("texts on a half gap");
}

static void check_integer(uint64_t value)
{
    char expected[32], got[INTEGER_TEXT_MAX + 1];
    snprintf(expected, sizeof expected, "%" PRIu64, value);
    size_t length = uint64_text(value, got);
    bool same = length == strlen(expected) && memcmp(got, expected, length) == 0;
    int64_t as_signed = (int64_t)value;
    snprintf(expected, sizeof expected, "%" PRId64, as_signed);
    size_t signed_length = int64_text(as_signed, got);
    same = same && signed_length == strlen(expected) && memcmp(got, expected, signed_length) == 0;
    values_checked++;
    if (same)
        return;
    fprintf(stderr, "FAIL uint64_text/int64_text(%" PRIu64 "): \"%.*s\", printf \"%s\"\n", value,
            (int)signed_length, got, expected);
    CHECK(false, "integer texts match printf");
    exit(check_report());
}

static void test_integers(long count)
{
    uint64_t power = 1;
    for (int i = 0; i < 20; i++, power *= 10) {
        check_integer(power - 1);
        check_integer(power);
        check_integer(power + 1);
        check_integer(0 - power);
    }
    check_integer(UINT64_MAX);
    check_integer((uint64_t)INT64_MAX);
    check_integer((uint64_t)INT64_MIN);
    for (long i = 0; i < count; i++)
        check_integer(random_bits() >> (random_bits() % 64));
    group_done("integers");
}

int main(void)
{
    test_integers(200000);
    test_edge_cases();
    test_random_bits(2000000);
    test_quotients(2000000);
    test_every_exponent(100);
    test_ties(100000);
    test_half_gaps(200000);
    printf("%ld values\n", values_checked);
    return check_report();
}
