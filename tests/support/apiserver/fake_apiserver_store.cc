#include "tests/support/apiserver/fake_apiserver_store.h"

#include <cstdio>
#include <ctime>

#include "common/httpd/url_query.h"

namespace orch::testing::fakeapi {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(' ');
  return s.substr(b, e - b + 1);
}

// Splits a selector at top-level commas (not those inside "in (a,b)").
std::vector<std::string> requirements(const std::string& sel) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : sel) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!trim(cur).empty()) out.push_back(trim(cur));
  return out;
}

std::vector<std::string> setValues(const std::string& s) {
  std::vector<std::string> out;
  size_t open = s.find('('), close = s.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return out;
  for (auto& v : split(s.substr(open + 1, close - open - 1), ',')) out.push_back(trim(v));
  return out;
}

std::string lookup(const json& obj, const std::string& dotted, bool* found) {
  const json* cur = &obj;
  for (const auto& part : split(dotted, '.')) {
    if (!cur->is_object() || !cur->contains(part)) {
      *found = false;
      return "";
    }
    cur = &(*cur)[part];
  }
  *found = true;
  return cur->is_string() ? cur->get<std::string>() : cur->dump();
}

std::string keyOf(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

std::string apiVersionOf(const std::string& collection) {
  // "/api/v1/pods" → "v1"; "/apis/apps/v1/deployments" → "apps/v1"
  auto parts = split(collection, '/');
  if (parts.size() >= 4 && parts[1] == "api") return parts[2];
  if (parts.size() >= 5) return parts[2] + "/" + parts[3];
  return "v1";
}

Reply notFound(const Ref& ref) {
  return Reply{404, statusBody(404, "NotFound", ref.plural + " \"" + ref.name + "\" not found",
                               ref.name, ref.plural)};
}

Reply conflict(const Ref& ref, const std::string& why) {
  return Reply{409, statusBody(409, "Conflict",
                               "Operation cannot be fulfilled on " + ref.plural + " \"" + ref.name +
                                   "\": " + why,
                               ref.name, ref.plural)};
}

Reply badRequest(const std::string& msg) {
  return Reply{400, statusBody(400, "BadRequest", msg)};
}

}  // namespace

Ref parsePath(const std::string& path) {
  std::vector<std::string> segs;
  for (auto& s : split(path, '/')) {
    if (!s.empty()) segs.push_back(httpd::percentDecode(s));
  }
  Ref r;
  size_t i = 0;
  std::string prefix;
  if (segs.size() >= 2 && segs[0] == "api") {
    prefix = "/api/" + segs[1];
    i = 2;
  } else if (segs.size() >= 3 && segs[0] == "apis") {
    prefix = "/apis/" + segs[1] + "/" + segs[2];
    i = 3;
  } else {
    return r;
  }
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (rest.empty()) return r;
  size_t at = 0;
  const bool ns_status = rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize");
  if (rest[0] == "namespaces" && rest.size() >= 3 && !ns_status) {
    r.ns = rest[1];
    at = 2;
  }
  if (rest.size() - at > 3) return r;
  r.plural = rest[at];
  if (rest.size() > at + 1) r.name = rest[at + 1];
  if (rest.size() > at + 2) r.sub = rest[at + 2];
  r.collection = prefix + "/" + r.plural;
  r.ok = true;
  return r;
}

std::pair<std::string, Query> splitTarget(const std::string& target) {
  Query q;
  size_t qm = target.find('?');
  if (qm == std::string::npos) return {target, q};
  for (auto& [key, value] : httpd::parseQuery(std::string_view(target).substr(qm + 1)))
    q.params[key] = std::move(value);
  return {target.substr(0, qm), q};
}

json statusBody(int code, const std::string& reason, const std::string& message,
                const std::string& name, const std::string& kind) {
  json j = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  if (!name.empty() || !kind.empty()) j["details"] = {{"name", name}, {"kind", kind}};
  return j;
}

json errorEvent(int code, const std::string& reason, const std::string& message) {
  return json{{"type", "ERROR"}, {"object", statusBody(code, reason, message)}};
}

