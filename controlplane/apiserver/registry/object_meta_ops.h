#pragma once
// Small operations on an object's JSON that the REST storage needs: generated names and
// uids, comparisons that ignore what a write always changes, and deletion timestamps.

#include <cstdint>
#include <string>

#include "common/api/json_io.h"

namespace orch::apiserver {

// A random RFC 4122 version 4 UUID ("6ba7b810-9dad-41d1-80b4-00c04fd430c8").
std::string newUid();
// `prefix` + 5 characters from upstream's alphabet ("bcdfghjklmnpqrstvwxz2456789").
std::string generateName(const std::string& prefix);
// True when a and b differ only in metadata.resourceVersion and managedFields times.
bool sameObject(const api::Json& a, const api::Json& b);
// True when a and b differ outside metadata and status (a spec change bumps generation).
bool specChanged(const api::Json& a, const api::Json& b);
// The metadata object of `obj`, created when missing or not an object.
api::Json& metadataOf(api::Json& obj);
// Copies field `key` of old.metadata into obj.metadata (erasing it when old lacks it).
void keepMetadataField(api::Json& obj, const api::Json& old, const char* key);
// RFC 3339 (seconds) of `base` + `seconds` ("base" is RFC 3339 too; returned as is when it
// does not parse).
std::string addSeconds(const std::string& base, int64_t seconds);

}  // namespace orch::apiserver
