#pragma once
// metav1.Status: the body of API errors (and of some successful deletes), and the object of
// a watch ERROR event. Named ApiStatus to keep it apart from orch::Status.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/meta.h"

namespace orch::api {

struct StatusCause {
  std::string reason;  // "FieldValueInvalid", ...
  std::string message;
  std::string field;  // "spec.containers[0].image"
  Json unknown_fields;
};

struct StatusDetails {
  std::string name, group, kind, uid;
  std::vector<StatusCause> causes;
  int32_t retryAfterSeconds = 0;  // omitted when 0
  Json unknown_fields;
};

struct ApiStatus {
  static constexpr std::string_view kGroup = "";
  static constexpr std::string_view kVersion = "v1";
  static constexpr std::string_view kKind = "Status";
  static constexpr std::string_view kPlural = "status";
  static constexpr bool kNamespaced = false;

  std::string apiVersion, kind;
  ListMeta metadata;
  std::string status;   // "Success" or "Failure"
  std::string message;  // human-readable
  std::string reason;   // "NotFound", "Conflict", "AlreadyExists", "Invalid", "Gone", ...
  std::optional<StatusDetails> details;
  int32_t code = 0;  // HTTP status code; omitted when 0
  Json unknown_fields;
};

Status decodeFields(Reader& r, StatusCause& v);
void encodeFields(Writer& w, const StatusCause& v);
Status decodeFields(Reader& r, StatusDetails& v);
void encodeFields(Writer& w, const StatusDetails& v);
Status decodeFields(Reader& r, ApiStatus& v);
void encodeFields(Writer& w, const ApiStatus& v);

// A Failure status as the apiserver writes it: {kind: Status, apiVersion: v1, status:
// Failure, message, reason, code, details{name, kind, group} when name or kind is set}.
ApiStatus failureStatus(int32_t code, std::string reason, std::string message,
                        std::string name = {}, std::string kind = {}, std::string group = {});

}  // namespace orch::api
