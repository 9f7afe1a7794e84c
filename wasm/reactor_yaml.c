/*
 * reactor_yaml.c: YAML configurations in the full reactor variant
 * (ptm-full.wasm; ptm_reactor_variant in CMakeLists.txt): the export
 * ptm_wasm_config_yaml of include/ptm_wasm.h over cli/config_yaml.c, the
 * translation `ptm -c x.yaml` runs, so a YAML text gives the JSON the ptm
 * command would hand the core. The default reactor has no such export.
 */
#include <stdlib.h>
#include <string.h>

#include "config_yaml.h"
#include "ptm_wasm.h"

int32_t __attribute__((export_name("ptm_wasm_config_yaml")))
ptm_wasm_config_yaml(const uint8_t *yaml, uint32_t yaml_size, uint8_t **json_out, uint32_t *json_size_out,
                     char *error, uint32_t error_size)
{
    if (json_out == NULL || json_size_out == NULL) {
        if (error != NULL && error_size > 0)
            strncpy(error, "json_out or json_size_out is NULL", error_size - 1)[error_size - 1] = '\0';
        return PTM_ERR_ARGUMENT;
    }
    *json_out = NULL;
    *json_size_out = 0;
    char *json = NULL;
    size_t json_size = 0;
    char message[512];
    ptm_result result = config_yaml_to_json(yaml, yaml_size, &json, &json_size, message, sizeof message);
    if (result != PTM_OK) {
        if (error != NULL && error_size > 0)
            strncpy(error, message, error_size - 1)[error_size - 1] = '\0';
        return result;
    }
    *json_out = (uint8_t *)json;
    *json_size_out = (uint32_t)json_size;
    if (error != NULL && error_size > 0)
        error[0] = '\0';
    return PTM_OK;
}