json goneEvent(const std::string& message) {
  return errorEvent(410, "Expired", message);
}

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool matchLabels(const json& obj, const std::string& selector) {
  json labels = json::object();
  if (obj.contains("metadata") && obj["metadata"].contains("labels") &&
      obj["metadata"]["labels"].is_object()) {
    labels = obj["metadata"]["labels"];
  }
  auto value = [&](const std::string& k, bool* has) {
    *has = labels.contains(k) && labels[k].is_string();
    return *has ? labels[k].get<std::string>() : std::string();
  };
  for (const auto& req : requirements(selector)) {
    bool has = false;
    if (size_t p = req.find(" notin "); p != std::string::npos) {
      std::string v = value(trim(req.substr(0, p)), &has);
      for (const auto& s : setValues(req)) {
        if (has && v == s) return false;
      }
    } else if (size_t p2 = req.find(" in "); p2 != std::string::npos) {
      std::string v = value(trim(req.substr(0, p2)), &has);
      bool any = false;
      for (const auto& s : setValues(req)) any = any || (has && v == s);
      if (!any) return false;
    } else if (size_t ne = req.find("!="); ne != std::string::npos) {
      std::string v = value(trim(req.substr(0, ne)), &has);
      if (has && v == trim(req.substr(ne + 2))) return false;
    } else if (size_t eq = req.find('='); eq != std::string::npos) {
      size_t vstart = req.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
      std::string v = value(trim(req.substr(0, eq)), &has);
      if (!has || v != trim(req.substr(vstart))) return false;
    } else if (!req.empty() && req[0] == '!') {
      value(trim(req.substr(1)), &has);
      if (has) return false;
    } else {
      value(req, &has);
      if (!has) return false;
    }
  }
  return true;
}

bool matchFields(const json& obj, const std::string& selector) {
  for (const auto& req : requirements(selector)) {
    bool found = false;
    if (size_t ne = req.find("!="); ne != std::string::npos) {
      std::string v = lookup(obj, trim(req.substr(0, ne)), &found);
      if (v == trim(req.substr(ne + 2))) return false;
    } else if (size_t eq = req.find('='); eq != std::string::npos) {
      size_t vstart = req.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
      std::string v = lookup(obj, trim(req.substr(0, eq)), &found);
      if (v != trim(req.substr(vstart))) return false;
    }
  }
  return true;
}

const json* ObjectStore::find(const Ref& ref) const {
  auto c = objects_.find(ref.collection);
  if (c == objects_.end()) return nullptr;
  auto o = c->second.find(keyOf(ref.ns, ref.name));
  return o == c->second.end() ? nullptr : &o->second;
}

Reply ObjectStore::serve(const std::string& method, const Ref& ref, const Query& q,
                         const std::string& body, const std::string& content_type,
                         const std::string& now) {
  try {
    if (method == "GET") {
      if (ref.name.empty()) return list(ref, q);
      const json* o = find(ref);
      return o == nullptr ? notFound(ref) : Reply{200, *o};
    }
    if (method == "POST" && ref.name.empty()) {
      json obj = json::parse(body, nullptr, false);
      if (obj.is_discarded() || !obj.is_object()) return badRequest("body is not a JSON object");
      return create(ref, std::move(obj), now);
    }
    if (method == "PUT" && !ref.name.empty()) {
      json obj = json::parse(body, nullptr, false);
      if (obj.is_discarded() || !obj.is_object()) return badRequest("body is not a JSON object");
      return update(ref, std::move(obj));
    }
    if (method == "PATCH" && !ref.name.empty()) return patch(ref, body, content_type);
    if (method == "DELETE" && !ref.name.empty()) return remove(ref, body);
  } catch (const json::exception& e) {
    return badRequest(e.what());
  }
  return Reply{405, statusBody(405, "MethodNotAllowed", method + " is not supported here")};
}

