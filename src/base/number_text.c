/*
 * number_text.c: numbers as text (number_text.h). Integers are written two
 * digits at a time, in 32-bit pieces of eight digits. The rest of this
 * comment is about doubles.
 *
 * double_text() gives the text of a double exactly as the loop the text
 * encoders used before wrote it (snprintf "%.*g" at precision 15,
 * then 16, then 17, until strtod read the text back as the value), without
 * printf or strtod (which cost about 3,200 instructions a value).
 *
 * What "%.Pg" writes. A finite positive v = m × 2^e (m the integer
 * significand) has a decimal exponent E (10^E <= v < 10^(E+1)). printf
 * (glibc's and musl's both round exactly) writes N = v × 10^(P-1-E) rounded
 * to an integer, half to even: P digits, or 10^P, which carries into the
 * exponent. By that exponent X it picks %e (X < -4 or X >= P) or %f, and
 * drops trailing zeros. The text reads back as v exactly when it lies within
 * half a gap of v: half the gap to the lower neighbour below v (a quarter of
 * the upper gap when m is a power of two past the least normal binade), half
 * the gap to the upper one above, either boundary included only when m is
 * even (strtod rounds a tie to the even significand).
 *
 * How. Both questions (which way N rounds; whether N is within the half gap)
 * are answered in 64.64 fixed point: v × 10^q from a 128-bit truncated power
 * of ten (10^20k from a table times an exact 10^r, r < 20), which comes out
 * below the truth by less than ERROR units of 2^-64, and the half gap
 * likewise. Only an answer within that error (a decimal tie, as a value
 * with P + 1 significant digits ending in 5 gives, or a text exactly on a
 * half gap) is settled exactly, with big integers: v × 10^q as a ratio of
 * integers of at most about 900 bits (struct big holds 1,280). E comes from
 * the binary exponent b: floor(b log10 2) is E or E - 1, and the first
 * scaling tells which.
 */
#include "base/number_text.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

__extension__ typedef unsigned __int128 uint128;

/* How far below the truth a scaled value or half gap may come out, in units
 * of 2^-64 (strictly less than this). */
#define ERROR 2

/* ---- a finite positive double ---- */

typedef struct binary {
    uint64_t significand;  /* m: value = m × 2^exponent */
    int exponent;
    uint64_t normal;       /* m shifted up to bit 63: value = normal × 2^normal_exponent */
    int normal_exponent;
    bool lower_gap_halved; /* the lower neighbour is half as far as the upper one */
} binary;

/* bits: a finite positive double's (not zero). */
static binary binary_of(uint64_t bits)
{
    uint64_t fraction = bits & ((1ull << 52) - 1);
    int biased = (int)(bits >> 52);
    binary v;
    v.significand = biased != 0 ? fraction | 1ull << 52 : fraction;
    v.exponent = biased != 0 ? biased - 1075 : -1074;
    int shift = __builtin_clzll(v.significand);
    v.normal = v.significand << shift;
    v.normal_exponent = v.exponent - shift;
    v.lower_gap_halved = fraction == 0 && biased > 1;
    return v;
}

/* floor(b log10 2) for |b| <= 1100. 1292913986 / 2^32 is below log10 2 by
 * less than 2^-35, so the product strays from b log10 2 by less than 2^-24;
 * no such b log10 2 comes within 4e-4 of an integer (485 log10 2 is the
 * closest). Adding 1024 first keeps the shift on a positive number. */
static int floor_log10_pow2(int b)
{
    return (int)(((int64_t)b * 1292913986 + ((int64_t)1024 << 32)) >> 32) - 1024;
}

/* ---- powers of ten ---- */

/* 10^q = significand × 2^exponent, significand in [2^127, 2^128), truncated. */
typedef struct power_of_ten {
    uint64_t high, low;
    int exponent;
} power_of_ten;

#define COARSE_STEP 20
#define COARSE_FIRST (-300)

/* 10^(COARSE_FIRST + COARSE_STEP k): the top 128 bits of the exact value,
 * truncated (computed with exact integer arithmetic). */
