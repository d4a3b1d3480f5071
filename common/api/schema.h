#pragma once
// JSON-schema (OpenAPI) descriptions of the API types, derived from the same field lists that
// the codecs use (json_io.h ORCH_API_FIELDS). A third visitor, SchemaBuilder, walks a field
// list and records each field's schema from its C++ type:
//
//   std::string                 {"type": "string"}
//   bool                        {"type": "boolean"}
//   int32_t / int64_t           {"type": "integer", "format": "int32" | "int64"}
//   double                      {"type": "number", "format": "double"}
//   std::optional<T>            the schema of T
//   std::vector<T>              {"type": "array", "items": <T>}
//   std::map<std::string, T>    {"type": "object", "additionalProperties": <T>}
//   Json (free-form)            {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
//   a struct with a field list  {"$ref": "<prefix><name>"}, its definition added to the registry
//   Quantity, IntOrString, Time, MicroTime
//                               {"$ref": ...} to a definition with upstream's schema for
//                               resource.Quantity, intstr.IntOrString, metav1.Time/MicroTime
//
// Definitions are named by the registry's naming function from the C++ type name (the
// ORCH_API_FIELDS argument, e.g. "Container"), so the upstream names ("io.k8s.api.core.v1.
// Container") live with the code that publishes the documents, not with the types.
//
// This header is included by json_io.h and needs nothing from it but the container traits. Not
// thread-safe: a registry is built by one thread, then its definitions may be read (copied)
// anywhere.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/api/container_traits.h"
#include "common/base/status.h"

namespace orch::api {

class Quantity;
class IntOrString;
class Time;
class MicroTime;
class SchemaBuilder;

// Types whose headers declare their codec functions by hand instead of with ORCH_API_CODEC:
// their describeFields (defined by ORCH_API_FIELDS) is declared here so that the registry
// finds it from any translation unit.
struct OwnerReference;
struct ObjectMeta;
struct ListMeta;
struct LabelSelectorRequirement;
struct LabelSelector;
struct StatusCause;
struct StatusDetails;
struct ApiStatus;
void describeFields(SchemaBuilder& s, const OwnerReference*);
void describeFields(SchemaBuilder& s, const ObjectMeta*);
void describeFields(SchemaBuilder& s, const ListMeta*);
void describeFields(SchemaBuilder& s, const LabelSelectorRequirement*);
void describeFields(SchemaBuilder& s, const LabelSelector*);
void describeFields(SchemaBuilder& s, const StatusCause*);
void describeFields(SchemaBuilder& s, const StatusDetails*);
void describeFields(SchemaBuilder& s, const ApiStatus*);

namespace schema_detail {
// A struct with an ORCH_API_FIELDS field list.
template <class T>
concept Described = requires(SchemaBuilder& s, const T* p) {
  describeFields(s, p);
};
template <class>
inline constexpr bool kUnsupported = false;
}  // namespace schema_detail

// Collects the definitions of the structs reached from the types asked for.
class SchemaRegistry {
 public:
  struct Options {
    // C++ type name ("Container") → definition name; identity when empty.
    std::function<std::string(std::string_view)> name_of;
    // Prefix of every "$ref": "#/components/schemas/" (OpenAPI 3) or "#/definitions/" (2.0).
    std::string ref_prefix = "#/components/schemas/";
    // OpenAPI 3 describes Quantity and IntOrString with oneOf; Swagger 2.0 as strings.
    bool openapi_v3 = true;
  };
  explicit SchemaRegistry(Options opts);

  // The schema of a value of type T (see the top of this file); a struct's definition, and
  // those of the structs it reaches, are added on first use.
  template <class T>
  nlohmann::json schemaOf();
  // Adds T's definition (a struct with a field list) and returns its name.
  template <class T>
  std::string define();

  // Every definition so far, by name: {"type": "object", "properties": {...}} for structs.
  const std::map<std::string, nlohmann::json>& definitions() const { return definitions_; }
  std::map<std::string, nlohmann::json>& definitions() { return definitions_; }
  // The definition name of a C++ type name.
  std::string nameOf(std::string_view cpp_name) const;
  // "<prefix><name>".
  nlohmann::json ref(const std::string& name) const;
  // C++ type name of each definition made from a field list (for checks and tests).
  const std::map<std::string, std::string>& cppNames() const { return cpp_names_; }

