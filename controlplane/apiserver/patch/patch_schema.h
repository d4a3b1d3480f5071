#pragma once
// The patch schema of the built-in kinds: per field path, how a strategic merge patch merges a
// list (k8s.io/apimachinery strategicpatch, from the `patchStrategy` / `patchMergeKey` struct
// tags) and how server-side apply treats it (structured-merge-diff, from the `+listType`,
// `+listMapKey`, `+structType` / `+mapType` markers).
//
// A schema is a small tree keyed by field name. Fields that are not in the tree use the
// defaults: objects merge recursively, lists are atomic (replaced as a whole).
// The tables are built once and shared (PodSpec, PodTemplateSpec, ObjectMeta subtrees are the
// same nodes in every kind); every node is immutable and safe to read from any thread.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/api/json_io.h"

namespace orch::apiserver::patch {

using Json = orch::api::Json;

// How server-side apply treats a list (the `+listType` marker).
enum class ListType {
  kAtomic,  // replaced as a whole, owned as one field
  kMap,     // associative: items identified by `list_keys`
  kSet,     // primitives identified by value
};

struct SchemaNode {
  // --- lists ---
  // Strategic merge patch: `patchStrategy:"merge"`. With an empty merge_key the list holds
  // primitives merged as a set (finalizers); otherwise objects merged by merge_key.
  bool smp_merge = false;
  std::string merge_key;
  // Server-side apply: list type and, for kMap, the key fields (in key order) with the default
  // of a key field an item may omit (ports' protocol defaults to "TCP").
  ListType list_type = ListType::kAtomic;
  std::vector<std::string> list_keys;
  std::vector<std::pair<std::string, Json>> key_defaults;
  // --- objects ---
  // `patchStrategy:"retainKeys"` (the object, or for a list each item): only consulted when
  // creating a patch; applying honours a `$retainKeys` directive wherever it appears.
  bool retain_keys = false;
  // `+structType=atomic` / `+mapType=atomic`: server-side apply owns it as one field.
  bool atomic = false;
  // Fields of the object, or for a list the fields of each item. Pointers to static nodes.
  std::map<std::string, const SchemaNode*, std::less<>> fields;

  // The node of a field, or nullptr when it has no schema (defaults apply).
  const SchemaNode* field(std::string_view name) const {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : it->second;
  }
};

// A kind's schema is the node of its top-level object.
using PatchSchema = SchemaNode;

// The schema of a built-in kind, or nullptr when there is none (custom resources: the registry
// answers 415 to a strategic merge patch as upstream does). `group` is "" for the core group.
const PatchSchema* patchSchemaFor(std::string_view group, std::string_view kind);

}  // namespace orch::apiserver::patch