static const power_of_ten coarse_powers[] = {
    {0xab70fe17c79ac6cau, 0x6dbd630a48aaf406u, -1124}, /* 1e-300 */
    {0xe858ad248f5c22c9u, 0xd1b3400f8f9cff68u, -1058}, /* 1e-280 */
    {0x9d71ac8fada6c9b5u, 0x6f773fc3603db4a9u, -991},  /* 1e-260 */
    {0xd5605fcdcf32e1d6u, 0xfb1e4a9a90880a64u, -925},  /* 1e-240 */
    {0x9096ea6f3848984fu, 0x3ff0d2c85def7621u, -858},  /* 1e-220 */
    {0xc3f490aa77bd60fcu, 0xbedbfc4411068a9cu, -792},  /* 1e-200 */
    {0x84c8d4dfd2c63f3bu, 0x29ecd9f40041e073u, -725},  /* 1e-180 */
    {0xb3f4e093db73a093u, 0x59ed216765690f56u, -659},  /* 1e-160 */
    {0xf3e2f893dec3f126u, 0x5a89dba3c3efccfau, -593},  /* 1e-140 */
    {0xa54394fe1eedb8feu, 0xc2974eb4ee658828u, -526},  /* 1e-120 */
    {0xdff9772470297ebdu, 0x59787e2b93bc56f7u, -460},  /* 1e-100 */
    {0x97c560ba6b0919a5u, 0xdccd879fc967d41au, -393},  /* 1e-80 */
    {0xcdb02555653131b6u, 0x3792f412cb06794du, -327},  /* 1e-60 */
    {0x8b61313bbabce2c6u, 0x2323ac4b3b3da015u, -260},  /* 1e-40 */
    {0xbce5086492111aeau, 0x88f4bb1ca6bcf584u, -194},  /* 1e-20 */
    {0x8000000000000000u, 0x0000000000000000u, -127},  /* 1e0 */
    {0xad78ebc5ac620000u, 0x0000000000000000u, -61},   /* 1e20 */
    {0xeb194f8e1ae525fdu, 0x5dcfab0800000000u, 5},     /* 1e40 */
    {0x9f4f2726179a2245u, 0x01d762422c946590u, 72},    /* 1e60 */
    {0xd7e77a8f87daf7fbu, 0xdc33745ec97be906u, 138},   /* 1e80 */
    {0x924d692ca61be758u, 0x593c2626705f9c56u, 205},   /* 1e100 */
    {0xc646d63501a1511du, 0xb281e1fd541501b8u, 271},   /* 1e120 */
    {0x865b86925b9bc5c2u, 0x0b8a2392ba45a9b2u, 338},   /* 1e140 */
    {0xb616a12b7fe617aau, 0x577b986b314d6009u, 404},   /* 1e160 */
    {0xf6c69a72a3989f5bu, 0x8aad549e57273d45u, 470},   /* 1e180 */
    {0xa738c6bebb12d16cu, 0xb428f8ac016561dbu, 537},   /* 1e200 */
    {0xe2a0b5dc971f303au, 0x2e44ae64840fd61du, 603},   /* 1e220 */
    {0x9991a6f3d6bf1765u, 0xacca6da1e0a8ef29u, 670},   /* 1e240 */
    {0xd01fef10a657842cu, 0x2d2b7569b0432d85u, 736},   /* 1e260 */
    {0x8d07e33455637eb2u, 0xdb0b487b6423e1e8u, 803},   /* 1e280 */
    {0xbf21e44003acdd2cu, 0xe0470a63e6bd56c3u, 869},   /* 1e300 */
    {0x81842f29f2cce375u, 0xe6a1158300d46640u, 936},   /* 1e320 */
    {0xaf87023b9bf0ee6au, 0xeb8fad7c7f8680b4u, 1002},  /* 1e340 */
};

/* 10^r, exact. */
static const uint64_t small_powers[COARSE_STEP] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    10000000000000000000u,
};

/* 10^q for -300 <= q <= 340: a coarse power times an exact small one, the
 * product truncated to 128 bits. Below the truth by less than 3 units of its
 * last bit (1 from the coarse power, times the small one's normalised
 * significand over 2^63, plus 1 from the truncation). */
static power_of_ten power_of_ten_at(int q)
{
    int step = (q - COARSE_FIRST) / COARSE_STEP, rest = (q - COARSE_FIRST) % COARSE_STEP;
    power_of_ten coarse = coarse_powers[step];
    if (rest == 0)
        return coarse;
    int shift = __builtin_clzll(small_powers[rest]);
    uint64_t small = small_powers[rest] << shift;
    uint128 low = (uint128)coarse.low * small;
    uint128 high = (uint128)coarse.high * small + (uint64_t)(low >> 64);
    int exponent = coarse.exponent - shift + 64;
    if ((high >> 127) == 0) { /* the product is in [2^190, 2^191): one bit more */
        high = high << 1 | (uint64_t)low >> 63;
        exponent--;
    }
    return (power_of_ten){(uint64_t)(high >> 64), (uint64_t)high, exponent};
}

