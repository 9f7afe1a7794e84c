/*
 * fuzz_pprof.c: libFuzzer target over the pprof path of the converter
 * (src/decode/pprof_decode.c).
 *
 * Input: one byte that picks the output format (b % 3) and the configuration
 * ((b / 3) % 4, see fuzz_common.h), then a pprof Profile (perftools.profiles,
 * uncompressed). Every converter this target uses has its input format set to
 * PTM_INPUT_PPROF before each conversion, so that every input reaches the
 * pprof decoder, whatever its first bytes would say under PTM_INPUT_AUTO
 * (detection is fuzz_protobuf's). The converters are this executable's own
 * (fuzz_common.h keeps them per target), so the setting reaches no other
 * target.
 *
 * Every conversion goes through fuzz_convert_and_check(): result and message,
 * the stats invariant, the output well-formed in its format, determinism
 * across calls and the input fed in pieces. Seeds: tests/fuzz/make-seeds.sh
 * pprof DIR; dictionary: tests/fuzz/pprof.dict.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    ptm_converter *converter = fuzz_converter(data[0] / 3u);
    if (ptm_converter_set_input_format(converter, PTM_INPUT_PPROF) != PTM_OK)
        fuzz_fail("result", "ptm_converter_set_input_format refused PTM_INPUT_PPROF", NULL, 0);
    ptm_format format = (ptm_format)(data[0] % 3);
    fuzz_convert_and_check(converter, data + 1, size - 1, format);
    return 0;
}
