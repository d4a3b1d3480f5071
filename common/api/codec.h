#pragma once
// The public JSON codec of the Kubernetes types: decode/encode between nlohmann::json and the
// structs of this directory, parse/serialize to and from JSON text.
//
// - decode<T>() fails with Status EINVAL whose context names the field path
//   ("spec.containers[0].ports[1].containerPort: expected integer, got string").
// - Keys a type does not know are kept in the struct's `unknown_fields` and written back by
//   encode(), so decode → modify → encode loses nothing.
// - Optional fields are left out when unset (omitempty as upstream).
// - encode() of a top-level kind (a type with kKind traits) fills apiVersion/kind from the
//   traits when they are empty; nested objects are written as they are.
// Nothing here throws (nlohmann exceptions are caught here); all functions are reentrant.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::api {

// A top-level kind: has the static traits kGroup, kVersion, kKind, kPlural, kNamespaced.
template <class T>
concept KindType = requires {
  { T::kGroup } -> std::convertible_to<std::string_view>;
  { T::kVersion } -> std::convertible_to<std::string_view>;
  { T::kKind } -> std::convertible_to<std::string_view>;
  { T::kPlural } -> std::convertible_to<std::string_view>;
  { T::kNamespaced } -> std::convertible_to<bool>;
};

// "v1" for the core group, "<group>/<version>" otherwise ("apps/v1").
template <KindType T>
std::string apiVersionOf() {
  if (T::kGroup.empty()) return std::string(T::kVersion);
  return std::string(T::kGroup) + "/" + std::string(T::kVersion);
}

// List<T> of a kind (see list.h).
template <class T>
concept ListOfKind = requires {
  typename T::ItemType;
}
&&KindType<typename T::ItemType>;

namespace detail {
Result<Json> parseJsonText(std::string_view text);
std::string dumpCompact(const Json& j);
}  // namespace detail

template <class T>
Result<T> decode(const Json& j) {
  T v{};
  ORCH_RETURN_IF_ERROR(decodeValue(j, FieldPath(), v));
  return v;
}

template <class T>
Json encode(const T& v) {
  Json j = encodeValue(v);
  if constexpr (KindType<T>) {
    if (v.apiVersion.empty()) j["apiVersion"] = apiVersionOf<T>();
    if (v.kind.empty()) j["kind"] = std::string(T::kKind);
  } else if constexpr (ListOfKind<T>) {
    // List<T>: "v1" / "PodList".
    if (v.apiVersion.empty()) j["apiVersion"] = apiVersionOf<typename T::ItemType>();
    if (v.kind.empty()) j["kind"] = std::string(T::ItemType::kKind) + "List";
  }
  return j;
}

// As decode(), but a key that a type does not know is an error naming its path (the
// apiserver's strict field validation) instead of being kept in unknown_fields.
template <class T>
Result<T> decodeStrict(const Json& j) {
  StrictDecoding strict;
  return decode<T>(j);
}

// Parses JSON text, then decodes it. Malformed JSON is EINVAL with the parser's position.
template <class T>
Result<T> parse(std::string_view json_text) {
  ORCH_ASSIGN_OR_RETURN(Json j, detail::parseJsonText(json_text));
  return decode<T>(j);
}

// Compact JSON text (invalid UTF-8 in strings is replaced by U+FFFD rather than throwing).
template <class T>
std::string serialize(const T& v) {
  return detail::dumpCompact(encode(v));
}

}  // namespace orch::api
