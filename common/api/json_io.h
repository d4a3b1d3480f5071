#pragma once
// The building blocks of the per-type JSON codecs: a FieldPath that names the value being
// decoded (built only when an error is reported), a Reader that reads the fields of one JSON
// object and collects the keys it did not read, and a Writer that writes fields with the
// upstream omitempty rules.
//
// A struct that maps a JSON object provides, next to its declaration (found by ADL):
//   Status decodeFields(Reader& r, T& v);     // r("name", v.name) for every known field
//   void encodeFields(Writer& w, const T& v); // w("name", v.name) for every known field
// and has a member `nlohmann::json unknown_fields`. decodeValue/encodeValue then handle the
// object check and the unknown fields. A scalar type that is not an object (Quantity,
// IntOrString, Time) provides instead:
//   Status decodeJson(const nlohmann::json& j, const FieldPath& p, T& v);
//   nlohmann::json encodeJson(const T& v);
//   bool isEmptyJson(const T& v);             // optional: for omitempty
//
// Errors: every decode error is Status EINVAL whose context is "<field path>: <what>", for
// example "spec.containers[0].ports[1].containerPort: expected integer, got string".
// JSON null is treated as absent for every field (as Go's encoding/json does).
// Nothing here throws; nothing here is shared between threads.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/api/container_traits.h"
#include "common/api/schema.h"
#include "common/base/base64.h"
#include "common/base/status.h"

namespace orch::api {

using Json = nlohmann::json;

// A path from the root of the decoded document, as a chain of stack frames. Cheap to build:
// it holds views and a parent pointer, and renders only in error messages.
class FieldPath {
 public:
  FieldPath() = default;  // the root
  FieldPath key(std::string_view k) const { return FieldPath(this, k, kNoIndex); }
  FieldPath index(size_t i) const { return FieldPath(this, {}, i); }
  // "spec.containers[0].name"; "" for the root.
  std::string str() const;

 private:
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);
  FieldPath(const FieldPath* parent, std::string_view k, size_t i)
      : parent_(parent), key_(k), index_(i) {}
  const FieldPath* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = kNoIndex;
};

// Status EINVAL "<path>: <what>" (just "<what>" at the root).
Status fieldError(const FieldPath& path, std::string_view what);
// "expected <expected>, got <type of j>".
Status typeError(const FieldPath& path, std::string_view expected, const Json& j);
// "string", "integer", "number", "boolean", "object", "array", "null".
const char* jsonTypeName(const Json& j);

// Scalar decoders used by decodeValue.
Status decodeString(const Json& j, const FieldPath& p, std::string& out);
Status decodeBool(const Json& j, const FieldPath& p, bool& out);
Status decodeInt(const Json& j, const FieldPath& p, int64_t min, int64_t max, int64_t& out);
Status decodeDouble(const Json& j, const FieldPath& p, double& out);

// Base64 of byte fields (Secret.data, ...): common/base's.
using ::orch::base64Decode;
using ::orch::base64Encode;

class Reader;
class Writer;

namespace detail {

template <class T>
concept ObjectCodec = requires(Reader& r, Writer& w, T& v, const T& cv) {
  { decodeFields(r, v) } -> std::same_as<Status>;
  encodeFields(w, cv);
  v.unknown_fields;
};
template <class T>
concept EmptyCheck = requires(const T& v) {
  { isEmptyJson(v) } -> std::same_as<bool>;
};
}  // namespace detail

template <class T>
Status decodeValue(const Json& j, const FieldPath& p, T& out);
template <class T>
Json encodeValue(const T& v);

// Strict field validation: while a StrictDecoding is alive on this thread, a key that a type
// does not know is an error ("spec.containers[0].imagePolicy: unknown field") instead of
// being kept in unknown_fields.
class StrictDecoding {
 public:
  StrictDecoding();
  ~StrictDecoding();
  StrictDecoding(const StrictDecoding&) = delete;
  StrictDecoding& operator=(const StrictDecoding&) = delete;
  static bool active();

 private:
  bool prev_;
};