/* ---- v × 10^q in fixed point ---- */

/* v × 10^q and half the gap from v to its upper neighbour times 10^q, both
 * in units of 2^-64 and below the truth by less than ERROR units. */
typedef struct scaled {
    uint64_t integer, fraction;
    uint128 half_gap;
} scaled;

/* q: such that 10^14 <= v × 10^q < 10^17 (as the callers' are), which keeps
 * the shifts below in range. */
static scaled scale(const binary *v, int q)
{
    power_of_ten p = power_of_ten_at(q);
    /* normal × p.significand is in [2^190, 2^192); the low 64 bits of it are
     * dropped (the shift below drops more). */
    uint128 low = (uint128)p.low * v->normal;
    uint128 high = (uint128)p.high * v->normal + (uint64_t)(low >> 64);
    int shift = -(p.exponent + v->normal_exponent + 64) - 64;
    assert(shift > 0 && shift < 64);
    uint128 value = high >> shift;
    /* half gap = 2^(exponent - 1) × 10^q, in units of 2^-64 */
    int gap_shift = -(p.exponent + v->exponent + 63);
    assert(gap_shift > 0 && gap_shift < 128);
    uint128 power = (uint128)p.high << 64 | p.low;
    return (scaled){(uint64_t)(value >> 64), (uint64_t)value, power >> gap_shift};
}

/* ---- exact arithmetic, for the answers the fixed point cannot give ---- */

#define BIG_LIMBS 40

/* A nonnegative integer, 32-bit limbs, least significant first; count is
 * the number of limbs up to the highest nonzero one. */
typedef struct big {
    uint32_t limbs[BIG_LIMBS];
    int count;
} big;

static void big_set(big *b, uint64_t value)
{
    b->limbs[0] = (uint32_t)value;
    b->limbs[1] = (uint32_t)(value >> 32);
    b->count = value >> 32 != 0 ? 2 : value != 0;
}

static void big_multiply(big *b, uint64_t factor)
{
    uint128 carry = 0;
    for (int i = 0; i < b->count; i++) {
        carry += (uint128)b->limbs[i] * factor;
        b->limbs[i] = (uint32_t)carry;
        carry >>= 32;
    }
    for (; carry != 0; carry >>= 32) {
        assert(b->count < BIG_LIMBS);
        b->limbs[b->count++] = (uint32_t)carry;
    }
}

static void big_multiply_pow5(big *b, int n)
{
    for (; n >= 27; n -= 27)
        big_multiply(b, 7450580596923828125u); /* 5^27 */
    uint64_t factor = 1;
    for (; n > 0; n--)
        factor *= 5;
    big_multiply(b, factor);
}

static void big_multiply_pow2(big *b, int n)
{
    big_multiply(b, 1ull << (n % 32));
    int words = n / 32;
    if (words == 0 || b->count == 0)
        return;
    assert(b->count + words <= BIG_LIMBS);
    memmove(b->limbs + words, b->limbs, (size_t)b->count * sizeof b->limbs[0]);
    memset(b->limbs, 0, (size_t)words * sizeof b->limbs[0]);
    b->count += words;
}

static int big_compare(const big *a, const big *b)
{
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    for (int i = a->count - 1; i >= 0; i--) {
        if (a->limbs[i] != b->limbs[i])
            return a->limbs[i] < b->limbs[i] ? -1 : 1;
    }
    return 0;
}

/* a -= b, for a >= b. */
static void big_subtract(big *a, const big *b)
{
    uint32_t borrow = 0;
    for (int i = 0; i < a->count; i++) {
        uint64_t take = (uint64_t)(i < b->count ? b->limbs[i] : 0) + borrow;
        borrow = a->limbs[i] < take;
        a->limbs[i] = (uint32_t)((uint64_t)a->limbs[i] - take);
    }
    while (a->count > 0 && a->limbs[a->count - 1] == 0)
        a->count--;
}

/* v × 10^q = num / den exactly. */
typedef struct ratio {
    big num, den;
} ratio;

