#include "controlplane/apiserver/registry/watch_events.h"

#include <mutex>
#include <optional>
#include <string_view>

#include "common/api/codec.h"
#include "controlplane/apiserver/registry/field_attributes.h"
#include "controlplane/apiserver/registry/stored_object.h"

namespace orch::apiserver {

namespace {

// "{"type":"<type>","object":" before the object's text, "}\n" after it.
constexpr std::string_view kObjectKey = "\",\"object\":";

std::optional<SelectableAttrs> attrsOf(const ResourceInfo& r, const store::KeyValue& kv) {
  auto obj = decodeStored(kv);
  if (!obj.ok()) return std::nullopt;
  SelectableAttrs a;
  a.labels = labelsOf(*obj);
  for (const std::string& f : selectableFields(r)) {
    if (auto v = selectableFieldValue(r, *obj, f)) a.fields.emplace(f, std::move(*v));
  }
  return a;
}

// How the watchers of a resource see one store event, worked out once for all of them
// (CachedEvent::derived). It lives as long as the event in the cache's ring, so it keeps the
// line (the object's text is inside it) and, only once a filtered watch asked, the few
// attributes selectors look at rather than decoded objects.
class EventRendering {
 public:
  explicit EventRendering(const ResourceInfo& r, const store::Event& e) : r_(r), e_(e) {
    if (e.type == store::Event::Type::kDelete) {
      if (!e.prev) return;  // nothing to show
      type = "DELETED";
      line = std::make_shared<const std::string>(
          eventLine(type, storedTextWithVersion(e.prev->value, e.revision())));
    } else {
      type = created() ? "ADDED" : "MODIFIED";
      line = std::make_shared<const std::string>(
          eventLine(type, storedTextWithVersion(e.kv.value, e.revision())));
    }
  }
  bool created() const { return !e_.prev || e_.kv.create_revision == e_.kv.mod_revision; }
  std::string objectText() const {
    const size_t start = line->find(kObjectKey) + kObjectKey.size();
    return line->substr(start, line->size() - start - 2);  // without "}\n"
  }
  // Null when absent or undecodable.
  const SelectableAttrs* after() const {
    decode();
    return after_ ? &*after_ : nullptr;
  }
  const SelectableAttrs* before() const {
    decode();
    return before_ ? &*before_ : nullptr;
  }

  const char* type = nullptr;  // null: the event shows nothing (a delete without its object)
  SharedText line;             // set when `type` is

 private:
  void decode() const {
    std::call_once(decoded_, [this] {
      if (e_.type == store::Event::Type::kPut) after_ = attrsOf(r_, e_.kv);
      if (e_.prev) before_ = attrsOf(r_, *e_.prev);
    });
  }

  const ResourceInfo& r_;
  const store::Event& e_;  // the CachedEvent holding both outlives this
  mutable std::once_flag decoded_;
  mutable std::optional<SelectableAttrs> after_, before_;
};

}  // namespace

bool WatchFilter::matches(const SelectableAttrs& a) const {
  if (!name.empty()) {
    auto it = a.fields.find("metadata.name");
    if (it == a.fields.end() || it->second != name) return false;
  }
  if (!labels.empty() && !labels.matches(a.labels)) return false;
  return fields.empty() || fields.matches(a.fields);
}

std::string eventLine(const char* type, const std::string& object_text) {
  std::string s;
  s.reserve(object_text.size() + 32);
  s += "{\"type\":\"";
  s += type;
  s += kObjectKey;
  s += object_text;
  s += "}\n";
  return s;
}

std::string bookmarkLine(const ResourceInfo& r, int64_t rv, bool initial_events_end) {
  api::Json meta = {{"resourceVersion", std::to_string(rv)}};
  if (initial_events_end) meta["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  api::Json obj = {{"apiVersion", r.groupVersion()}, {"kind", r.kind}, {"metadata", meta}};
  return eventLine("BOOKMARK", api::detail::dumpCompact(obj));
}

std::string errorLine(const api::ApiStatus& st) {
  return eventLine("ERROR", api::serialize(st));
}

void translate(const CachedEvent& ce, const WatchFilter& f, std::vector<SharedText>& out) {
  const auto& shown = ce.derived<EventRendering>(
      [&](const store::Event& e) { return std::make_shared<const EventRendering>(*f.r, e); });
  if (shown.type == nullptr) return;
  if (f.trivial()) {
    out.push_back(shown.line);
    return;
  }
  if (ce.event().type == store::Event::Type::kDelete) {
    const SelectableAttrs* prev = shown.before();
    if (prev != nullptr && f.matches(*prev)) out.push_back(shown.line);
    return;
  }
  const SelectableAttrs* now = shown.after();
  if (now == nullptr) return;
  const bool now_matches = f.matches(*now);
  const bool before_matches =
      !shown.created() && shown.before() != nullptr && f.matches(*shown.before());
  const char* type = nullptr;
  if (now_matches)
    type = before_matches ? "MODIFIED" : "ADDED";
  else if (before_matches)
    type = "DELETED";
  if (type == nullptr) return;
  out.push_back(std::string_view(type) == shown.type
                    ? shown.line
                    : std::make_shared<const std::string>(eventLine(type, shown.objectText())));
}

}  // namespace orch::apiserver
