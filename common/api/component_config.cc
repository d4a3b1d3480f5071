#include "common/api/component_config.h"

#include <algorithm>

#include "common/api/yaml_json.h"

namespace orch::api {

Result<Json> parseComponentConfig(std::string_view text, std::string_view kind,
                                  const std::vector<std::string>& api_versions) {
  ORCH_ASSIGN_OR_RETURN(Json j, yamlToJson(text));
  if (!j.is_object()) {
    return Status::invalid("expected a " + std::string(kind) + " object, got " + jsonTypeName(j));
  }
  const FieldPath root;
  Reader r(j, root);
  std::string got_version, got_kind;
  ORCH_RETURN_IF_ERROR(r("apiVersion", got_version));
  ORCH_RETURN_IF_ERROR(r("kind", got_kind));
  if (got_kind != kind) {
    return fieldError(root.key("kind"),
                      "expected " + std::string(kind) + ", got \"" + got_kind + "\"");
  }
  if (std::find(api_versions.begin(), api_versions.end(), got_version) == api_versions.end()) {
    std::string expected;
    for (const auto& v : api_versions) expected += (expected.empty() ? "" : " or ") + v;
    return fieldError(root.key("apiVersion"),
                      "expected " + expected + ", got \"" + got_version + "\"");
  }
  return j;
}

}  // namespace orch::api