static void exact_scaled(const binary *v, int q, ratio *r)
{
    big_set(&r->num, v->significand);
    big_set(&r->den, 1);
    big_multiply_pow5(q >= 0 ? &r->num : &r->den, q >= 0 ? q : -q);
    int twos = v->exponent + q;
    big_multiply_pow2(twos >= 0 ? &r->num : &r->den, twos >= 0 ? twos : -twos);
}

/* Whether v × 10^q, whose integer part is integer, rounds up (half to even). */
static bool exact_rounds_up(const binary *v, int q, uint64_t integer)
{
    ratio r;
    exact_scaled(v, q, &r);
    big_multiply(&r.num, 2);
    big_multiply(&r.den, 2 * integer + 1);
    int order = big_compare(&r.num, &r.den);
    return order > 0 || (order == 0 && (integer & 1) != 0);
}

/* Whether digits × 10^-q reads back as v: |digits - num/den| against the
 * half gap num / (den × 2m), a quarter gap below a halved lower gap. */
static bool exact_round_trips(const binary *v, int q, uint64_t digits)
{
    ratio r;
    exact_scaled(v, q, &r);
    big distance = r.den;
    big_multiply(&distance, digits);
    bool above = big_compare(&distance, &r.num) > 0;
    if (above) {
        big_subtract(&distance, &r.num);
    } else {
        big below = r.num;
        big_subtract(&below, &distance);
        distance = below;
    }
    big_multiply(&distance, (!above && v->lower_gap_halved ? 4 : 2) * v->significand);
    int order = big_compare(&distance, &r.num);
    return order < 0 || (order == 0 && (v->significand & 1) == 0);
}

/* ---- the decimal printf chooses ---- */

/* digits × 10^(exponent - precision + 1), digits < 10^precision. */
typedef struct decimal {
    uint64_t digits;
    int exponent;
    int precision;
} decimal;

static bool rounds_up(const binary *v, int q, const scaled *s)
{
    const uint64_t half = 1ull << 63;
    if (s->fraction > half)
        return true;
    if (s->fraction + ERROR <= half)
        return false;
    return exact_rounds_up(v, q, s->integer);
}

/* Whether digits (s rounded, up or not) × 10^-q reads back as v. */
static bool round_trips(const binary *v, int q, const scaled *s, uint64_t digits, bool up)
{
    uint64_t distance = up ? 0 - s->fraction : s->fraction; /* off by less than ERROR either way */
    uint128 half_gap = up || !v->lower_gap_halved ? s->half_gap : s->half_gap >> 1;
    if (distance + (uint128)ERROR <= half_gap)
        return true;
    if (distance >= half_gap + 2 * ERROR)
        return false;
    return exact_round_trips(v, q, digits);
}

/* "%.Pg" for the least P of 15, 16, 17 whose text reads back as v. */
static decimal printf_decimal(const binary *v)
{
    int exponent = floor_log10_pow2(v->normal_exponent + 63);
    scaled s = scale(v, 14 - exponent);
    if (s.integer >= small_powers[15]) { /* v >= 10^(exponent + 1) */
        exponent++;
        s = scale(v, 14 - exponent);
    }
    for (int precision = 15;; precision++) {
        int q = precision - 1 - exponent;
        if (precision > 15)
            s = scale(v, q);
        bool up = rounds_up(v, q, &s);
        uint64_t digits = s.integer + up;
        if (precision == 17 || round_trips(v, q, &s, digits, up)) {
            if (digits == small_powers[precision]) /* 9.99…5 rounded to 10 */
                return (decimal){digits / 10, exponent + 1, precision};
            return (decimal){digits, exponent, precision};
        }
    }
}

/* ---- text ---- */

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Drops the trailing zeros of *digits (count digits, not zero); returns how
 * many digits remain. */
static int strip_zeros(uint64_t *digits, int count)
{
    static const int steps[] = {16, 8, 4, 2, 1};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        uint64_t power = small_powers[steps[i]];
        if (*digits % power == 0) {
            *digits /= power;
            count -= steps[i];
        }
    }
    return count;
}

/* Writes the count digits of n (n < 10^count, count <= 9) to out[0..count). */
static void write_digits32(char *out, uint32_t n, int count)
{
    char *end = out + count;
    for (; count >= 2; count -= 2, n /= 100) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * (n % 100), 2);
    }
    if (count == 1)
        end[-1] = (char)('0' + n);
}

