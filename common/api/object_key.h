#pragma once
// Cache keys for objects, as client-go's MetaNamespaceKeyFunc / SplitMetaNamespaceKey.

#include <string>
#include <string_view>
#include <utility>

#include "common/api/meta.h"
#include "common/base/status.h"

namespace orch::api {

// "namespace/name", or "name" for a cluster-scoped object (empty namespace).
std::string objectKey(const ObjectMeta& m);
std::string objectKey(std::string_view namespace_, std::string_view name);
// The inverse: {namespace, name}; EINVAL for a key with more than one '/' or an empty part.
Result<std::pair<std::string, std::string>> splitObjectKey(std::string_view key);

}  // namespace orch::api
