#include "common/api/schema.h"

namespace orch::api {

using nlohmann::json;

SchemaRegistry::SchemaRegistry(Options opts) : opts_(std::move(opts)) {}

std::string SchemaRegistry::nameOf(std::string_view cpp_name) const {
  if (opts_.name_of) return opts_.name_of(cpp_name);
  return std::string(cpp_name);
}

json SchemaRegistry::ref(const std::string& name) const {
  return json{{"$ref", opts_.ref_prefix + name}};
}

json SchemaRegistry::scalarRef(std::string_view cpp_name) {
  std::string name = nameOf(cpp_name);
  if (definitions_.count(name) != 0) return ref(name);
  json def;
  // The schemas upstream's generator emits for these types (their OpenAPIDefinition /
  // OpenAPIV3Definition hooks).
  if (cpp_name == "Quantity") {
    def = {{"description",
            "Quantity is a fixed-point representation of a number. It provides convenient "
            "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() "
            "accessors.\n\nThe serialization format is:\n\n``` <quantity>        ::= "
            "<signedNumber><suffix>\n```\n\nExamples: 100m (0.1), 1Gi, 500M, 2."}};
    if (opts_.openapi_v3) {
      def["oneOf"] = json::array({json{{"type", "string"}}, json{{"type", "number"}}});
    } else {
      def["type"] = "string";
    }
  } else if (cpp_name == "IntOrString") {
    def = {{"description",
            "IntOrString is a type that can hold an int32 or a string.  When used in JSON or "
            "YAML marshalling and unmarshalling, it produces or consumes the inner type.  This "
            "allows you to have, for example, a JSON field that can accept a name or number."},
           {"format", "int-or-string"}};
    if (opts_.openapi_v3) {
      def["oneOf"] = json::array({json{{"type", "integer"}}, json{{"type", "string"}}});
    } else {
      def["type"] = "string";
    }
  } else if (cpp_name == "Time") {
    def = {{"description",
            "Time is a wrapper around time.Time which supports correct marshaling to YAML and "
            "JSON.  Wrappers are provided for many of the factory methods that the time "
            "package offers."},
           {"type", "string"},
           {"format", "date-time"}};
  } else {  // MicroTime
    def = {{"description", "MicroTime is version of Time with microsecond level precision."},
           {"type", "string"},
           {"format", "date-time"}};
  }
  definitions_[name] = std::move(def);
  cpp_names_[name] = std::string(cpp_name);
  return ref(name);
}

void SchemaBuilder::begin(std::string_view cpp_name) {
  name_ = registry_.nameOf(cpp_name);
  registry_.names_[type_] = name_;
  registry_.cpp_names_[name_] = std::string(cpp_name);
}

void SchemaBuilder::add(std::string_view key, json schema) {
  schema_["properties"][std::string(key)] = std::move(schema);
}

Status SchemaBuilder::base64Map(std::string_view key, const std::map<std::string, std::string>&) {
  add(key, json{{"type", "object"},
                {"additionalProperties", json{{"type", "string"}, {"format", "byte"}}}});
  return Status::ok();
}

}  // namespace orch::api