Reply ObjectStore::list(const Ref& ref, const Query& q) const {
  json items = json::array();
  std::string next;
  const std::string label = q.get("labelSelector"), field = q.get("fieldSelector");
  const std::string after = q.get("continue");
  int64_t limit = q.get("limit").empty() ? 0 : std::stoll(q.get("limit"));
  std::string last;
  if (auto c = objects_.find(ref.collection); c != objects_.end()) {
    auto it = after.empty() ? c->second.begin() : c->second.upper_bound(after);
    for (; it != c->second.end(); ++it) {
      const json& o = it->second;
      if (!ref.ns.empty() && it->first.rfind(ref.ns + "/", 0) != 0) continue;
      if (!matchLabels(o, label) || !matchFields(o, field)) continue;
      if (limit > 0 && static_cast<int64_t>(items.size()) == limit) {
        next = last;  // the token is the last key returned
        break;
      }
      items.push_back(o);
      last = it->first;
    }
  }
  json meta = {{"resourceVersion", std::to_string(rv)}};
  if (!next.empty()) meta["continue"] = next;
  return Reply{200, json{{"apiVersion", apiVersionOf(ref.collection)},
                         {"kind", "List"},
                         {"metadata", meta},
                         {"items", items}}};
}

void ObjectStore::record(const std::string& type, const Ref& ref, const std::string& ns,
                         const json& obj) {
  events_.push_back(Event{rv, ref.collection, ns, type, obj});
}

Reply ObjectStore::create(const Ref& ref, json obj, const std::string& now) {
  json& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (!ref.ns.empty()) {
    if (meta.contains("namespace") && meta["namespace"].is_string() &&
        !meta["namespace"].get<std::string>().empty() && meta["namespace"] != ref.ns) {
      return badRequest(
          "the namespace of the provided object does not match the namespace sent on the "
          "request");
    }
    meta["namespace"] = ref.ns;
  }
  std::string name = meta.value("name", "");
  if (name.empty() && !meta.value("generateName", "").empty()) {
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, "%05lld", static_cast<long long>(uid_counter_ + 1));
    name = meta.value("generateName", "") + suffix;
    meta["name"] = name;
  }
  if (name.empty()) {
    json s = statusBody(422, "Invalid",
                        ref.plural +
                            " \"\" is invalid: metadata.name: Required value: name "
                            "or generateName is required",
                        "", ref.plural);
    s["details"]["causes"] =
        json::array({{{"reason", "FieldValueRequired"},
                      {"message", "Required value: name or generateName is required"},
                      {"field", "metadata.name"}}});
    return Reply{422, s};
  }
  auto& coll = objects_[ref.collection];
  const std::string key = keyOf(ref.ns, name);
  if (coll.count(key) != 0) {
    return Reply{
        409, statusBody(409, "AlreadyExists", ref.plural + " \"" + name + "\" already exists", name,
                        ref.plural)};
  }
  char uid[48];
  std::snprintf(uid, sizeof uid, "00000000-0000-4000-8000-%012lld",
                static_cast<long long>(++uid_counter_));
  meta["uid"] = uid;
  meta["creationTimestamp"] = now;
  meta["resourceVersion"] = std::to_string(++rv);
  if (!meta.contains("generation")) meta["generation"] = 1;
  coll[key] = obj;
  record("ADDED", ref, ref.ns, obj);
  Reply r{201, obj};
  r.changed = true;
  return r;
}

Reply ObjectStore::update(const Ref& ref, json obj) {
  auto c = objects_.find(ref.collection);
  if (c == objects_.end() || c->second.count(keyOf(ref.ns, ref.name)) == 0) return notFound(ref);
  json& stored = c->second[keyOf(ref.ns, ref.name)];
  json& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (meta.contains("name") && meta["name"] != ref.name) {
    return badRequest("the name of the object (" + meta.value("name", "") +
                      ") does not match the name on the URL (" + ref.name + ")");
  }
  std::string want = meta.value("resourceVersion", "");
  if (!want.empty() && want != stored["metadata"].value("resourceVersion", "")) {
    return conflict(ref,
                    "the object has been modified; please apply your changes to the latest "
                    "version and try again");
  }
  json next;
  if (ref.sub == "status") {
    next = stored;
    if (obj.contains("status")) {
      next["status"] = obj["status"];
    } else {
      next.erase("status");
    }
  } else {
    next = std::move(obj);
    if (stored.contains("status")) {
      next["status"] = stored["status"];
    } else {
      next.erase("status");
    }
    for (const char* k : {"uid", "creationTimestamp", "namespace", "name", "generation"}) {
      if (stored["metadata"].contains(k)) next["metadata"][k] = stored["metadata"][k];
    }
    if (next.value("spec", json()) != stored.value("spec", json())) {
      next["metadata"]["generation"] = stored["metadata"].value("generation", 0) + 1;
    }
  }
  next["metadata"]["resourceVersion"] = std::to_string(++rv);
  stored = next;
  record("MODIFIED", ref, ref.ns, next);
  Reply r{200, next};
  r.changed = true;
  return r;
}

