#pragma once
// A component's configuration file (KubeletConfiguration, KubeProxyConfiguration, ...): YAML or
// JSON text holding one object of a given kind at one of the API versions the component reads.

#include <string>
#include <string_view>
#include <vector>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::api {

// The parsed object, once it is an object whose `kind` is `kind` and whose `apiVersion` is one
// of `api_versions`; otherwise an error naming the offending field.
Result<Json> parseComponentConfig(std::string_view text, std::string_view kind,
                                  const std::vector<std::string>& api_versions);

}  // namespace orch::api
