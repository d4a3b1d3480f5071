#pragma once
// Small core/v1 reference and selector structs shared by several kinds.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/quantity.h"

namespace orch::api {

// The static traits of a top-level kind (see codec.h KindType).
#define ORCH_API_KIND(group, version, kind, plural, namespaced) \
  static constexpr std::string_view kGroup = group;             \
  static constexpr std::string_view kVersion = version;         \
  static constexpr std::string_view kKind = kind;               \
  static constexpr std::string_view kPlural = plural;           \
  static constexpr bool kNamespaced = namespaced

struct ObjectReference {
  std::string kind, namespace_ /* JSON "namespace" */, name, uid, apiVersion, resourceVersion;
  std::string fieldPath;
  Json unknown_fields;
};

struct LocalObjectReference {
  std::string name;
  Json unknown_fields;
};

// A file projected from a ConfigMap or Secret key.
struct KeyToPath {
  std::string key, path;
  std::optional<int32_t> mode;
  Json unknown_fields;
};

struct ObjectFieldSelector {
  std::string apiVersion, fieldPath;  // "metadata.name", "status.podIP", ...
  Json unknown_fields;
};

struct ResourceFieldSelector {
  std::string containerName, resource;  // "limits.cpu", "requests.memory", ...
  std::optional<Quantity> divisor;
  Json unknown_fields;
};

struct ConfigMapKeySelector {
  std::string name, key;
  std::optional<bool> optional;
  Json unknown_fields;
};

struct SecretKeySelector {
  std::string name, key;
  std::optional<bool> optional;
  Json unknown_fields;
};

ORCH_API_CODEC(ObjectReference);
ORCH_API_CODEC(LocalObjectReference);
ORCH_API_CODEC(KeyToPath);
ORCH_API_CODEC(ObjectFieldSelector);
ORCH_API_CODEC(ResourceFieldSelector);
ORCH_API_CODEC(ConfigMapKeySelector);
ORCH_API_CODEC(SecretKeySelector);

}  // namespace orch::api
