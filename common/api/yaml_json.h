#pragma once
// YAML documents to JSON values (yaml-cpp), as Kubernetes reads manifests: a YAML document is
// read as the JSON it denotes. Plain scalars become null / booleans / integers / floats when
// they look like them (YAML 1.2 core schema: null ~ true false, decimal/0x/0o integers,
// floats, .inf .nan); quoted scalars stay strings. Mapping keys are always strings. Anchors and
// aliases are resolved. Nothing here throws.

#include <string_view>
#include <vector>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::api {

// The single document of `text` (an empty document is null). EINVAL with the line and column
// for a syntax error, or when `text` holds more than one document.
Result<Json> yamlToJson(std::string_view text);

// Every non-empty document of a multi-document stream ("---" separated), in order.
Result<std::vector<Json>> yamlDocumentsToJson(std::string_view text);

// JSON as block-style YAML (strings that would read back as another type are quoted).
std::string jsonToYaml(const Json& j);

}  // namespace orch::api