Reply ObjectStore::patch(const Ref& ref, const std::string& body, const std::string& content_type) {
  const json* cur = find(ref);
  if (cur == nullptr) return notFound(ref);
  json p = json::parse(body, nullptr, false);
  if (p.is_discarded()) return badRequest("the patch is not valid JSON");
  json patched = *cur;
  if (content_type.find("json-patch") != std::string::npos) {
    try {
      patched = cur->patch(p);
    } catch (const json::exception& e) {
      return Reply{422, statusBody(422, "Invalid", std::string("the patch failed: ") + e.what(),
                                   ref.name, ref.plural)};
    }
  } else {
    patched.merge_patch(p);
  }
  // update() checks a resourceVersion the patch set against the stored one.
  return update(ref, std::move(patched));
}

Reply ObjectStore::remove(const Ref& ref, const std::string& body) {
  auto c = objects_.find(ref.collection);
  const std::string key = keyOf(ref.ns, ref.name);
  if (c == objects_.end() || c->second.count(key) == 0) return notFound(ref);
  json obj = c->second[key];
  if (!body.empty()) {
    json opts = json::parse(body, nullptr, false);
    if (opts.is_object() && opts.contains("preconditions")) {
      const json& pre = opts["preconditions"];
      const json& meta = obj["metadata"];
      if (pre.contains("uid") && pre["uid"] != meta.value("uid", "")) {
        return conflict(ref, "Precondition failed: UID in precondition: " + pre.value("uid", "") +
                                 ", UID in object meta: " + meta.value("uid", ""));
      }
      if (pre.contains("resourceVersion") &&
          pre["resourceVersion"] != meta.value("resourceVersion", "")) {
        return conflict(
            ref, "Precondition failed: ResourceVersion in precondition: " +
                     pre.value("resourceVersion", "") +
                     ", ResourceVersion in object meta: " + meta.value("resourceVersion", ""));
      }
    }
  }
  c->second.erase(key);
  obj["metadata"]["resourceVersion"] = std::to_string(++rv);
  record("DELETED", ref, ref.ns, obj);
  Reply r{200, obj};
  r.changed = true;
  return r;
}

bool ObjectStore::matches(const Event& e, const Ref& ref, const Query& q) const {
  return e.collection == ref.collection && (ref.ns.empty() || e.ns == ref.ns) &&
         matchLabels(e.object, q.get("labelSelector")) &&
         matchFields(e.object, q.get("fieldSelector"));
}

std::vector<json> ObjectStore::snapshotAdds(const Ref& ref, const Query& q) const {
  std::vector<json> out;
  auto c = objects_.find(ref.collection);
  if (c == objects_.end()) return out;
  for (const auto& [key, obj] : c->second) {
    Event e{0, ref.collection, key.substr(0, key.find('/')), "ADDED", obj};
    if (matches(e, ref, q)) out.push_back(json{{"type", "ADDED"}, {"object", obj}});
  }
  return out;
}

std::vector<json> ObjectStore::eventsAfter(const Ref& ref, const Query& q, int64_t* cursor) const {
  std::vector<json> out;
  for (const auto& e : events_) {
    if (e.rv <= *cursor || !matches(e, ref, q)) continue;
    out.push_back(json{{"type", e.type}, {"object", e.object}});
  }
  *cursor = rv;
  return out;
}

}  // namespace orch::testing::fakeapi
