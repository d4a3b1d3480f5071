#pragma once
// Strategic merge patch (Content-Type application/strategic-merge-patch+json), as
// k8s.io/apimachinery/pkg/util/strategicpatch applies it.
//
// Maps merge recursively and a null value deletes a key. A list whose schema node has
// smp_merge merges: lists of objects by the node's merge_key (a patch item updates the item with
// the same key or is added), lists of primitives as a set union. Any other list, and any value
// whose type differs from the original's, is replaced by the patch value.
// Directives:
//   {"$patch": "replace"} in a map: the map becomes the patch (without the directive);
//   {"$patch": "delete"} in a map: the map becomes empty ({}), or is not created;
//   {"$patch": "merge"} in a map: the default;
//   list item {"<key>": v, "$patch": "delete"}: removes the item with that key;
//   list item {"$patch": "replace"}: the list becomes the patch's other items;
//   list item {"<key>": v, "$patch": "merge"}: an ordinary item (upstream rejects it);
//   "$deleteFromPrimitiveList/<field>": [values]: removes those values from a primitive list;
//   "$setElementOrder/<field>": [items]: the order of the merged list's patched items;
//   "$retainKeys": [fields]: drops every key of the original map not listed (and rejects a
//   patch key that is not listed).
// The merged order follows upstream: items named by the patch (or $setElementOrder) in that
// order, interleaved with the server-only items at their original positions.

#include "common/api/json_io.h"
#include "common/base/status.h"
#include "controlplane/apiserver/patch/patch_schema.h"

namespace orch::apiserver::patch {

// Applies `patch` to `doc` (both JSON objects) with the kind's `schema`.
// Errors: EINVAL with the field path ("spec.containers[2]: ...") for a non-object doc/patch,
// an unknown $patch value, a list item missing its merge key, ill-typed directives, a key
// outside $retainKeys. Pure, thread-safe, never throws.
Result<Json> applyStrategicMergePatch(const Json& doc, const Json& patch,
                                      const PatchSchema& schema);

}  // namespace orch::apiserver::patch

namespace orch::apiserver::patch {

// The two-way strategic merge patch from `original` to `modified` (both objects), as upstream's
// CreateTwoWayMergePatch: changed keys, null for removed keys, merge lists as changed items plus
// {"<key>": v, "$patch": "delete"} for removed ones, primitive merge lists as added values plus
// "$deleteFromPrimitiveList/<field>", "$setElementOrder/<field>" for every changed merge list,
// "$retainKeys" in changed retainKeys objects. applyStrategicMergePatch(original, result)
// yields `modified` (save for explicit nulls in `modified`).
// Errors: EINVAL for a non-object input or a merge list item without its merge key.
// Pure, thread-safe, never throws.
Result<Json> createStrategicMergePatch(const Json& original, const Json& modified,
                                       const PatchSchema& schema);

}  // namespace orch::apiserver::patch
