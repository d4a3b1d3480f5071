#pragma once
// metav1 object metadata shared by every kind: TypeMeta, ObjectMeta, OwnerReference, ListMeta.
// Plain data with JSON codecs (see json_io.h); unknown JSON keys are kept in unknown_fields.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/time.h"

namespace orch::api {

struct TypeMeta {
  std::string apiVersion, kind;
};

struct OwnerReference {
  std::string apiVersion, kind, name, uid;
  std::optional<bool> controller, blockOwnerDeletion;
  Json unknown_fields;
};

struct ObjectMeta {
  std::string name, generateName;
  std::string namespace_;  // JSON "namespace"
  std::string selfLink, uid, resourceVersion;
  int64_t generation = 0;
  // Written as null when unset, as upstream does (a non-pointer metav1.Time).
  std::optional<Time> creationTimestamp;
  std::optional<Time> deletionTimestamp;
  std::optional<int64_t> deletionGracePeriodSeconds;
  std::map<std::string, std::string> labels, annotations;
  std::vector<OwnerReference> ownerReferences;
  std::vector<std::string> finalizers;
  // Server-side-apply bookkeeping, kept verbatim (an array) so round trips lose nothing.
  Json managedFields;
  Json unknown_fields;
};

struct ListMeta {
  std::string selfLink, resourceVersion;
  std::string continue_;  // JSON "continue"
  std::optional<int64_t> remainingItemCount;
  Json unknown_fields;
};

Status decodeFields(Reader& r, OwnerReference& v);
void encodeFields(Writer& w, const OwnerReference& v);
Status decodeFields(Reader& r, ObjectMeta& v);
void encodeFields(Writer& w, const ObjectMeta& v);
Status decodeFields(Reader& r, ListMeta& v);
void encodeFields(Writer& w, const ListMeta& v);

// The controller owner reference (controller == true), or nullptr.
const OwnerReference* controllerOf(const ObjectMeta& m);

}  // namespace orch::api