/* Writes the eight digits of n (n < 10^8) to out[0..8). */
static void write_eight_digits(char *out, uint32_t n)
{
    uint32_t high = n / 10000, low = n % 10000;
    memcpy(out, digit_pairs + 2 * (high / 100), 2);
    memcpy(out + 2, digit_pairs + 2 * (high % 100), 2);
    memcpy(out + 4, digit_pairs + 2 * (low / 100), 2);
    memcpy(out + 6, digit_pairs + 2 * (low % 100), 2);
}

/* Writes the count digits of n (n < 10^count, count <= 20) to out[0..count). */
static void write_digits(char *out, uint64_t n, int count)
{
    for (; count > 8; count -= 8) {
        uint64_t high = n / 100000000u;
        write_eight_digits(out + count - 8, (uint32_t)(n - high * 100000000u));
        n = high;
    }
    write_digits32(out, (uint32_t)n, count);
}

/* "e+05", "e-308": at least two exponent digits. */
static char *write_exponent(char *out, int exponent)
{
    *out++ = 'e';
    *out++ = exponent < 0 ? '-' : '+';
    unsigned magnitude = (unsigned)(exponent < 0 ? -exponent : exponent);
    if (magnitude >= 100) {
        *out++ = (char)('0' + magnitude / 100);
        magnitude %= 100;
    }
    memcpy(out, digit_pairs + 2 * magnitude, 2);
    return out + 2;
}

/*
 * d as %g writes it: %e or %f by its exponent, trailing zeros dropped. The
 * copies are of fixed sizes (no library call), from a digit buffer padded
 * with zeros; what they write past the text stays inside DOUBLE_TEXT_MAX
 * (at most 1 + 17 + 16 bytes after the sign).
 */
static size_t write_g(char *out, decimal d)
{
    uint64_t n = d.digits;
    int count = strip_zeros(&n, d.precision);
    char digits[40];
    memset(digits, '0', sizeof digits);
    write_digits(digits, n, count);
    int x = d.exponent;
    if (x < -4 || x >= d.precision) {
        out[0] = digits[0];
        out[1] = '.';
        memcpy(out + 2, digits + 1, 16);
        return (size_t)(write_exponent(out + (count > 1 ? count + 1 : 1), x) - out);
    }
    if (x < 0) { /* "0.", -x - 1 zeros, the digits */
        memcpy(out, "0.000000", 8);
        memcpy(out + 1 - x, digits, 17);
        return (size_t)(1 - x + count);
    }
    memcpy(out, digits, 17); /* an integer part, then zeros (the padding) */
    if (count <= x + 1)
        return (size_t)x + 1;
    out[x + 1] = '.';
    memcpy(out + x + 2, digits + x + 1, 16);
    return (size_t)(count + 1);
}

size_t double_text(double value, char out[DOUBLE_TEXT_MAX])
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    size_t sign = bits >> 63;
    if (sign)
        out[0] = '-';
    char *text = out + sign;
    bits &= ~(1ull << 63);
    if (bits >= 0x7ff0000000000000u) { /* printf's words; strtod reads "nan" as no NaN equal */
        memcpy(text, bits == 0x7ff0000000000000u ? "inf" : "nan", 3);
        return sign + 3;
    }
    if (bits == 0) {
        text[0] = '0';
        return sign + 1;
    }
    binary v = binary_of(bits);
    return sign + write_g(text, printf_decimal(&v));
}

/* The number of decimal digits of value (1 for 0). */
static int digit_count(uint64_t value)
{
    /* floor(log10 2^bits) by 1233 / 4096; one digit more when value reaches
     * that power of ten */
    int bits = 64 - __builtin_clzll(value | 1);
    int power = bits * 1233 >> 12;
    int count = power + (value >= small_powers[power]);
    return count + (count == 0);
}

size_t uint64_text(uint64_t value, char out[INTEGER_TEXT_MAX])
{
    int count = digit_count(value);
    write_digits(out, value, count);
    return (size_t)count;
}

size_t int64_text(int64_t value, char out[INTEGER_TEXT_MAX])
{
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    size_t sign = value < 0;
    out[0] = '-';
    int count = digit_count(magnitude);
    write_digits(out + sign, magnitude, count);
    return sign + (size_t)count;
}