// Reads the fields of one JSON object. Construct only with an object.
class Reader {
 public:
  Reader(const Json& obj, const FieldPath& path) : obj_(obj), path_(path) {}
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Decodes field `key` into `out` when present and not null; leaves `out` alone otherwise.
  template <class T>
  Status operator()(std::string_view key, T& out) {
    auto it = obj_.find(key);
    if (it == obj_.end()) return Status::ok();
    ++found_;
    known_.push_back(key);
    if (it->is_null()) return Status::ok();
    return decodeValue(*it, path_.key(key), out);
  }
  // The Writer's variants decode like operator(), so one field list serves both directions.
  template <class T>
  Status always(std::string_view key, T& out) {
    return (*this)(key, out);
  }
  template <class T>
  Status omitZero(std::string_view key, T& out) {
    return (*this)(key, out);
  }
  template <class T>
  Status orNull(std::string_view key, T& out) {
    return (*this)(key, out);
  }
  // A map of byte strings written as base64 (Secret.data, ConfigMap.binaryData).
  Status base64Map(std::string_view key, std::map<std::string, std::string>& out);
  // Marks `key` as known without decoding it (the caller handles it through raw()).
  const Json* take(std::string_view key);
  const Json& raw() const { return obj_; }
  const FieldPath& path() const { return path_; }
  // The keys that no operator()/take() asked for, as an object; null when there are none.
  Json unknown() const;

 private:
  const Json& obj_;
  const FieldPath& path_;
  size_t found_ = 0;
  std::vector<std::string_view> known_;
};

// Writes fields into one JSON object.
class Writer {
 public:
  explicit Writer(Json& obj) : obj_(obj) {}

  // omitempty as upstream: leaves out empty strings, vectors and maps, unset optionals, null
  // raw JSON and scalar types whose isEmptyJson() says so. Numbers, bools and structs are
  // always written (use omitZero for omitempty numbers and bools).
  template <class T>
  Status operator()(std::string_view key, const T& v) {
    if (!isEmpty(v)) obj_[std::string(key)] = encodeValue(v);
    return Status::ok();
  }
  // Writes even an empty value (upstream fields without omitempty).
  template <class T>
  Status always(std::string_view key, const T& v) {
    obj_[std::string(key)] = encodeValue(v);
    return Status::ok();
  }
  // Leaves out a number or bool equal to its zero value.
  template <class T>
  Status omitZero(std::string_view key, const T& v) {
    if (!(v == T{})) obj_[std::string(key)] = encodeValue(v);
    return Status::ok();
  }
  // Writes null for an unset optional (upstream non-pointer metav1.Time fields).
  template <class T>
  Status orNull(std::string_view key, const std::optional<T>& v) {
    obj_[std::string(key)] = v ? encodeValue(*v) : Json(nullptr);
    return Status::ok();
  }
  // A map of byte strings written as base64; left out when empty.
  Status base64Map(std::string_view key, const std::map<std::string, std::string>& v);
  Json& raw() { return obj_; }
  // Adds the unknown fields back, never overwriting a known one.
  void merge(const Json& unknown);

 private:
  template <class T>
  static bool isEmpty(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      return v.empty();
    } else if constexpr (std::is_same_v<T, Json>) {
      return v.is_null();
    } else if constexpr (detail::IsOptional<T>::value) {
      return !v.has_value();
    } else if constexpr (detail::IsVector<T>::value || detail::IsStringMap<T>::value) {
      return v.empty();
    } else if constexpr (detail::EmptyCheck<T>) {
      return isEmptyJson(v);
    } else {
      return false;
    }
  }
  Json& obj_;
};

