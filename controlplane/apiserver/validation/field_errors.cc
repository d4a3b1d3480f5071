#include "controlplane/apiserver/validation/field_errors.h"

#include "common/base/go_quote.h"

#include <cstdio>
#include <set>

#include "common/api/codec.h"
#include "common/api/status.h"

namespace orch::apiserver {

namespace {

const char* typeString(FieldError::Type t) {
  switch (t) {
    case FieldError::Type::kRequired:
      return "Required value";
    case FieldError::Type::kInvalid:
      return "Invalid value";
    case FieldError::Type::kNotSupported:
      return "Unsupported value";
    case FieldError::Type::kDuplicate:
      return "Duplicate value";
    case FieldError::Type::kForbidden:
      return "Forbidden";
    case FieldError::Type::kTooLong:
      return "Too long";
    case FieldError::Type::kTooMany:
      return "Too many";
    case FieldError::Type::kNotFound:
      return "Not found";
  }
  return "Internal error";
}

}  // namespace

std::string FieldError::reason() const {
  switch (type) {
    case Type::kRequired:
      return "FieldValueRequired";
    case Type::kInvalid:
      return "FieldValueInvalid";
    case Type::kNotSupported:
      return "FieldValueNotSupported";
    case Type::kDuplicate:
      return "FieldValueDuplicate";
    case Type::kForbidden:
      return "FieldValueForbidden";
    case Type::kTooLong:
      return "FieldValueTooLong";
    case Type::kTooMany:
      return "FieldValueTooMany";
    case Type::kNotFound:
      return "FieldValueNotFound";
  }
  return "InternalError";
}

std::string FieldError::message() const {
  std::string s = typeString(type);
  // Upstream leaves the value out of Required, Forbidden and TooLong errors.
  bool with_value = type != Type::kRequired && type != Type::kForbidden && type != Type::kTooLong &&
                    !value.empty();
  if (with_value) s += ": " + value;
  if (!detail.empty()) s += ": " + detail;
  return s;
}

std::string FieldError::toString() const {
  return field + ": " + message();
}

std::string aggregateMessage(const FieldErrors& errs) {
  if (errs.empty()) return "";
  if (errs.size() == 1) return errs[0].toString();
  std::set<std::string> seen;
  std::string out;
  for (const FieldError& e : errs) {
    std::string msg = e.toString();
    if (!seen.insert(msg).second) continue;
    if (seen.size() > 1) out += ", ";
    out += msg;
  }
  if (seen.size() == 1) return out;
  return "[" + out + "]";
}

Json invalidStatus(std::string_view group, std::string_view kind, std::string_view name,
                   const FieldErrors& errs) {
  std::string qualified(kind);
  if (!group.empty()) qualified += "." + std::string(group);
  std::string message = qualified + " " + fe::quote(name) + " is invalid";
  if (!errs.empty()) message += ": " + aggregateMessage(errs);
  api::ApiStatus st;
  st.status = "Failure";
  st.message = std::move(message);
  st.reason = "Invalid";
  st.code = 422;
  api::StatusDetails d;
  d.name = std::string(name);
  d.group = std::string(group);
  d.kind = std::string(kind);
  for (const FieldError& e : errs) {
    api::StatusCause c;
    c.reason = e.reason();
    c.message = e.message();
    c.field = e.field;
    d.causes.push_back(std::move(c));
  }
  st.details = std::move(d);
  Json j = api::encode(st);
  // metav1.Status always carries its (empty) ListMeta, as kube-apiserver writes it.
  if (!j.contains("metadata")) j["metadata"] = Json::object();
  return j;
}

namespace fe {

std::string quote(std::string_view s) {
  return goQuote(s);
}

std::string quoteList(const std::vector<std::string>& v) {
  std::string out = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote(v[i]);
  }
  return out + "}";
}

std::string quoteMap(const std::map<std::string, std::string>& m) {
  std::string out = "map[string]string{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ", ";
    first = false;
    out += quote(k) + ":" + quote(v);
  }
  return out + "}";
}

FieldError required(std::string field, std::string detail) {
  return {FieldError::Type::kRequired, std::move(field), "", std::move(detail)};
}
FieldError forbidden(std::string field, std::string detail) {
  return {FieldError::Type::kForbidden, std::move(field), "", std::move(detail)};
}
FieldError invalid(std::string field, std::string rendered_value, std::string detail) {
  return {FieldError::Type::kInvalid, std::move(field), std::move(rendered_value),
          std::move(detail)};
}
FieldError invalidStr(std::string field, std::string_view value, std::string detail) {
  return invalid(std::move(field), quote(value), std::move(detail));
}
FieldError invalidInt(std::string field, int64_t value, std::string detail) {
  return invalid(std::move(field), std::to_string(value), std::move(detail));
}
FieldError notSupported(std::string field, std::string_view value,
                        const std::vector<std::string>& supported) {
  std::string detail;
  if (!supported.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) detail += ", ";
      detail += quote(supported[i]);
    }
  }
  return {FieldError::Type::kNotSupported, std::move(field), quote(value), std::move(detail)};
}
FieldError duplicate(std::string field, std::string rendered_value) {
  return {FieldError::Type::kDuplicate, std::move(field), std::move(rendered_value), ""};
}
FieldError notFound(std::string field, std::string rendered_value) {
  return {FieldError::Type::kNotFound, std::move(field), std::move(rendered_value), ""};
}
FieldError tooLong(std::string field, std::string rendered_value, int64_t max_bytes) {
  return {
      FieldError::Type::kTooLong, std::move(field), std::move(rendered_value),
      "may not be more than " + std::to_string(max_bytes) + (max_bytes == 1 ? " byte" : " bytes")};
}
FieldError tooMany(std::string field, int64_t actual, int64_t max_items) {
  return {FieldError::Type::kTooMany, std::move(field), std::to_string(actual),
          "must have at most " + std::to_string(max_items) + " items"};
}

}  // namespace fe
}  // namespace orch::apiserver
