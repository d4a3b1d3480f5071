#pragma once
// The fields a kind can be selected by (fieldSelector), with their values as upstream's
// <kind>ToSelectableFields compute them: every kind has metadata.name and metadata.namespace;
// pods add spec.nodeName, status.phase and more; events their involvedObject fields, ...

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/field_selector.h"
#include "common/api/json_io.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

// The selectable fields of resource `r`.
std::vector<std::string> selectableFields(const ResourceInfo& r);
// The value of selectable field `field` of `obj` ("" when the object does not set it,
// "false" for an unset boolean field); nullopt when `field` is not selectable for `r`.
std::optional<std::string> selectableFieldValue(const ResourceInfo& r, const api::Json& obj,
                                                std::string_view field);
// True when `obj` matches `sel` (every field of `sel` must be selectable; see list_options).
bool matchesFields(const ResourceInfo& r, const api::Json& obj, const api::FieldSelector& sel);

}  // namespace orch::apiserver
