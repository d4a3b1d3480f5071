#include "controlplane/apiserver/registry/object_meta_ops.h"

#include <cstdio>
#include <random>

#include "common/api/time.h"

namespace orch::apiserver {

namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 g(std::random_device{}());
  return g;
}

api::Json withoutVolatile(const api::Json& obj) {
  api::Json c = obj;
  auto m = c.find("metadata");
  if (m == c.end() || !m->is_object()) return c;
  m->erase("resourceVersion");
  auto mf = m->find("managedFields");
  if (mf != m->end() && mf->is_array())
    for (api::Json& e : *mf)
      if (e.is_object()) e.erase("time");
  return c;
}

}  // namespace

std::string newUid() {
  uint64_t hi = rng()(), lo = rng()();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string generateName(const std::string& prefix) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string base = prefix;
  if (base.size() > 58) base.resize(58);  // names stay within 63 characters
  for (int i = 0; i < 5; ++i) base.push_back(kAlphabet[pick(rng())]);
  return base;
}

bool sameObject(const api::Json& a, const api::Json& b) {
  return withoutVolatile(a) == withoutVolatile(b);
}

bool specChanged(const api::Json& a, const api::Json& b) {
  auto strip = [](const api::Json& o) {
    api::Json c = o;
    if (c.is_object()) {
      c.erase("metadata");
      c.erase("status");
    }
    return c;
  };
  return strip(a) != strip(b);
}

api::Json& metadataOf(api::Json& obj) {
  api::Json& m = obj["metadata"];
  if (!m.is_object()) m = api::Json::object();
  return m;
}

void keepMetadataField(api::Json& obj, const api::Json& old, const char* key) {
  api::Json& m = metadataOf(obj);
  auto om = old.find("metadata");
  if (om != old.end() && om->is_object() && om->contains(key))
    m[key] = (*om)[key];
  else
    m.erase(key);
}

std::string addSeconds(const std::string& base, int64_t seconds) {
  auto t = api::Time::parse(base);
  if (!t.ok()) return base;
  return api::Time(t->timePoint() + std::chrono::seconds(seconds)).format();
}

}  // namespace orch::apiserver
