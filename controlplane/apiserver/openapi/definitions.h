#pragma once
// The OpenAPI definitions (schemas) of every served kind and of everything it reaches, derived
// from the orch::api field lists (common/api/schema.h) and named, described and annotated as
// upstream names them (schema_tables.h): "io.k8s.api.core.v1.Pod", its "PodList",
// "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", ... plus the meta types the operations
// use (Status, DeleteOptions, Patch, WatchEvent).
//
// Pure functions of the compiled-in types; the result is a value, safe to share read-only.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace orch::apiserver::openapi {

enum class Flavor {
  kV2,  // Swagger 2.0: refs "#/definitions/<name>", Quantity/IntOrString as strings
  kV3,  // OpenAPI 3.0: refs "#/components/schemas/<name>", oneOf for Quantity/IntOrString
};

// "#/definitions/" or "#/components/schemas/".
const char* refPrefix(Flavor f);

struct KindSchema {
  std::string group, version, kind;
  std::string definition;       // "io.k8s.api.core.v1.Pod"
  std::string list_definition;  // "io.k8s.api.core.v1.PodList"
};

struct Definitions {
  Flavor flavor = Flavor::kV3;
  std::map<std::string, nlohmann::json> schemas;  // definition name → schema
  std::vector<KindSchema> kinds;                  // every kind orch::api models
  // Names of the meta definitions the operations refer to.
  std::string status, delete_options, patch, watch_event;

  // The kind `kind` of group/version, or nullptr when orch::api does not model it.
  const KindSchema* findKind(const std::string& group, const std::string& version,
                             const std::string& kind) const;
  // {"$ref": "<prefix><name>"}.
  nlohmann::json ref(const std::string& name) const;
};

// Builds every definition. Deterministic: the same types give the same bytes.
Definitions buildDefinitions(Flavor flavor);

// The names of the definitions `root` refers to ("$ref" anywhere inside it), followed
// transitively through `defs`; the names themselves are included.
std::vector<std::string> referencedDefinitions(const Definitions& defs, const nlohmann::json& root);

}  // namespace orch::apiserver::openapi
