#pragma once
// Field errors as upstream's k8s.io/apimachinery/pkg/util/validation/field: one error names
// the field path ("spec.containers[0].image"), the error type, the bad value (rendered as
// upstream renders it in the message) and a detail. invalidStatus() builds the 422
// metav1.Status kube-apiserver answers with (apierrors.NewInvalid).
//
// Plain data and pure functions; safe from any thread; nothing throws.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/json_io.h"

namespace orch::apiserver {

using Json = orch::api::Json;

struct FieldError {
  enum class Type {
    kRequired,
    kInvalid,
    kNotSupported,
    kDuplicate,
    kForbidden,
    kTooLong,
    kTooMany,
    kNotFound
  };
  Type type = Type::kInvalid;
  std::string field;   // "spec.containers[0].image"
  std::string value;   // the rendered bad value ("\"Foo\"", "70000"); "" when none
  std::string detail;  // extra explanation; for kNotSupported the list of supported values

  // The metav1 cause reason: "FieldValueRequired", "FieldValueInvalid", ...
  std::string reason() const;
  // The message as upstream's field.Error.ErrorBody(): "Required value",
  // "Invalid value: \"Foo\": a lowercase RFC 1123 ...", "Unsupported value: \"X\": supported
  // values: \"A\", \"B\"".
  std::string message() const;
  // "<field>: <message>" (field.Error.Error()).
  std::string toString() const;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};
using FieldErrors = std::vector<FieldError>;

// The 422 body kube-apiserver sends for an invalid object (apierrors.NewInvalid):
// {kind: Status, apiVersion: v1, metadata: {}, status: Failure, message: `Pod "web" is
// invalid: <aggregate>`, reason: Invalid, details: {name, group (omitted when core), kind,
// causes: [{reason, message, field}]}, code: 422}. The kind in the message is qualified by
// the group ("Deployment.apps"); the aggregate is the single error, or "[a, b]" with
// duplicate messages dropped (utilerrors.NewAggregate).
Json invalidStatus(std::string_view group, std::string_view kind, std::string_view name,
                   const FieldErrors& errs);

// The aggregate text of errs as upstream's ErrorList.ToAggregate().Error(); "" when empty.
std::string aggregateMessage(const FieldErrors& errs);

// ---- Constructors, mirroring field.Required/Invalid/... ----
namespace fe {

// Value renderings as Go's fmt does them in ErrorBody.
std::string quote(std::string_view s);                              // %q of a string
std::string quoteList(const std::vector<std::string>& v);           // []string{"a", "b"} (%#v)
std::string quoteMap(const std::map<std::string, std::string>& m);  // map[string]string{...}

FieldError required(std::string field, std::string detail = {});
FieldError forbidden(std::string field, std::string detail);
FieldError invalid(std::string field, std::string rendered_value, std::string detail);
// An invalid string value (rendered with %q).
FieldError invalidStr(std::string field, std::string_view value, std::string detail);
FieldError invalidInt(std::string field, int64_t value, std::string detail);
// supported: the values as they are; rendered quoted and joined by ", ".
FieldError notSupported(std::string field, std::string_view value,
                        const std::vector<std::string>& supported);
FieldError duplicate(std::string field, std::string rendered_value);
FieldError notFound(std::string field, std::string rendered_value);
// "may not be more than <max> bytes".
FieldError tooLong(std::string field, std::string rendered_value, int64_t max_bytes);
// "must have at most <max> items".
FieldError tooMany(std::string field, int64_t actual, int64_t max_items);

}  // namespace fe

// Field path rendering as field.Path: child "a.b", index "a[0]", key "a[key]".
inline std::string child(const std::string& p, std::string_view name) {
  return p.empty() ? std::string(name) : p + "." + std::string(name);
}
inline std::string index(const std::string& p, size_t i) {
  return p + "[" + std::to_string(i) + "]";
}
inline std::string key(const std::string& p, std::string_view k) {
  return p + "[" + std::string(k) + "]";
}

// Appends b to a.
inline void append(FieldErrors& a, FieldErrors b) {
  for (auto& e : b) a.push_back(std::move(e));
}

}  // namespace orch::apiserver
