#include "controlplane/apiserver/registry/stored_object.h"

#include <charconv>

#include "common/api/codec.h"

namespace orch::apiserver {

std::string resourcePrefix(const ResourceInfo& r) {
  if (r.group.empty()) return "/registry/" + r.plural + "/";
  return "/registry/" + r.group + "/" + r.plural + "/";
}

std::string collectionPrefix(const ResourceInfo& r, std::string_view ns) {
  std::string p = resourcePrefix(r);
  if (r.namespaced && !ns.empty()) p.append(ns).push_back('/');
  return p;
}

std::string objectKey(const ResourceInfo& r, std::string_view ns, std::string_view name) {
  std::string k = resourcePrefix(r);
  if (r.namespaced) k.append(ns).push_back('/');
  k.append(name);
  return k;
}

Result<api::Json> decodeStored(const store::KeyValue& kv) {
  auto j = api::detail::parseJsonText(kv.value);
  if (!j.ok() || !j->is_object())
    return Status::error(EIO, "stored object " + kv.key + " is not a JSON object");
  api::Json obj = std::move(j).value();
  setResourceVersion(obj, kv.mod_revision);
  return obj;
}

std::string encodeForStore(api::Json obj) {
  auto m = obj.find("metadata");
  if (m != obj.end() && m->is_object()) m->erase("resourceVersion");
  return api::detail::dumpCompact(obj);
}

std::string metaString(const api::Json& obj, const char* field) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return {};
  auto f = m->find(field);
  if (f == m->end() || !f->is_string()) return {};
  return f->get<std::string>();
}

int64_t metaInt(const api::Json& obj, const char* field) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return 0;
  auto f = m->find(field);
  if (f == m->end() || !f->is_number_integer()) return 0;
  return f->get<int64_t>();
}

int64_t resourceVersionOf(const api::Json& obj) {
  std::string s = metaString(obj, "resourceVersion");
  if (s.empty()) return 0;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return -1;
  return v;
}

api::Labels labelsOf(const api::Json& obj) {
  api::Labels out;
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return out;
  auto l = m->find("labels");
  if (l == m->end() || !l->is_object()) return out;
  for (const auto& [k, v] : l->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

void setResourceVersion(api::Json& obj, int64_t rv) {
  obj["metadata"]["resourceVersion"] = std::to_string(rv);
}

}  // namespace orch::apiserver

namespace orch::apiserver {

namespace {

// The offset just past the '{' of the top-level "metadata" object in compact JSON text, or
// npos. A lexical scan (strings and nesting depth only) over text that nlohmann produced:
// the splice below then costs a copy instead of a parse and a dump per object, which is what
// LIST and watch fan-out spend their time on.
size_t topLevelMetadataBody(const std::string& v) {
  static constexpr std::string_view kKey = "\"metadata\":{";
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      if (depth == 1 && v.compare(i, kKey.size(), kKey) == 0) return i + kKey.size();
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return std::string::npos;
}

}  // namespace

std::string storedTextWithVersion(const std::string& value, int64_t rv) {
  const std::string field = "\"resourceVersion\":\"" + std::to_string(rv) + "\"";
  size_t insert = topLevelMetadataBody(value);
  if (insert != std::string::npos && insert < value.size()) {
    std::string out;
    out.reserve(value.size() + field.size() + 1);
    out.append(value, 0, insert);
    out.append(field);
    if (value[insert] != '}') out.push_back(',');
    out.append(value, insert, std::string::npos);
    return out;
  }
  auto j = api::detail::parseJsonText(value);
  if (!j.ok() || !j->is_object()) return value;
  setResourceVersion(*j, rv);
  return api::detail::dumpCompact(*j);
}

}  // namespace orch::apiserver
