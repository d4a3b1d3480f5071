#pragma once
// RFC 7386 JSON Merge Patch (Content-Type application/merge-patch+json).

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::apiserver::patch {

using Json = orch::api::Json;

// RFC 7386 MergePatch(target, patch) for any JSON values: a non-object patch replaces the
// target, null members delete keys, objects merge recursively. Never fails.
Json mergePatchValue(const Json& target, const Json& patch);

// Applies a merge patch to an API object: both `doc` and `patch` must be JSON objects (as
// upstream, which rejects any other patch body). Errors: EINVAL naming which is not an object.
// Pure, thread-safe, never throws.
Result<Json> applyMergePatch(const Json& doc, const Json& patch);

}  // namespace orch::apiserver::patch
