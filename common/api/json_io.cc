#include "common/api/json_io.h"

#include <algorithm>
#include <cmath>

namespace orch::api {

namespace {
// Kept out of the header: the flag is only touched through these functions.
thread_local bool g_strict_decoding = false;
}  // namespace

StrictDecoding::StrictDecoding() : prev_(g_strict_decoding) {
  g_strict_decoding = true;
}
StrictDecoding::~StrictDecoding() {
  g_strict_decoding = prev_;
}
bool StrictDecoding::active() {
  return g_strict_decoding;
}

std::string FieldPath::str() const {
  // Collect the chain root-first; paths are short, so a small vector is enough.
  std::vector<const FieldPath*> chain;
  for (const FieldPath* f = this; f != nullptr && f->parent_ != nullptr; f = f->parent_) {
    chain.push_back(f);
  }
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const FieldPath* f = *it;
    if (f->index_ != kNoIndex) {
      out += '[';
      out += std::to_string(f->index_);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += f->key_;
    }
  }
  return out;
}

Status fieldError(const FieldPath& path, std::string_view what) {
  std::string p = path.str();
  if (p.empty()) return Status::invalid(std::string(what));
  return Status::invalid(p + ": " + std::string(what));
}

const char* jsonTypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::null:
      return "null";
    default:
      return "invalid value";
  }
}

Status typeError(const FieldPath& path, std::string_view expected, const Json& j) {
  return fieldError(path, "expected " + std::string(expected) + ", got " + jsonTypeName(j));
}

Status decodeString(const Json& j, const FieldPath& p, std::string& out) {
  const auto* s = j.get_ptr<const Json::string_t*>();
  if (s == nullptr) return typeError(p, "string", j);
  out = *s;
  return Status::ok();
}

Status decodeBool(const Json& j, const FieldPath& p, bool& out) {
  const auto* b = j.get_ptr<const Json::boolean_t*>();
  if (b == nullptr) return typeError(p, "boolean", j);
  out = *b;
  return Status::ok();
}

Status decodeInt(const Json& j, const FieldPath& p, int64_t min, int64_t max, int64_t& out) {
  if (const auto* i = j.get_ptr<const Json::number_integer_t*>()) {
    if (*i < min || *i > max)
      return fieldError(p, "integer " + std::to_string(*i) + " out of range");
    out = *i;
    return Status::ok();
  }
  if (const auto* u = j.get_ptr<const Json::number_unsigned_t*>()) {
    if (*u > static_cast<uint64_t>(max)) {
      return fieldError(p, "integer " + std::to_string(*u) + " out of range");
    }
    out = static_cast<int64_t>(*u);
    return Status::ok();
  }
  if (const auto* f = j.get_ptr<const Json::number_float_t*>()) {
    // Go's decoder takes 3.0 for an int only when written as an integer; the apiserver's
    // (sigs.k8s.io/json) accepts integral floats, so do the same and reject fractions.
    double d = *f;
    if (std::trunc(d) != d || !std::isfinite(d)) {
      return fieldError(p, "expected integer, got fractional number");
    }
    if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
      return fieldError(p, "integer out of range");
    }
    out = static_cast<int64_t>(d);
    return Status::ok();
  }
  return typeError(p, "integer", j);
}

Status decodeDouble(const Json& j, const FieldPath& p, double& out) {
  if (!j.is_number()) return typeError(p, "number", j);
  out = j.get<double>();
  return Status::ok();
}

const Json* Reader::take(std::string_view key) {
  auto it = obj_.find(key);
  if (it == obj_.end()) return nullptr;
  ++found_;
  known_.push_back(key);
  return &*it;
}

Json Reader::unknown() const {
  if (found_ == obj_.size()) return Json();
  Json out = Json::object();
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (std::find(known_.begin(), known_.end(), std::string_view(it.key())) == known_.end()) {
      out[it.key()] = *it;
    }
  }
  return out;
}

void Writer::merge(const Json& unknown) {
  if (!unknown.is_object()) return;
  for (auto it = unknown.begin(); it != unknown.end(); ++it) {
    if (!obj_.contains(it.key())) obj_[it.key()] = *it;
  }
}

}  // namespace orch::api

namespace orch::api {

Status Reader::base64Map(std::string_view key, std::map<std::string, std::string>& out) {
  const Json* j = take(key);
  out.clear();
  if (j == nullptr || j->is_null()) return Status::ok();
  FieldPath p = path_.key(key);
  if (!j->is_object()) return typeError(p, "object", *j);
  for (auto it = j->begin(); it != j->end(); ++it) {
    FieldPath ep = p.key(it.key());
    std::string text;
    if (!it->is_null()) ORCH_RETURN_IF_ERROR(decodeString(*it, ep, text));
    auto bytes = base64Decode(text);
    if (!bytes.ok()) return fieldError(ep, bytes.status().context());
    out.emplace(it.key(), std::move(bytes).value());
  }
  return Status::ok();
}

Status Writer::base64Map(std::string_view key, const std::map<std::string, std::string>& v) {
  if (v.empty()) return Status::ok();
  Json o = Json::object();
  for (const auto& [k, bytes] : v) o[k] = base64Encode(bytes);
  obj_[std::string(key)] = std::move(o);
  return Status::ok();
}

}  // namespace orch::api