 private:
  friend class SchemaBuilder;
  nlohmann::json scalarRef(std::string_view cpp_name);

  Options opts_;
  std::map<std::type_index, std::string> names_;  // described (or being described) structs
  std::map<std::string, nlohmann::json> definitions_;
  std::map<std::string, std::string> cpp_names_;  // definition name → C++ name
};

// The visitor of one struct's field list: the same calls as Reader and Writer (json_io.h).
class SchemaBuilder {
 public:
  SchemaBuilder(SchemaRegistry& registry, std::type_index type)
      : registry_(registry), type_(type) {}
  SchemaBuilder(const SchemaBuilder&) = delete;
  SchemaBuilder& operator=(const SchemaBuilder&) = delete;

  // Called first by the generated describeFields with the C++ type name: names the
  // definition (before the fields, so that a type reaching itself gets a $ref).
  void begin(std::string_view cpp_name);

  template <class T>
  Status operator()(std::string_view key, const T&) {
    add(key, registry_.schemaOf<T>());
    return Status::ok();
  }
  template <class T>
  Status always(std::string_view key, const T& v) {
    return (*this)(key, v);
  }
  template <class T>
  Status omitZero(std::string_view key, const T& v) {
    return (*this)(key, v);
  }
  template <class T>
  Status orNull(std::string_view key, const T& v) {
    return (*this)(key, v);
  }
  // A map of byte strings written as base64.
  Status base64Map(std::string_view key, const std::map<std::string, std::string>&);

  const std::string& name() const { return name_; }
  // {"type": "object", "properties": {...}} in field-list order (nlohmann sorts keys).
  nlohmann::json take() { return std::move(schema_); }

 private:
  void add(std::string_view key, nlohmann::json schema);

  SchemaRegistry& registry_;
  std::type_index type_;
  std::string name_;
  nlohmann::json schema_ = {{"type", "object"}, {"properties", nlohmann::json::object()}};
};

template <class T>
std::string SchemaRegistry::define() {
  static_assert(schema_detail::Described<T>, "define<T>: T has no ORCH_API_FIELDS field list");
  auto it = names_.find(std::type_index(typeid(T)));
  if (it != names_.end()) return it->second;
  SchemaBuilder b(*this, std::type_index(typeid(T)));
  describeFields(b, static_cast<const T*>(nullptr));
  std::string name = b.name();
  definitions_[name] = b.take();
  return name;
}

template <class T>
nlohmann::json SchemaRegistry::schemaOf() {
  using nlohmann::json;
  if constexpr (std::is_same_v<T, std::string>) {
    return json{{"type", "string"}};
  } else if constexpr (std::is_same_v<T, bool>) {
    return json{{"type", "boolean"}};
  } else if constexpr (std::is_integral_v<T>) {
    return json{{"type", "integer"}, {"format", sizeof(T) <= 4 ? "int32" : "int64"}};
  } else if constexpr (std::is_floating_point_v<T>) {
    return json{{"type", "number"}, {"format", "double"}};
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  } else if constexpr (std::is_same_v<T, Quantity>) {
    return scalarRef("Quantity");
  } else if constexpr (std::is_same_v<T, IntOrString>) {
    return scalarRef("IntOrString");
  } else if constexpr (std::is_same_v<T, Time>) {
    return scalarRef("Time");
  } else if constexpr (std::is_same_v<T, MicroTime>) {
    return scalarRef("MicroTime");
  } else if constexpr (detail::IsOptional<T>::value) {
    return schemaOf<typename T::value_type>();
  } else if constexpr (detail::IsVector<T>::value) {
    return json{{"type", "array"}, {"items", schemaOf<typename T::value_type>()}};
  } else if constexpr (detail::IsStringMap<T>::value) {
    return json{{"type", "object"}, {"additionalProperties", schemaOf<typename T::mapped_type>()}};
  } else if constexpr (schema_detail::Described<T>) {
    return ref(define<T>());
  } else {
    static_assert(schema_detail::kUnsupported<T>,
                  "schemaOf<T>: no JSON schema for this field type; add it to common/api/schema.h");
    return json();
  }
}

}  // namespace orch::api
