#pragma once
// Field ownership sets in the FieldsV1 format of metav1.ManagedFieldsEntry, as
// sigs.k8s.io/structured-merge-diff computes them, and the managedFields entry codec.
//
// A path is a list of elements: "f:<field>" (an object field), "k:{...}" (an associative list
// item, by its key fields as compact JSON with sorted keys), "v:<json>" (a set item, by value),
// "i:<n>" (a list index). In FieldsV1 JSON every element is an object key; a member path with
// no members below it is {}, one with members below carries "." for itself.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/json_io.h"
#include "common/base/status.h"
#include "controlplane/apiserver/patch/patch_schema.h"

namespace orch::apiserver::patch {

using FieldPath = std::vector<std::string>;

// A set of field paths. Value type; not synchronized (each caller owns its sets).
class FieldSet {
 public:
  // Parses a fieldsV1 object. Errors: EINVAL for a non-object node or an unknown element prefix.
  static Result<FieldSet> fromJson(const Json& fields_v1);
  Json toJson() const;

  bool empty() const { return !member_ && children_.empty(); }
  // Adds `path` (ignored when empty: the root is never a member).
  void insert(const FieldPath& path);
  bool contains(const FieldPath& path) const;
  // True when `path` or anything below it is a member.
  bool containsPrefix(const FieldPath& path) const;
  FieldSet unionWith(const FieldSet& o) const;
  FieldSet difference(const FieldSet& o) const;
  FieldSet intersection(const FieldSet& o) const;
  // Every member path, in element order.
  std::vector<FieldPath> members() const;

  bool operator==(const FieldSet& o) const = default;

 private:
  void collect(FieldPath& prefix, std::vector<FieldPath>& out) const;
  bool member_ = false;
  std::map<std::string, FieldSet> children_;
};

// ".spec.containers[name=\"app\"].image", as upstream prints a path in conflicts.
std::string pathString(const FieldPath& path);

// The element of an associative list item ("k:{...}"), from the list node's list_keys (a
// missing key takes its key_defaults value). Errors: EINVAL naming the missing key field.
Result<std::string> itemElement(const Json& item, const SchemaNode& list);

enum class SetMode {
  kApply,   // what an applied configuration sets: leaves, list items, empty objects/lists
  kUpdate,  // what a write added: also each added object/list itself ("."), except the
            // top-level metadata/spec/status (always present upstream, never "added")
  kAll,     // every path of the value (to take a removed subtree away from every owner)
};

// The fields `value` sets, below `path`. Associative list items without their keys are an
// EINVAL error in kApply mode and make the list atomic otherwise.
Status collectFields(const Json& value, const SchemaNode* node, SetMode mode, FieldPath& path,
                     FieldSet& out);

// What changed between two objects: `changed` = added or modified paths, `removed` = paths that
// disappeared (their whole subtree).
struct FieldDiff {
  FieldSet changed;
  FieldSet removed;
};
FieldDiff compareFields(const Json& old_obj, const Json& new_obj, const SchemaNode* schema);

// One metav1.ManagedFieldsEntry.
struct ManagedFieldsEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string time;  // RFC 3339, may be empty
  std::string subresource;
  FieldSet fields;

  // Upstream's manager identity: manager, operation, subresource, and the apiVersion for
  // Update entries only (an applier keeps one entry across versions).
  bool sameManager(const ManagedFieldsEntry& o) const;
  // `"name"`, `"name" using apps/v1`, `"name" with subresource "status" using v1`.
  std::string describe() const;
};

// metadata.managedFields of `obj` (none when absent). Errors: EINVAL naming the entry.
Result<std::vector<ManagedFieldsEntry>> decodeManagedFields(const Json& obj);
// The JSON list, entries with an empty set dropped, sorted as upstream (Apply before Update,
// then by time, manager, apiVersion, subresource).
Json encodeManagedFields(std::vector<ManagedFieldsEntry> entries);

}  // namespace orch::apiserver::patch