// Decodes any supported value: std::string, bool, integers (range-checked), double, Json
// (kept raw), std::optional<T>, std::vector<T>, std::map<std::string, T>, object codecs and
// scalar codecs (see the top of this file).
template <class T>
Status decodeValue(const Json& j, const FieldPath& p, T& out) {
  if constexpr (std::is_same_v<T, std::string>) {
    return decodeString(j, p, out);
  } else if constexpr (std::is_same_v<T, bool>) {
    return decodeBool(j, p, out);
  } else if constexpr (std::is_integral_v<T>) {
    int64_t v = 0;
    ORCH_RETURN_IF_ERROR(decodeInt(j, p, std::numeric_limits<T>::min(),
                                   static_cast<int64_t>(std::numeric_limits<T>::max()), v));
    out = static_cast<T>(v);
    return Status::ok();
  } else if constexpr (std::is_floating_point_v<T>) {
    double v = 0;
    ORCH_RETURN_IF_ERROR(decodeDouble(j, p, v));
    out = static_cast<T>(v);
    return Status::ok();
  } else if constexpr (std::is_same_v<T, Json>) {
    out = j;
    return Status::ok();
  } else if constexpr (detail::IsOptional<T>::value) {
    if (j.is_null()) {
      out.reset();
      return Status::ok();
    }
    typename T::value_type v{};
    ORCH_RETURN_IF_ERROR(decodeValue(j, p, v));
    out = std::move(v);
    return Status::ok();
  } else if constexpr (detail::IsVector<T>::value) {
    out.clear();
    if (j.is_null()) return Status::ok();
    if (!j.is_array()) return typeError(p, "array", j);
    out.resize(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      ORCH_RETURN_IF_ERROR(decodeValue(j[i], p.index(i), out[i]));
    }
    return Status::ok();
  } else if constexpr (detail::IsStringMap<T>::value) {
    out.clear();
    if (j.is_null()) return Status::ok();
    if (!j.is_object()) return typeError(p, "object", j);
    for (auto it = j.begin(); it != j.end(); ++it) {
      typename T::mapped_type v{};
      if (!it->is_null()) ORCH_RETURN_IF_ERROR(decodeValue(*it, p.key(it.key()), v));
      out.emplace(it.key(), std::move(v));
    }
    return Status::ok();
  } else if constexpr (detail::ObjectCodec<T>) {
    if (!j.is_object()) return typeError(p, "object", j);
    Reader r(j, p);
    ORCH_RETURN_IF_ERROR(decodeFields(r, out));
    out.unknown_fields = r.unknown();
    if (StrictDecoding::active() && out.unknown_fields.is_object()) {
      return fieldError(p.key(out.unknown_fields.begin().key()), "unknown field");
    }
    return Status::ok();
  } else {
    return decodeJson(j, p, out);
  }
}

template <class T>
Json encodeValue(const T& v) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                std::is_arithmetic_v<T> || std::is_same_v<T, Json>) {
    return Json(v);
  } else if constexpr (detail::IsOptional<T>::value) {
    return v ? encodeValue(*v) : Json(nullptr);
  } else if constexpr (detail::IsVector<T>::value) {
    Json a = Json::array();
    for (const auto& e : v) a.push_back(encodeValue(e));
    return a;
  } else if constexpr (detail::IsStringMap<T>::value) {
    Json o = Json::object();
    for (const auto& [k, e] : v) o[k] = encodeValue(e);
    return o;
  } else if constexpr (detail::ObjectCodec<T>) {
    Json o = Json::object();
    Writer w(o);
    encodeFields(w, v);
    w.merge(v.unknown_fields);
    return o;
  } else {
    return encodeJson(v);
  }
}

}  // namespace orch::api

// Defines decodeFields(Reader&, Type&), encodeFields(Writer&, const Type&) and
// describeFields(SchemaBuilder&, const Type*) (its JSON schema, see schema.h) from one field
// list, written once for every direction (in a .cc file, inside namespace orch::api):
//   ORCH_API_FIELDS(ContainerPort) {
//     ORCH_F(f("name", v.name));
//     ORCH_F(f.always("containerPort", v.containerPort));
//     return Status::ok();
//   }
#define ORCH_API_FIELDS(Type)                          \
  template <class F, class V>                          \
  static ::orch::Status fields##Type(F& f, V& v);      \
  ::orch::Status decodeFields(Reader& r, Type& v) {    \
    return fields##Type(r, v);                         \
  }                                                    \
  void encodeFields(Writer& w, const Type& v) {        \
    (void)fields##Type(w, v);                          \
  }                                                    \
  void describeFields(SchemaBuilder& s, const Type*) { \
    s.begin(#Type);                                    \
    const Type v{};                                    \
    (void)fields##Type(s, v);                          \
  }                                                    \
  template <class F, class V>                          \
  static ::orch::Status fields##Type(F& f, V& v)
#define ORCH_F(expr) ORCH_RETURN_IF_ERROR(expr)
// Declares the functions ORCH_API_FIELDS defines (in headers).
#define ORCH_API_CODEC(Type)                       \
  ::orch::Status decodeFields(Reader& r, Type& v); \
  void encodeFields(Writer& w, const Type& v);     \
  void describeFields(SchemaBuilder& s, const Type*)
