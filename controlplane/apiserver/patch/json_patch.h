#pragma once
// RFC 6902 JSON Patch (Content-Type application/json-patch+json).

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::apiserver::patch {

using Json = orch::api::Json;

// Applies `patch` (an array of operations: add, remove, replace, move, copy, test) to `doc`
// and returns the result; `doc` is not modified. JSON pointers use the ~0 / ~1 escapes and "-"
// for the end of an array (add only). Operations apply in order; the first that fails stops
// the patch.
// Errors (EINVAL), naming the operation index and path:
//   - malformed patch: not an array, an operation not an object, missing/ill-typed op, path,
//     from or value, unknown op, bad pointer syntax;
//   - a path that does not exist: "jsonpatch remove operation does not apply: doc is missing
//     path: /spec/x (operation 1)";
//   - a failed test: "testing value /spec/x failed: test failed (operation 0)".
// Pure, thread-safe, never throws.
Result<Json> applyJsonPatch(const Json& doc, const Json& patch);

}  // namespace orch::apiserver::patch
