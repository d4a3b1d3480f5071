#pragma once
// Where and how objects live in the store: key layout and the stored encoding.
//
// Keys: "/registry/<plural>/<namespace>/<name>" for the core group, "/registry/<group>/<plural>/
// <namespace>/<name>" otherwise; cluster-scoped kinds have no namespace segment. Values are the
// object's compact JSON without metadata.resourceVersion, which is always the key-value's
// mod_revision (set on the way out).

#include <string>
#include <string_view>

#include "common/api/json_io.h"
#include "common/api/label_selector.h"
#include "common/base/status.h"
#include "controlplane/apiserver/resources.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

// "/registry/pods/" — every object of the resource.
std::string resourcePrefix(const ResourceInfo& r);
// "/registry/pods/<ns>/" for a namespaced resource with a namespace, else resourcePrefix().
std::string collectionPrefix(const ResourceInfo& r, std::string_view ns);
// "/registry/pods/<ns>/<name>".
std::string objectKey(const ResourceInfo& r, std::string_view ns, std::string_view name);

// The object of a stored key-value, with metadata.resourceVersion = its mod_revision.
// EIO when the stored bytes are not a JSON object (a corrupt store).
Result<api::Json> decodeStored(const store::KeyValue& kv);
// The bytes to store for `obj` (resourceVersion left out).
std::string encodeForStore(api::Json obj);

// Small accessors of an object's metadata as JSON ("" / 0 when absent or mistyped).
std::string metaString(const api::Json& obj, const char* field);
int64_t metaInt(const api::Json& obj, const char* field);
// metadata.resourceVersion parsed; 0 when absent, -1 when not a number.
int64_t resourceVersionOf(const api::Json& obj);
// metadata.labels (string values only).
api::Labels labelsOf(const api::Json& obj);
// Sets metadata.resourceVersion.
void setResourceVersion(api::Json& obj, int64_t rv);

}  // namespace orch::apiserver

namespace orch::apiserver {

// The JSON text of a stored value with metadata.resourceVersion = `rv`, without parsing it:
// stored values are our own compact dumps, whose first `"metadata":{` is the object's
// metadata. Falls back to parse-and-dump for anything else.
std::string storedTextWithVersion(const std::string& value, int64_t rv);

}  // namespace orch::apiserver
